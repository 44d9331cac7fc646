(* Theorem 6: accumulation error. The kernels accumulate in binary32: AVX2 lanes with
   _mm256_fmadd_ps chains and add trees (src/cpu/q35_dot_avx2.c), the scalar variants with
   four partial sums (src/cpu/q35_dot.c), the GPU's float sums (src/cuda/q35_kernels.cu,
   mm_simt_kernel); the reference q35_block_dot_ref accumulates in binary64. Every one is an
   evaluation tree of rounded adds, fmas and products over exact inputs, so one theorem on
   trees covers them all, in any FLT format (binary32 and binary64 are instances):
   |computed - exact| <= ((1+u)^h - 1) * sum|terms| + eta * nodes * (1+u)^h * cmax
   with u = 2^-prec, eta = 2^(emin-1), h the tree height. For a chain of K <= 2^20 binary32
   fmas this is at most (16/15) K 2^-24 sum|terms| + ...; and the IEEE fma chain never
   overflows while sum|terms| <= 2^126. *)
From Coq Require Import ZArith Reals Lia Lra List.
From Flocq Require Import Core Relative IEEE754.BinarySingleNaN IEEE754.Binary IEEE754.Bits.
From Q35 Require Import Q35Util Q35Scale Q35Float.
Import ListNotations.
Open Scope R_scope.

Section Trees.
Variables (emin prec : Z).
Context (Hp : Prec_gt_0 prec).

Definition rndf (x : R) : R := round radix2 (FLT_exp emin prec) ZnearestE x.
Definition uf : R := / 2 * bpow (- prec + 1).
Definition etaf : R := / 2 * bpow emin.

Inductive ftree : Type :=
| Leaf (x : R)                   (* an exact input *)
| RMul (a b : R)                 (* round(a * b) of exact inputs *)
| Add (l r : ftree)              (* round(l + r) *)
| Fma (a : R) (t r : ftree).     (* round(a * t + r), a exact *)

Fixpoint exact (t : ftree) : R :=
  match t with
  | Leaf x => x | RMul a b => a * b | Add l r => exact l + exact r | Fma a t r => a * exact t + exact r
  end.
Fixpoint fl (t : ftree) : R :=
  match t with
  | Leaf x => x | RMul a b => rndf (a * b) | Add l r => rndf (fl l + fl r) | Fma a t r => rndf (a * fl t + fl r)
  end.
Fixpoint absv (t : ftree) : R :=
  match t with
  | Leaf x => Rabs x | RMul a b => Rabs (a * b) | Add l r => absv l + absv r | Fma a t r => Rabs a * absv t + absv r
  end.
Fixpoint height (t : ftree) : nat :=
  match t with
  | Leaf _ => 0 | RMul _ _ => 1 | Add l r => S (Nat.max (height l) (height r))
  | Fma _ t r => S (Nat.max (height t) (height r))
  end.
Fixpoint nodes (t : ftree) : R :=
  match t with
  | Leaf _ => 0 | RMul _ _ => 1 | Add l r => 1 + nodes l + nodes r | Fma _ t r => 1 + nodes t + nodes r
  end.
Fixpoint cmax (t : ftree) : R :=
  match t with
  | Leaf _ => 1 | RMul _ _ => 1 | Add l r => Rmax 1 (Rmax (cmax l) (cmax r))
  | Fma a t r => Rmax 1 (Rmax (Rabs a * cmax t) (cmax r))
  end.

Lemma uf_pos : 0 < uf.
Proof. unfold uf. pose proof (bpow_gt_0 radix2 (- prec + 1)). lra. Qed.
Lemma etaf_pos : 0 < etaf.
Proof. unfold etaf. pose proof (bpow_gt_0 radix2 emin). lra. Qed.

Lemma rndf_abs x : Rabs (rndf x - x) <= uf * Rabs x + etaf.
Proof.
  destruct (error_N_FLT radix2 emin prec Hp (fun z => negb (Z.even z)) x) as [e [n [He [Hn [_ E]]]]].
  unfold rndf. rewrite E. replace (x * (1 + e) + n - x) with (x * e + n) by ring.
  eapply Rle_trans; [apply Rabs_triang|]. rewrite Rabs_mult. fold uf in He. fold etaf in Hn.
  pose proof (Rabs_pos x). nra.
Qed.

Lemma absv_nonneg t : 0 <= absv t.
Proof. induction t; simpl; try apply Rabs_pos; try lra. pose proof (Rabs_pos a). nra. Qed.

Lemma exact_le_absv t : Rabs (exact t) <= absv t.
Proof.
  induction t; simpl; try lra.
  - eapply Rle_trans; [apply Rabs_triang|lra].
  - eapply Rle_trans; [apply Rabs_triang|]. rewrite Rabs_mult. pose proof (Rabs_pos a). nra.
Qed.

Lemma nodes_nonneg t : 0 <= nodes t.
Proof. induction t; simpl; lra. Qed.

Lemma cmax_ge1 t : 1 <= cmax t.
Proof. destruct t; simpl; try lra; apply Rmax_l. Qed.

Definition gam (n : nat) : R := (1 + uf) ^ n - 1.

Lemma mono4 e n n' p p' c c' : 0 <= e -> 0 <= n <= n' -> 0 <= p <= p' -> 0 <= c <= c' -> e * n * p * c <= e * n' * p' * c'.
Proof.
  intros He Hn Hpp Hc. apply Rmult_le_compat.
  - apply Rmult_le_pos; [apply Rmult_le_pos|]; try apply Rmult_le_pos; lra.
  - lra.
  - apply Rmult_le_compat; try apply Rmult_le_pos; try lra. apply Rmult_le_compat_l; lra.
  - lra.
Qed.

Lemma gam_mono n m : (n <= m)%nat -> gam n <= gam m.
Proof. intros H. unfold gam. pose proof uf_pos. apply Rplus_le_compat_r. apply Rle_pow; [lra|exact H]. Qed.

Lemma pow_ge1 n : 1 <= (1 + uf) ^ n.
Proof. pose proof uf_pos. apply pow_R1_Rle. lra. Qed.

Lemma pow_mono n m : (n <= m)%nat -> (1 + uf) ^ n <= (1 + uf) ^ m.
Proof. intros H. pose proof uf_pos. apply Rle_pow; [lra|exact H]. Qed.

Theorem tree_error : forall t,
  Rabs (fl t - exact t) <= gam (height t) * absv t + etaf * nodes t * (1 + uf) ^ height t * cmax t.
Proof.
  pose proof uf_pos as Up. pose proof etaf_pos as Ep.
  induction t as [x|a b|l IHl r IHr|a t IHt r IHr]; simpl.
  - unfold gam. simpl. replace (x - x) with 0 by ring. rewrite Rabs_R0. lra.
  - unfold gam. pose proof (rndf_abs (a * b)). simpl. nra.
  - set (h := Nat.max (height l) (height r)).
    assert (Gl := gam_mono (height l) h (Nat.le_max_l _ _)). assert (Gr := gam_mono (height r) h (Nat.le_max_r _ _)).
    assert (Pl := pow_mono (height l) h (Nat.le_max_l _ _)). assert (Pr := pow_mono (height r) h (Nat.le_max_r _ _)).
    pose proof (absv_nonneg l). pose proof (absv_nonneg r). pose proof (cmax_ge1 l). pose proof (cmax_ge1 r).
    assert (Nl : 0 <= nodes l) by (clear; induction l; simpl; lra).
    assert (Nr : 0 <= nodes r) by (clear; induction r; simpl; lra).
    pose proof (pow_ge1 (height l)). pose proof (pow_ge1 (height r)). pose proof (pow_ge1 h).
    set (El := fl l - exact l) in *. set (Er := fl r - exact r) in *.
    pose proof (rndf_abs (fl l + fl r)) as R.
    assert (S : Rabs (fl l + fl r) <= absv l + absv r + Rabs El + Rabs Er).
    { replace (fl l + fl r) with (exact l + exact r + El + Er) by (unfold El, Er; ring).
      pose proof (exact_le_absv l). pose proof (exact_le_absv r).
      pose proof (Rabs_triang (exact l + exact r + El) Er). pose proof (Rabs_triang (exact l + exact r) El).
      pose proof (Rabs_triang (exact l) (exact r)). lra. }
    assert (T : Rabs (rndf (fl l + fl r) - (exact l + exact r)) <= (1 + uf) * (Rabs El + Rabs Er) + uf * (absv l + absv r) + etaf).
    { replace (rndf (fl l + fl r) - (exact l + exact r)) with ((rndf (fl l + fl r) - (fl l + fl r)) + El + Er)
        by (unfold El, Er; ring).
      pose proof (Rabs_triang (rndf (fl l + fl r) - (fl l + fl r) + El) Er).
      pose proof (Rabs_triang (rndf (fl l + fl r) - (fl l + fl r)) El). nra. }
    set (C := Rmax 1 (Rmax (cmax l) (cmax r))).
    assert (Cl : cmax l <= C) by (unfold C; eapply Rle_trans; [apply Rmax_l|apply Rmax_r]).
    assert (Cr : cmax r <= C) by (unfold C; eapply Rle_trans; [apply Rmax_r|apply Rmax_r]).
    assert (C1 : 1 <= C) by apply Rmax_l.
    assert (El' : Rabs El <= gam h * absv l + etaf * nodes l * (1 + uf) ^ h * C).
    { eapply Rle_trans; [exact IHl|]. apply Rplus_le_compat; [nra|].
      apply mono4; lra. }
    assert (Er' : Rabs Er <= gam h * absv r + etaf * nodes r * (1 + uf) ^ h * C).
    { eapply Rle_trans; [exact IHr|]. apply Rplus_le_compat; [nra|].
      apply mono4; lra. }
    unfold gam in *. simpl. fold h. fold C.
    set (P := (1 + uf) ^ h) in *.
    assert (A1 : 1 <= (1 + uf) * P) by nra.
    assert (A2 : 1 <= (1 + uf) * P * C) by nra.
    assert (E1 : etaf <= etaf * ((1 + uf) * P * C)) by nra.
    assert (M : (1 + uf) * (Rabs El + Rabs Er) <=
                (1 + uf) * ((P - 1) * (absv l + absv r) + etaf * (nodes l + nodes r) * P * C))
      by (apply Rmult_le_compat_l; lra).
    lra.
  - set (h := Nat.max (height t) (height r)).
    assert (Gl := gam_mono (height t) h (Nat.le_max_l _ _)). assert (Gr := gam_mono (height r) h (Nat.le_max_r _ _)).
    assert (Pl := pow_mono (height t) h (Nat.le_max_l _ _)). assert (Pr := pow_mono (height r) h (Nat.le_max_r _ _)).
    pose proof (absv_nonneg t). pose proof (absv_nonneg r). pose proof (cmax_ge1 t). pose proof (cmax_ge1 r).
    assert (Nl : 0 <= nodes t) by (clear; induction t; simpl; lra).
    assert (Nr : 0 <= nodes r) by (clear; induction r; simpl; lra).
    pose proof (pow_ge1 (height t)). pose proof (pow_ge1 (height r)). pose proof (pow_ge1 h).
    pose proof (Rabs_pos a) as Ha.
    set (El := fl t - exact t) in *. set (Er := fl r - exact r) in *.
    pose proof (rndf_abs (a * fl t + fl r)) as R.
    assert (S : Rabs (a * fl t + fl r) <= Rabs a * absv t + absv r + Rabs a * Rabs El + Rabs Er).
    { replace (a * fl t + fl r) with (a * exact t + exact r + a * El + Er) by (unfold El, Er; ring).
      pose proof (exact_le_absv t). pose proof (exact_le_absv r).
      pose proof (Rabs_triang (a * exact t + exact r + a * El) Er). pose proof (Rabs_triang (a * exact t + exact r) (a * El)).
      pose proof (Rabs_triang (a * exact t) (exact r)). rewrite !Rabs_mult in *. nra. }
    assert (T : Rabs (rndf (a * fl t + fl r) - (a * exact t + exact r)) <=
                (1 + uf) * (Rabs a * Rabs El + Rabs Er) + uf * (Rabs a * absv t + absv r) + etaf).
    { replace (rndf (a * fl t + fl r) - (a * exact t + exact r)) with ((rndf (a * fl t + fl r) - (a * fl t + fl r)) + a * El + Er)
        by (unfold El, Er; ring).
      pose proof (Rabs_triang (rndf (a * fl t + fl r) - (a * fl t + fl r) + a * El) Er).
      pose proof (Rabs_triang (rndf (a * fl t + fl r) - (a * fl t + fl r)) (a * El)). rewrite Rabs_mult in *. nra. }
    set (C := Rmax 1 (Rmax (Rabs a * cmax t) (cmax r))).
    assert (Cl : Rabs a * cmax t <= C) by (unfold C; eapply Rle_trans; [apply Rmax_l|apply Rmax_r]).
    assert (Cr : cmax r <= C) by (unfold C; eapply Rle_trans; [apply Rmax_r|apply Rmax_r]).
    assert (C1 : 1 <= C) by apply Rmax_l.
    assert (El' : Rabs a * Rabs El <= gam h * (Rabs a * absv t) + etaf * nodes t * (1 + uf) ^ h * C).
    { apply Rle_trans with (Rabs a * (gam (height t) * absv t + etaf * nodes t * (1 + uf) ^ height t * cmax t)).
      - apply Rmult_le_compat_l; [exact Ha|exact IHt].
      - assert (Q1 : Rabs a * (gam (height t) * absv t) <= gam h * (Rabs a * absv t)).
        { replace (Rabs a * (gam (height t) * absv t)) with (gam (height t) * (Rabs a * absv t)) by ring.
          apply Rmult_le_compat_r; [apply Rmult_le_pos; lra|exact Gl]. }
        assert (Q2 : Rabs a * (etaf * nodes t * (1 + uf) ^ height t * cmax t) <= etaf * nodes t * (1 + uf) ^ h * C).
        { replace (Rabs a * (etaf * nodes t * (1 + uf) ^ height t * cmax t))
            with (etaf * nodes t * ((1 + uf) ^ height t * (Rabs a * cmax t))) by ring.
          replace (etaf * nodes t * (1 + uf) ^ h * C) with (etaf * nodes t * ((1 + uf) ^ h * C)) by ring.
          apply Rmult_le_compat_l; [nra|]. apply Rmult_le_compat; try nra.
          }
        lra. }
    assert (Er' : Rabs Er <= gam h * absv r + etaf * nodes r * (1 + uf) ^ h * C).
    { eapply Rle_trans; [exact IHr|]. apply Rplus_le_compat; [nra|].
      apply mono4; lra. }
    unfold gam in *. simpl. fold h. fold C.
    set (P := (1 + uf) ^ h) in *.
    assert (A1 : 1 <= (1 + uf) * P) by nra.
    assert (A2 : 1 <= (1 + uf) * P * C) by nra.
    assert (E1 : etaf <= etaf * ((1 + uf) * P * C)) by nra.
    assert (M : (1 + uf) * (Rabs a * Rabs El + Rabs Er) <=
                (1 + uf) * ((P - 1) * (Rabs a * absv t + absv r) + etaf * (nodes t + nodes r) * P * C))
      by (apply Rmult_le_compat_l; lra).
    lra.
Qed.

(* gamma_n: (1 + u)^n - 1 <= n u / (1 - n u) when n u < 1 *)
Lemma pow_bernoulli n : (1 + uf) ^ n * (1 - INR n * uf) <= 1.
Proof.
  pose proof uf_pos. induction n as [|n IH]; [simpl; lra|].
  rewrite S_INR. cbn [pow]. pose proof (pos_INR n). pose proof (pow_ge1 n).
  replace ((1 + uf) * (1 + uf) ^ n * (1 - (INR n + 1) * uf))
    with ((1 + uf) ^ n * (1 - INR n * uf) - (1 + uf) ^ n * ((INR n + 1) * uf * uf)) by ring.
  assert (0 <= (1 + uf) ^ n * ((INR n + 1) * uf * uf)) by (apply Rmult_le_pos; nra). lra.
Qed.

Theorem gam_bound n : INR n * uf < 1 -> gam n <= INR n * uf / (1 - INR n * uf).
Proof.
  intros H. unfold gam. pose proof (pow_bernoulli n). pose proof (pow_ge1 n).
  apply Rle_trans with (1 / (1 - INR n * uf) - 1).
  - apply Rplus_le_compat_r. apply Rmult_le_reg_r with (1 - INR n * uf); [lra|].
    unfold Rdiv. rewrite Rmult_assoc, Rinv_l by lra. lra.
  - right. field. lra.
Qed.

Lemma fl_bound t : Rabs (fl t) <= (1 + uf) ^ height t * absv t + etaf * nodes t * (1 + uf) ^ height t * cmax t.
Proof.
  pose proof (tree_error t). pose proof (exact_le_absv t). unfold gam in H.
  replace (fl t) with (exact t + (fl t - exact t)) by ring.
  eapply Rle_trans; [apply Rabs_triang|]. nra.
Qed.

End Trees.

(* ---------- binary32 instances ---------- *)

Lemma uf32 : uf 24 = / 16777216.
Proof. unfold uf. simpl. lra. Qed.
Lemma etaf32 : etaf (-149) = / 1427247692705959881058285969449495136382746624.
Proof. unfold etaf. simpl. lra. Qed.

(* the standard gamma bound for every tree of height K <= 2^20 in binary32:
   |fl - exact| <= (16/15) K 2^-24 * sum|terms| + 2^-150 * nodes * (16/15) * cmax *)
Theorem q35_accum_error32 : forall t : ftree, INR (height t) <= 1048576 ->
  Rabs (fl (-149) 24 t - exact t) <=
    16 / 15 * INR (height t) * / 16777216 * absv t + / 1427247692705959881058285969449495136382746624 * nodes t * (16 / 15) * cmax t.
Proof.
  intros t Hh.
  assert (Hp : Prec_gt_0 24) by exact eq_refl.
  pose proof (tree_error (-149) 24 Hp t) as E. rewrite uf32, etaf32 in E.
  assert (HK : INR (height t) <= 1048576) by exact Hh.
  pose proof (pos_INR (height t)).
  assert (G : gam 24 (height t) <= INR (height t) * / 16777216 / (1 - INR (height t) * / 16777216)).
  { rewrite <- uf32. apply gam_bound. rewrite uf32. lra. }
  try rewrite uf32 in G.
  assert (G' : gam 24 (height t) <= 16 / 15 * INR (height t) * / 16777216).
  { eapply Rle_trans; [exact G|]. apply Rmult_le_reg_r with (1 - INR (height t) * / 16777216); [lra|].
    unfold Rdiv. rewrite Rmult_assoc, Rinv_l by lra. nra. }
  assert (P : (1 + / 16777216) ^ height t <= 16 / 15).
  { pose proof (pow_bernoulli 24 (height t)). rewrite uf32 in H0.
    apply Rmult_le_reg_r with (1 - INR (height t) * / 16777216); [lra|]. nra. }
  pose proof (absv_nonneg t). pose proof (cmax_ge1 t).
  assert (N : 0 <= nodes t) by (clear; induction t; simpl; lra).
  assert (M1 : gam 24 (height t) * absv t <= 16 / 15 * INR (height t) * / 16777216 * absv t)
    by (apply Rmult_le_compat_r; assumption).
  assert (M2 : / 1427247692705959881058285969449495136382746624 * nodes t * (1 + / 16777216) ^ height t * cmax t <=
               / 1427247692705959881058285969449495136382746624 * nodes t * (16 / 15) * cmax t).
  { apply mono4; try lra. split; [|exact P]. apply pow_le. lra. }
  lra.
Qed.

(* ---------- the AVX2 lane chain in IEEE binary32 ---------- *)

(* acc = _mm256_fmadd_ps(w, x, acc), one lane, starting from 0: the model tree ... *)
Fixpoint chain (terms : list (R * R)) (acc : ftree) : ftree :=
  match terms with [] => acc | (a, b) :: r => chain r (Fma a (Leaf b) acc) end.

(* ... and the IEEE computation on binary32 values *)
Fixpoint chain32 (terms : list (binary32 * binary32)) (acc : binary32) : binary32 :=
  match terms with [] => acc | (a, b) :: r => chain32 r (b32_fma BinarySingleNaN.mode_NE a b acc) end.

Definition sabs (terms : list (binary32 * binary32)) : R :=
  fold_right (fun '(a, b) s => Rabs (B2R 24 128 a * B2R 24 128 b) + s) 0 terms.
Definition sexact (terms : list (binary32 * binary32)) : R :=
  fold_right (fun '(a, b) s => B2R 24 128 a * B2R 24 128 b + s) 0 terms.

Lemma rnd32_rndf x : rnd32 x = rndf (-149) 24 x.
Proof. reflexivity. Qed.

Lemma sabs_nonneg ts : 0 <= sabs ts.
Proof. induction ts as [|[a b] r IH]; simpl; [lra|]. pose proof (Rabs_pos (B2R 24 128 a * B2R 24 128 b)). lra. Qed.

Definition toR (terms : list (binary32 * binary32)) : list (R * R) :=
  map (fun '(a, b) => (B2R 24 128 a, B2R 24 128 b)) terms.

Lemma chain_facts (ts : list (binary32 * binary32)) (T : ftree) :
  exact (chain (toR ts) T) = exact T + sexact ts /\
  absv (chain (toR ts) T) = absv T + sabs ts /\
  height (chain (toR ts) T) = (height T + length ts)%nat /\
  nodes (chain (toR ts) T) = nodes T + INR (length ts).
Proof.
  revert T. induction ts as [|[a b] r IH]; intros T.
  - cbn. repeat split; try ring; lia.
  - change (toR ((a, b) :: r)) with ((B2R 24 128 a, B2R 24 128 b) :: toR r).
    change (chain ((B2R 24 128 a, B2R 24 128 b) :: toR r) T)
      with (chain (toR r) (Fma (B2R 24 128 a) (Leaf (B2R 24 128 b)) T)).
    destruct (IH (Fma (B2R 24 128 a) (Leaf (B2R 24 128 b)) T)) as [E1 [E2 [E3 E4]]].
    rewrite E1, E2, E3, E4. change (length ((a, b) :: r)) with (S (length r)). rewrite S_INR.
    unfold sexact, sabs. cbn [fold_right exact absv height nodes]. rewrite Rabs_mult.
    repeat split; try ring; lia.
Qed.

Lemma chain_cmax (ts : list (binary32 * binary32)) (T : ftree) (C : R) :
  Forall (fun '(a, b) => is_finite 24 128 a = true /\ is_finite 24 128 b = true /\ Rabs (B2R 24 128 a) <= C) ts ->
  1 <= C -> cmax T <= C -> cmax (chain (toR ts) T) <= C.
Proof.
  revert T. induction ts as [|[a b] r IH]; intros T HF C1 CT; simpl; [exact CT|].
  inversion HF as [|? ? Hx Hr]; subst. destruct Hx as [_ [_ Ha]]. apply IH; [exact Hr|exact C1|].
  simpl. apply Rmax_lub; [exact C1|]. apply Rmax_lub; [lra|exact CT].
Qed.

Lemma chain32_model (ts : list (binary32 * binary32)) (acc : binary32) (T : ftree) (C : R) :
  is_finite 24 128 acc = true -> B2R 24 128 acc = fl (-149) 24 T ->
  Forall (fun '(a, b) => is_finite 24 128 a = true /\ is_finite 24 128 b = true /\ Rabs (B2R 24 128 a) <= C) ts ->
  1 <= C -> C <= bpow 128 -> cmax T <= C -> INR (height T + length ts) <= 1048576 ->
  nodes T <= INR (height T) -> absv T + sabs ts <= bpow 126 ->
  is_finite 24 128 (chain32 ts acc) = true /\ B2R 24 128 (chain32 ts acc) = fl (-149) 24 (chain (toR ts) T).
Proof.
  revert acc T. induction ts as [|[a b] r IH]; intros acc T Fa Ea HF C1 C2 CT Hh Hn Hs; [simpl; tauto|].
  inversion HF as [|? ? Hx Hr]; subst. destruct Hx as [Fa' [Fb Ha]].
  change (length ((a, b) :: r)) with (S (length r)) in Hh. rewrite plus_INR, S_INR in Hh.
  assert (Hs' : absv T + (Rabs (B2R 24 128 a * B2R 24 128 b) + sabs r) <= bpow 126) by exact Hs.
  set (T' := Fma (B2R 24 128 a) (Leaf (B2R 24 128 b)) T).
  assert (hT' : height T' = S (height T)) by reflexivity.
  assert (nT' : nodes T' = 1 + 0 + nodes T) by reflexivity.
  assert (aT' : absv T' = Rabs (B2R 24 128 a) * Rabs (B2R 24 128 b) + absv T) by reflexivity.
  assert (cT' : cmax T' = Rmax 1 (Rmax (Rabs (B2R 24 128 a) * 1) (cmax T))) by reflexivity.
  assert (Hp : Prec_gt_0 24) by exact eq_refl.
  assert (FT' : fl (-149) 24 T' = rnd32 (B2R 24 128 a * B2R 24 128 b + B2R 24 128 acc))
    by (unfold T'; simpl; rewrite Ea; reflexivity).
  pose proof (pos_INR (length r)). pose proof (pos_INR (height T)).
  assert (HT' : INR (height T') <= 1048576) by (rewrite hT', S_INR; lra).
  pose proof (fl_bound (-149) 24 Hp T') as FB. rewrite uf32, etaf32 in FB.
  assert (P : (1 + / 16777216) ^ height T' <= 16 / 15).
  { pose proof (pow_bernoulli 24 (height T')) as B. rewrite uf32 in B. pose proof (pos_INR (height T')).
    apply Rmult_le_reg_r with (1 - INR (height T') * / 16777216); [lra|]. nra. }
  assert (AT' : absv T' <= bpow 126) by (rewrite aT', <- Rabs_mult; pose proof (Rabs_pos (B2R 24 128 a * B2R 24 128 b)); pose proof (sabs_nonneg r); lra).
  assert (NT' : nodes T' <= 1048576) by (rewrite nT'; rewrite hT', S_INR in HT'; lra).
  assert (CT' : cmax T' <= C).
  { rewrite cT'. apply Rmax_lub; [exact C1|]. apply Rmax_lub; [lra|exact CT]. }
  pose proof (absv_nonneg T'). pose proof (cmax_ge1 T').
  assert (NT0 : 0 <= nodes T') by apply nodes_nonneg.
  assert (B126 : bpow 126 = 85070591730234615865843651857942052864) by reflexivity.
  assert (B128 : bpow 128 = 340282366920938463463374607431768211456) by reflexivity.
  assert (Pp : 1 <= (1 + / 16777216) ^ height T') by (apply pow_R1_Rle; lra).
  assert (Small : Rabs (fl (-149) 24 T') < bpow 128).
  { eapply Rle_lt_trans; [exact FB|].
    assert (X1 : (1 + / 16777216) ^ height T' * absv T' <= 16 / 15 * bpow 126) by (apply Rmult_le_compat; lra).
    assert (X2 : / 1427247692705959881058285969449495136382746624 * nodes T' * (1 + / 16777216) ^ height T' * cmax T' <=
                 / 1427247692705959881058285969449495136382746624 * 1048576 * (16 / 15) * bpow 128).
    { apply mono4; lra. }
    rewrite B126, B128 in *. lra. }
  rewrite FT' in Small.
  destruct (b32_fma_correct a b acc Fa' Fb Fa Small) as [E F].
  change (chain32 ((a, b) :: r) acc) with (chain32 r (b32_fma BinarySingleNaN.mode_NE a b acc)).
  change (chain (toR ((a, b) :: r)) T) with (chain (toR r) T').
  apply IH; try assumption.
  - rewrite E. symmetry. exact FT'.
  - rewrite plus_INR, hT', S_INR. lra.
  - rewrite nT', hT', S_INR. lra.
  - rewrite aT', <- Rabs_mult. lra.
Qed.

(* A single chain of K <= 2^20 fmas over finite binary32 inputs with sum|a b| <= 2^126 never
   overflows, stays finite, and its result is within (16/15) K 2^-24 sum|a b| + K 2^-146 * C of
   the exact sum, where 1 <= C <= 2^128 bounds every |a|. *)
Theorem q35_fma_chain32 : forall (terms : list (binary32 * binary32)) (acc : binary32) (C : R),
  is_finite 24 128 acc = true -> B2R 24 128 acc = 0 ->
  Forall (fun '(a, b) => is_finite 24 128 a = true /\ is_finite 24 128 b = true /\ Rabs (B2R 24 128 a) <= C) terms ->
  1 <= C -> C <= bpow 128 -> INR (length terms) <= 1048576 -> sabs terms <= bpow 126 ->
  is_finite 24 128 (chain32 terms acc) = true /\
  Rabs (B2R 24 128 (chain32 terms acc) - sexact terms) <=
    16 / 15 * INR (length terms) * / 16777216 * sabs terms + INR (length terms) * bpow (-146) * C.
Proof.
  intros terms acc C Fa Ea HF C1 C2 HK Hs.
  assert (M := chain32_model terms acc (Leaf 0) C Fa Ea HF C1 C2 ltac:(simpl; lra) HK
                 ltac:(simpl; lra) ltac:(change (Rabs 0 + sabs terms <= bpow 126); rewrite Rabs_R0; lra)).
  destruct M as [F E]. split; [exact F|]. rewrite E.
  destruct (chain_facts terms (Leaf 0)) as [X1 [X2 [X3 X4]]]. simpl in X1, X2, X3, X4.
  rewrite Rabs_R0, Rplus_0_l in X2. rewrite Rplus_0_l in X1, X4.
  assert (H := q35_accum_error32 (chain (toR terms) (Leaf 0)) ltac:(rewrite X3; exact HK)).
  rewrite X1, X2, X3, X4 in H.
  assert (CM : cmax (chain (toR terms) (Leaf 0)) <= C) by (apply chain_cmax; [exact HF|lra|simpl; lra]).
  pose proof (cmax_ge1 (chain (toR terms) (Leaf 0))). pose proof (pos_INR (length terms)).
  assert (B146 : bpow (-146) = / 89202980794122492566142873090593446023921664) by reflexivity.
  assert (Y : / 1427247692705959881058285969449495136382746624 * INR (length terms) * (16 / 15) *
              cmax (chain (toR terms) (Leaf 0)) <= INR (length terms) * bpow (-146) * C).
  { rewrite B146. replace (INR (length terms) * / 89202980794122492566142873090593446023921664 * C)
      with (INR (length terms) * (/ 89202980794122492566142873090593446023921664 * C)) by ring.
    replace (/ 1427247692705959881058285969449495136382746624 * INR (length terms) * (16 / 15) * cmax (chain (toR terms) (Leaf 0)))
      with (INR (length terms) * (/ 1427247692705959881058285969449495136382746624 * (16 / 15) * cmax (chain (toR terms) (Leaf 0)))) by ring.
    apply Rmult_le_compat_l; [lra|]. lra. }
  lra.
Qed.
