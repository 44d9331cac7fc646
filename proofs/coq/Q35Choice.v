(* Theorem 4, second half: the scale that q35_quantize_row (src/quant/quantize_row.c,
   quantize_block) picks. It tries every byte s_lo..s_hi and scale 0 and keeps the least
   importance-weighted squared error. Scales below absmax/qmax clip on purpose; the largest
   candidate s_hi never clips, and the picked scale's error is at most s_hi's, which
   theorem 3 (product code) or the covering bound (codebook) bounds. Exact arithmetic. *)
From Coq Require Import ZArith Reals Lia Lra Bool List.
From Flocq Require Import Core.
From Q35 Require Import Q35Util Q35Codes Q35Scale Q35Quant.
Import ListNotations.
Open Scope R_scope.

Definition sumR (l : list R) : R := fold_right Rplus 0 l.

(* best_e as an option: None is INFINITY *)
Definition lt_opt (e : R) (b : option R) : bool :=
  match b with None => true | Some b => if Rlt_dec e b then true else false end.

(* for (i = 0; i < m && e < best_e; i++) e += pair_err(...); *)
Fixpoint early (ts : list R) (best : option R) (e : R) : R :=
  match ts with
  | [] => e
  | t :: r => if lt_opt e best then early r best (e + t) else e
  end.

(* for (s = s_lo; s <= s_hi; s++) { e = ...; if (e < best_e) { best_e = e; best_s = s; ... } } *)
Fixpoint select (cands : list Z) (terms : Z -> list R) (bs : Z) (be : option R) : Z * option R :=
  match cands with
  | [] => (bs, be)
  | s :: r => let e := early (terms s) be 0 in
              if lt_opt e be then select r terms s (Some e) else select r terms bs be
  end.

(* if (e_zero < best_e || best_s == 0) best_s = 0; *)
Definition choose (e_zero : R) (res : Z * option R) : Z :=
  if orb (lt_opt e_zero (snd res)) (fst res =? 0)%Z then 0%Z else fst res.

Definition quantize_block_scale (s_lo s_hi : Z) (terms : Z -> list R) (e_zero : R) : Z :=
  choose e_zero (select (map (fun i => s_lo + i)%Z (zseq (s_hi - s_lo + 1))) terms 0 None).

Lemma lt_opt_None e : lt_opt e None = true.
Proof. reflexivity. Qed.

Lemma sumR_nonneg l : Forall (fun t => 0 <= t) l -> 0 <= sumR l.
Proof. induction 1; simpl; lra. Qed.

Lemma early_spec ts best e : Forall (fun t => 0 <= t) ts ->
  lt_opt (early ts best e) best = lt_opt (e + sumR ts) best /\
  (lt_opt (e + sumR ts) best = true -> early ts best e = e + sumR ts).
Proof.
  intros H. revert e. induction H as [|t r Ht Hr IH]; intros e; simpl.
  - rewrite Rplus_0_r. tauto.
  - destruct (lt_opt e best) eqn:E.
    + destruct (IH (e + t)) as [A B]. rewrite Rplus_assoc in A, B. tauto.
    + assert (S := sumR_nonneg r Hr). destruct best as [b|]; [|discriminate]. simpl in E |- *.
      destruct (Rlt_dec e b); [discriminate|]. destruct (Rlt_dec (e + (t + sumR r)) b); [lra|]. split; auto.
      intros; discriminate.
Qed.

Definition err_of (terms : Z -> list R) (e_zero : R) (s : Z) : R :=
  if (s =? 0)%Z then e_zero else sumR (terms s).

Lemma select_spec cands terms bs b :
  (forall s, In s cands -> Forall (fun t => 0 <= t) (terms s)) ->
  let res := select cands terms bs (Some b) in
  exists b', snd res = Some b' /\ b' <= b /\ (forall s, In s cands -> b' <= sumR (terms s)) /\
    ((fst res = bs /\ b' = b) \/ (In (fst res) cands /\ b' = sumR (terms (fst res)))).
Proof.
  revert bs b. induction cands as [|s r IH]; intros bs b Hnn; simpl.
  - exists b. repeat split; try lra; try tauto.
  - destruct (early_spec (terms s) (Some b) 0 (Hnn s (or_introl eq_refl))) as [A B].
    rewrite Rplus_0_l in A, B.
    set (e := early (terms s) (Some b) 0) in *.
    unfold lt_opt in A, B |- *.
    destruct (Rlt_dec e b) as [Lt|Ge]; destruct (Rlt_dec (sumR (terms s)) b) as [Lt2|Ge2];
      try discriminate A.
    + rewrite (B eq_refl).
      destruct (IH s (sumR (terms s)) (fun s' H => Hnn s' (or_intror H))) as [b' [P1 [P2 [P3 P4]]]].
      exists b'. split; [exact P1|]. split; [lra|]. split.
      * intros s' [<-|H]; [lra|auto].
      * destruct P4 as [[Q1 Q2]|[Q1 Q2]]; right.
        -- rewrite Q1. split; [left; reflexivity|exact Q2].
        -- split; [right; exact Q1|exact Q2].
    + destruct (IH bs b (fun s' H => Hnn s' (or_intror H))) as [b' [P1 [P2 [P3 P4]]]].
      exists b'. split; [exact P1|]. split; [lra|]. split.
      * intros s' [<-|H]; [lra|auto].
      * destruct P4 as [Q|[Q1 Q2]]; [left; exact Q|right; split; auto].
Qed.

(* The scale kept by quantize_block has the least error among scale 0 and all candidates
   (the early exit of the inner loop never changes the choice). *)
Theorem q35_choice_is_min : forall (cands : list Z) (terms : Z -> list R) (e_zero : R),
  (forall s, In s cands -> (1 <= s)%Z /\ Forall (fun t => 0 <= t) (terms s)) ->
  let s := choose e_zero (select cands terms 0 None) in
  (s = 0%Z \/ In s cands) /\ forall t, (t = 0%Z \/ In t cands) ->
  err_of terms e_zero s <= err_of terms e_zero t.
Proof.
  intros cands terms e_zero Hc. cbv zeta.
  destruct cands as [|s0 r].
  - unfold choose. simpl. split; [left; reflexivity|]. intros t [->|[]]. lra.
  - cbn [select]. cbv zeta. rewrite lt_opt_None.
    assert (N0 := proj2 (Hc s0 (or_introl eq_refl))).
    destruct (early_spec (terms s0) None 0 N0) as [_ B]. rewrite B by reflexivity. rewrite Rplus_0_l.
    destruct (select_spec r terms s0 (sumR (terms s0)) (fun s' H => proj2 (Hc s' (or_intror H))))
      as [b' [P1 [P2 [P3 P4]]]].
    set (res := select r terms s0 (Some (sumR (terms s0)))) in *.
    assert (Hbs : In (fst res) (s0 :: r) /\ b' = sumR (terms (fst res))).
    { destruct P4 as [[Q1 Q2]|[Q1 Q2]]; [rewrite Q1; split; [left; reflexivity|lra]|split; [right; exact Q1|exact Q2]]. }
    assert (Hne : (fst res =? 0)%Z = false).
    { apply Z.eqb_neq. destruct Hbs as [I _]. pose proof (proj1 (Hc _ I)). lia. }
    assert (Hmin : forall t, In t (s0 :: r) -> b' <= sumR (terms t)).
    { intros t [<-|H]; [exact P2|apply P3; exact H]. }
    unfold choose. rewrite P1, Hne. simpl lt_opt. rewrite orb_false_r.
    destruct (Rlt_dec e_zero b') as [Lz|Lz]; simpl.
    + split; [left; reflexivity|]. intros t [->|H]; unfold err_of; simpl; [lra|].
      replace (t =? 0)%Z with false by (symmetry; apply Z.eqb_neq; pose proof (proj1 (Hc t H)); lia).
      pose proof (Hmin t H). lra.
    + split; [right; apply Hbs|]. intros t Ht. unfold err_of. rewrite Hne. destruct Hbs as [_ E]. rewrite <- E.
      destruct Ht as [->|H]; simpl; [lra|].
      replace (t =? 0)%Z with false by (symmetry; apply Z.eqb_neq; pose proof (proj1 (Hc t H)); lia).
      apply Hmin. exact H.
Qed.

(* ---------- the largest candidate never clips ---------- *)

(* int s_hi = q35_scale_from_float(R_HI * (amax / (float)gmin)); if (s_hi < s_lo) s_hi = s_lo;
   with R_HI = 1.6: the float value x of R_HI * (amax / gmin) is at least 1.59 amax / gmin, or
   amax is so small that the smallest scale already covers it (Q35Float.v proves this). *)
Theorem q35_largest_candidate_noclamp : forall (amax x : R) (gmin s_lo : Z),
  0 < amax -> (1 <= gmin)%Z -> (1 <= s_lo <= 255)%Z ->
  (159 / 100 * amax / IZR gmin <= x \/ amax <= 67 / 100 * IZR gmin * scale_value 1) ->
  amax <= 160 * IZR gmin ->
  let s_hi := Z.max s_lo (scale_from_real x) in
  amax <= 67 / 100 * IZR gmin * scale_value s_hi.
Proof.
  intros amax x gmin s_lo Ha Hg Hlo Hx Hbig. cbv zeta.
  assert (G : 1 <= IZR gmin) by (apply IZR_le; lia).
  destruct (Rlt_dec 0 x) as [Px|Nx].
  - destruct (q35_scale_from_float_spec x Px) as [Hs _].
    assert (M : scale_value (scale_from_real x) <= scale_value (Z.max s_lo (scale_from_real x)))
      by (apply q35_scale_mono_le; lia).
    assert (M1 : scale_value 1 <= scale_value (Z.max s_lo (scale_from_real x)))
      by (apply q35_scale_mono_le; lia).
    destruct Hx as [Hx|Hx]; [|nra].
    destruct (q35_scale_from_float_bounds x Px) as [[A|A] _].
    + assert (X : amax * 159 / 100 <= x * IZR gmin).
      { unfold Rdiv in Hx. apply Rmult_le_compat_r with (r := IZR gmin) in Hx; [|lra].
        rewrite Rmult_assoc, Rinv_l in Hx by lra. lra. }
      nra.
    + rewrite A in M. nra.
  - destruct Hx as [Hx|Hx].
    + exfalso. apply Nx. apply Rlt_le_trans with (2 := Hx). unfold Rdiv. apply Rmult_lt_0_compat; [lra|].
      apply Rinv_0_lt_compat. lra.
    + assert (Z0 : scale_from_real x = 0%Z)
        by (unfold scale_from_real; destruct (Rlt_dec 0 x); [contradiction|reflexivity]).
      assert (M1 : scale_value 1 <= scale_value (Z.max s_lo (scale_from_real x)))
        by (rewrite Z0; apply q35_scale_mono_le; lia).
      nra.
Qed.

(* ---------- the two block theorems ---------- *)

Definition cands_of (s_lo s_hi : Z) : list Z := map (fun i => s_lo + i)%Z (zseq (s_hi - s_lo + 1)).

Lemma In_cands s_lo s_hi s : In s (cands_of s_lo s_hi) <-> (s_lo <= s <= s_hi)%Z.
Proof.
  unfold cands_of. rewrite in_map_iff. split.
  - intros [i [<- Hi]]. apply In_zseq in Hi. lia.
  - intros H. exists (s - s_lo)%Z. split; [ring|]. apply In_zseq. lia.
Qed.

(* the product code q35_p11: weights (w0, w1) with importance (h0, h1) per pair *)
Definition p11_terms (blk : list (R * R * R * R)) (s : Z) : list R :=
  let d := scale_value s in
  map (fun '(w0, w1, h0, h1) =>
         h0 * (w0 - d * IZR (q_level 5 d w0)) ^ 2 + h1 * (w1 - d * IZR (q_level 5 d w1)) ^ 2) blk.
(* the error of scale 0: every weight decodes to 0 (e_zero in quantize_block) *)
Definition zero_err (blk : list (R * R * R * R)) : R :=
  sumR (map (fun '(w0, w1, h0, h1) => h0 * w0 ^ 2 + h1 * w1 ^ 2) blk).
Definition absmax_ok (blk : list (R * R * R * R)) (amax : R) : Prop :=
  Forall (fun '(w0, w1, h0, h1) => Rabs w0 <= amax /\ Rabs w1 <= amax /\ 0 <= h0 /\ 0 <= h1) blk.
Definition hsum (blk : list (R * R * R * R)) : R := sumR (map (fun '(w0, w1, h0, h1) => h0 + h1) blk).

Lemma sumR_map_mul {A : Type} (f : A -> R) c l : sumR (map f l) * c = sumR (map (fun x => f x * c) l).
Proof. induction l as [|a r IH]; simpl; [ring|]. rewrite <- IH. ring. Qed.

Lemma sumR_le {A : Type} (f g : A -> R) (l : list A) :
  (forall x, In x l -> f x <= g x) -> sumR (map f l) <= sumR (map g l).
Proof. induction l as [|a r IH]; simpl; intros H; [lra|]. pose proof (H a (or_introl eq_refl)). pose proof (IH (fun x Hx => H x (or_intror Hx))). lra. Qed.

Theorem q35_p11_choice_error : forall blk amax x s_lo,
  0 < amax -> absmax_ok blk amax -> (1 <= s_lo <= 255)%Z ->
  (159 / 100 * amax / 5 <= x \/ amax <= 67 / 100 * 5 * scale_value 1) -> amax <= 160 * 5 ->
  let s_hi := Z.max s_lo (scale_from_real x) in
  let s := quantize_block_scale s_lo s_hi (p11_terms blk) (zero_err blk) in
  err_of (p11_terms blk) (zero_err blk) s <= (scale_value s_hi / 2) ^ 2 * hsum blk.
Proof.
  intros blk amax x s_lo Ha Hblk Hlo Hx Hbig. cbv zeta.
  set (s_hi := Z.max s_lo (scale_from_real x)).
  assert (Hhi : (1 <= s_hi <= 255)%Z).
  { unfold s_hi. destruct (Rlt_dec 0 x) as [P|P].
    - destruct (q35_scale_from_float_spec x P). lia.
    - unfold scale_from_real. destruct (Rlt_dec 0 x); [contradiction|]. lia. }
  assert (NC := q35_largest_candidate_noclamp amax x 5 s_lo Ha ltac:(lia) Hlo Hx Hbig). cbv zeta in NC. fold s_hi in NC.
  assert (Hc : forall s, In s (cands_of s_lo s_hi) -> (1 <= s)%Z /\ Forall (fun t => 0 <= t) (p11_terms blk s)).
  { intros s Hs. apply In_cands in Hs. split; [lia|]. unfold p11_terms. apply Forall_map.
    unfold absmax_ok in Hblk. eapply Forall_impl; [|exact Hblk]. intros [[[w0 w1] h0] h1] [_ [_ [? ?]]].
    pose proof (pow2_ge_0 (w0 - scale_value s * IZR (q_level 5 (scale_value s) w0))).
    pose proof (pow2_ge_0 (w1 - scale_value s * IZR (q_level 5 (scale_value s) w1))). nra. }
  destruct (q35_choice_is_min (cands_of s_lo s_hi) (p11_terms blk) (zero_err blk) Hc) as [_ Hmin].
  unfold quantize_block_scale. fold (cands_of s_lo s_hi).
  assert (Lo : (s_lo <= s_hi)%Z) by (unfold s_hi; lia).
  eapply Rle_trans; [apply (Hmin s_hi); right; apply In_cands; lia|].
  unfold err_of. replace (s_hi =? 0)%Z with false by (symmetry; apply Z.eqb_neq; lia).
  unfold p11_terms, hsum. rewrite Rmult_comm.
  assert (Dp : 0 < scale_value s_hi) by (apply q35_scale_pos; lia).
  rewrite sumR_map_mul. apply sumR_le. intros [[[w0 w1] h0] h1] Hin.
  unfold absmax_ok in Hblk. rewrite Forall_forall in Hblk. destruct (Hblk _ Hin) as [A0 [A1 [H0 H1]]].
  assert (E : forall w, Rabs w <= amax ->
            (w - scale_value s_hi * IZR (q_level 5 (scale_value s_hi) w)) ^ 2 <= (scale_value s_hi / 2) ^ 2).
  { intros w Hw. destruct (q35_quant_error 5 (scale_value s_hi) w ltac:(lia) Dp) as [T _].
    assert (Rabs w <= scale_value s_hi * (IZR 5 + / 2)) by (simpl in NC |- *; lra).
    specialize (T H). rewrite <- !Rsqr_pow2. apply Rsqr_le_abs_1. rewrite (Rabs_pos_eq (_ / 2)) by lra. exact T. }
  pose proof (E w0 A0). pose proof (E w1 A1). nra.
Qed.

(* the default codebook q35_cb: each pair takes a weighted-nearest grid point at each
   candidate scale (q35_grid_search_nearest, tested against brute force in tests/test_quant.c) *)
Definition cb_terms (code : Z -> R * R * R * R -> Z) (blk : list (R * R * R * R)) (s : Z) : list R :=
  map (fun p => let '(w0, w1, h0, h1) := p in pair_err (scale_value s) w0 w1 h0 h1 (code s p)) blk.

Theorem q35_cb_choice_error : forall (code : Z -> R * R * R * R -> Z) blk amax x s_lo,
  0 < amax -> absmax_ok blk amax -> (1 <= s_lo <= 255)%Z ->
  (forall s p, In p blk -> (1 <= s <= 255)%Z -> let '(w0, w1, h0, h1) := p in
     forall c', (0 <= c' < 128)%Z -> pair_err (scale_value s) w0 w1 h0 h1 (code s p) <= pair_err (scale_value s) w0 w1 h0 h1 c') ->
  (159 / 100 * amax / 115 <= x \/ amax <= 67 / 100 * 115 * scale_value 1) -> amax <= 160 * 115 ->
  let s_hi := Z.max s_lo (scale_from_real x) in
  let s := quantize_block_scale s_lo s_hi (cb_terms code blk) (zero_err blk) in
  err_of (cb_terms code blk) (zero_err blk) s <=
    482 * scale_value s_hi ^ 2 * sumR (map (fun '(w0, w1, h0, h1) => Rmax h0 h1) blk).
Proof.
  intros code blk amax x s_lo Ha Hblk Hlo Hnear Hx Hbig. cbv zeta.
  set (s_hi := Z.max s_lo (scale_from_real x)).
  assert (Hhi : (1 <= s_hi <= 255)%Z).
  { unfold s_hi. destruct (Rlt_dec 0 x) as [P|P].
    - destruct (q35_scale_from_float_spec x P). lia.
    - unfold scale_from_real. destruct (Rlt_dec 0 x); [contradiction|]. lia. }
  assert (NC := q35_largest_candidate_noclamp amax x 115 s_lo Ha ltac:(lia) Hlo Hx Hbig). cbv zeta in NC. fold s_hi in NC.
  assert (Hc : forall s, In s (cands_of s_lo s_hi) -> (1 <= s)%Z /\ Forall (fun t => 0 <= t) (cb_terms code blk s)).
  { intros s Hs. apply In_cands in Hs. split; [lia|]. unfold cb_terms. apply Forall_map.
    unfold absmax_ok in Hblk. eapply Forall_impl; [|exact Hblk]. intros [[[w0 w1] h0] h1] [_ [_ [? ?]]].
    unfold pair_err. pose proof (pow2_ge_0 (w0 - scale_value s * IZR (fst (gget grid_cb (code s (w0, w1, h0, h1)))))).
    pose proof (pow2_ge_0 (w1 - scale_value s * IZR (snd (gget grid_cb (code s (w0, w1, h0, h1)))))). nra. }
  destruct (q35_choice_is_min (cands_of s_lo s_hi) (cb_terms code blk) (zero_err blk) Hc) as [_ Hmin].
  unfold quantize_block_scale. fold (cands_of s_lo s_hi).
  assert (Lo : (s_lo <= s_hi)%Z) by (unfold s_hi; lia).
  eapply Rle_trans; [apply (Hmin s_hi); right; apply In_cands; lia|].
  unfold err_of. replace (s_hi =? 0)%Z with false by (symmetry; apply Z.eqb_neq; lia).
  assert (Dp : 0 < scale_value s_hi) by (apply q35_scale_pos; lia).
  rewrite Rmult_comm, sumR_map_mul. unfold cb_terms. apply sumR_le. intros [[[w0 w1] h0] h1] Hin.
  unfold absmax_ok in Hblk. rewrite Forall_forall in Hblk. destruct (Hblk _ Hin) as [A0 [A1 [H0 H1]]].
  replace (Rmax h0 h1 * (482 * scale_value s_hi ^ 2)) with (Rmax h0 h1 * 482 * scale_value s_hi ^ 2) by ring.
  apply q35_cb_pair_error; try assumption.
  - lra.
  - lra.
  - exact (Hnear s_hi _ Hin Hhi).
Qed.
