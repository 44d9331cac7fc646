(* The E5M3 scale byte (docs/FORMAT.md "The scale byte", src/format/scale.c): its value,
   monotonicity, range, relative step, exactness in binary32, and the nearest-byte rounding
   of q35_scale_from_float (theorem 4, first half). *)
From Coq Require Import ZArith Reals Lia Lra Bool.
From Flocq Require Import Core.
From Q35 Require Import Q35Util.
Open Scope R_scope.

Notation bpow := (bpow radix2).
(* the binary32, binary64 and binary16 formats of Flocq: FLT with emin and precision *)
Definition fmt32 := FLT_exp (-149) 24.
Definition fmt64 := FLT_exp (-1074) 53.
Definition fmt16 := FLT_exp (-24) 11.

Global Instance prec24_gt_0 : Prec_gt_0 24 := eq_refl.
Global Instance prec53_gt_0 : Prec_gt_0 53 := eq_refl.
Global Instance prec11_gt_0 : Prec_gt_0 11 := eq_refl.
Global Instance fmt32_valid : Valid_exp fmt32 := FLT_exp_valid (-149) 24.
Global Instance fmt64_valid : Valid_exp fmt64 := FLT_exp_valid (-1074) 53.
Global Instance fmt16_valid : Valid_exp fmt16 := FLT_exp_valid (-24) 11.

(* d = 0 if s = 0, else (8 + s mod 8) * 2^(s/8 - 27); s is a byte 0..255 *)
Definition scale_value (s : Z) : R :=
  if (s =? 0)%Z then 0 else IZR (8 + s mod 8) * bpow (s / 8 - 27).

(* the value as an integer times 2^-27 *)
Definition NS (s : Z) : Z := ((8 + s mod 8) * 2 ^ (s / 8))%Z.

Lemma scale_value_N s : (1 <= s)%Z -> scale_value s = IZR (NS s) * bpow (-27).
Proof.
  intros Hs. unfold scale_value, NS. replace (s =? 0)%Z with false by (symmetry; apply Z.eqb_neq; lia).
  rewrite mult_IZR. replace (s / 8 - 27)%Z with (s / 8 + -27)%Z by ring. rewrite bpow_plus.
  rewrite <- (IZR_Zpower radix2) by (apply Z.div_pos; lia). simpl. ring.
Qed.

Lemma NS_checks :
  zall 254 (fun i => let s := (i + 1)%Z in andb (NS s <? NS (s + 1))%Z (8 * NS (s + 1) <=? 9 * NS s)%Z) = true.
Proof. vm_compute. reflexivity. Qed.

Lemma NS_step s : (1 <= s < 255)%Z -> (NS s < NS (s + 1) /\ 8 * NS (s + 1) <= 9 * NS s)%Z.
Proof.
  intros Hs. pose proof (zall_spec _ _ NS_checks (s - 1) ltac:(lia)) as H. cbv beta in H.
  replace (s - 1 + 1)%Z with s in H by ring. apply andb_true_iff in H as [H1 H2].
  apply Z.ltb_lt in H1. apply Z.leb_le in H2. lia.
Qed.

Lemma NS_pos s : (0 <= s)%Z -> (0 < NS s)%Z.
Proof. intros. unfold NS. pose proof (Z.mod_pos_bound s 8 ltac:(lia)). apply Z.mul_pos_pos; [lia|apply Z.pow_pos_nonneg; [lia|apply Z.div_pos; lia]]. Qed.

Theorem q35_scale_pos : forall s, (1 <= s <= 255)%Z -> 0 < scale_value s.
Proof.
  intros s Hs. rewrite scale_value_N by lia. apply Rmult_lt_0_compat; [apply IZR_lt, NS_pos; lia|apply bpow_gt_0].
Qed.

Lemma scale_step s : (0 <= s < 255)%Z -> scale_value s < scale_value (s + 1).
Proof.
  intros Hs. destruct (Z.eq_dec s 0) as [->|H0].
  - unfold scale_value at 1. simpl. apply q35_scale_pos. lia.
  - rewrite !scale_value_N by lia. apply Rmult_lt_compat_r; [apply bpow_gt_0|]. apply IZR_lt. apply NS_step. lia.
Qed.

(* the scale byte is strictly monotone *)
Theorem q35_scale_monotone : forall s t, (0 <= s < t)%Z -> (t <= 255)%Z -> scale_value s < scale_value t.
Proof.
  intros s t Hst Ht. remember (Z.to_nat (t - s - 1)) as k eqn:Hk.
  revert t Hst Ht Hk. induction k as [|k IH]; intros t Hst Ht Hk.
  - replace t with (s + 1)%Z by lia. apply scale_step. lia.
  - apply Rlt_trans with (scale_value (t - 1)).
    + apply IH; lia.
    + replace t with (t - 1 + 1)%Z at 2 by ring. apply scale_step. lia.
Qed.

Corollary q35_scale_mono_le : forall s t, (0 <= s <= t)%Z -> (t <= 255)%Z -> scale_value s <= scale_value t.
Proof.
  intros s t H Ht. destruct (Z.eq_dec s t) as [->|]; [lra|]. left. apply q35_scale_monotone; lia.
Qed.

(* steps of at most 12.5%: d(s+1) <= (9/8) d(s) *)
Theorem q35_scale_rel_step : forall s, (1 <= s < 255)%Z -> scale_value (s + 1) <= 9 / 8 * scale_value s.
Proof.
  intros s Hs. rewrite !scale_value_N by lia. destruct (NS_step s Hs) as [_ H].
  apply IZR_le in H. rewrite !mult_IZR in H. pose proof (bpow_gt_0 radix2 (-27)). nra.
Qed.

(* the range: d(1) = 9 * 2^-27 (6.7e-8) and d(255) = 15 * 2^4 = 240 *)
Theorem q35_scale_range : scale_value 1 = 9 * bpow (-27) /\ scale_value 255 = 240 /\
  forall s, (1 <= s <= 255)%Z -> scale_value 1 <= scale_value s <= 240.
Proof.
  assert (E1 : scale_value 1 = 9 * bpow (-27)) by (unfold scale_value; simpl; reflexivity).
  assert (E2 : scale_value 255 = 240) by (unfold scale_value; simpl; lra).
  split; [exact E1|split; [exact E2|]].
  intros s Hs. rewrite <- E2. split; apply q35_scale_mono_le; lia.
Qed.

(* ---------- exactness in binary32 ---------- *)

Lemma fmt32_int_pow n e : (Z.abs n < 2 ^ 24)%Z -> (-149 <= e)%Z -> generic_format radix2 fmt32 (IZR n * bpow e).
Proof.
  intros Hn He. apply generic_format_FLT. exists (Float radix2 n e); simpl; [reflexivity| |exact He].
  exact Hn.
Qed.

Lemma fmt16_int n : (Z.abs n <= 2 ^ 11)%Z -> generic_format radix2 fmt16 (IZR n).
Proof.
  intros Hn. destruct (Z.eq_dec (Z.abs n) (2 ^ 11)) as [E|E].
  - apply generic_format_FLT. exists (Float radix2 (Z.sgn n * 2 ^ 10) 1); simpl.
    + unfold F2R. simpl. rewrite <- mult_IZR. f_equal. destruct (Z.abs_spec n) as [[_ A]|[_ A]]; rewrite A in E;
        [replace n with (2 ^ 11)%Z by lia|replace n with (- 2 ^ 11)%Z by lia]; reflexivity.
    + destruct (Z.sgn_spec n) as [[_ ->]|[[_ ->]|[_ ->]]]; simpl; lia.
    + lia.
  - apply generic_format_FLT. exists (Float radix2 n 0); simpl.
    + unfold F2R. simpl. ring.
    + lia.
    + lia.
Qed.

(* q35_scale_to_float computes (float)(8 + s % 8) * pow2_biased[s / 8] in binary32: the
   product is exact, so the float is the real value d(s). *)
Theorem q35_scale_exact32 : forall s, (0 <= s <= 255)%Z ->
  generic_format radix2 fmt32 (scale_value s) /\
  round radix2 fmt32 ZnearestE (IZR (8 + s mod 8) * bpow (s / 8 - 27)) = IZR (8 + s mod 8) * bpow (s / 8 - 27).
Proof.
  intros s Hs. assert (F : generic_format radix2 fmt32 (IZR (8 + s mod 8) * bpow (s / 8 - 27))).
  { apply fmt32_int_pow.
    - pose proof (Z.mod_pos_bound s 8 ltac:(lia)). rewrite Z.abs_eq by lia. change (2 ^ 24)%Z with 16777216%Z. lia.
    - pose proof (Z.div_pos s 8 ltac:(lia) ltac:(lia)). lia. }
  split.
  - unfold scale_value. destruct (s =? 0)%Z; [apply generic_format_0|exact F].
  - apply round_generic; [apply valid_rnd_N|exact F].
Qed.

(* dequantization d * G in binary32 is exact for every int8 grid value G (and any |G| <= 2^20):
   q35_block_decode's d * (float)grid[c][t], the GPU's d * f.x *)
Theorem q35_dequant_exact32 : forall s g, (0 <= s <= 255)%Z -> (Z.abs g <= 2 ^ 20)%Z ->
  generic_format radix2 fmt32 (scale_value s * IZR g).
Proof.
  intros s g Hs Hg. unfold scale_value. destruct (s =? 0)%Z.
  - rewrite Rmult_0_l. apply generic_format_0.
  - replace (IZR (8 + s mod 8) * bpow (s / 8 - 27) * IZR g) with (IZR ((8 + s mod 8) * g) * bpow (s / 8 - 27))
      by (rewrite mult_IZR; ring).
    apply fmt32_int_pow.
    + pose proof (Z.mod_pos_bound s 8 ltac:(lia)). rewrite Z.abs_mul. rewrite (Z.abs_eq (8 + _)) by lia. nia.
    + pose proof (Z.div_pos s 8 ltac:(lia) ltac:(lia)). lia.
Qed.

(* ---------- q35_scale_from_float ---------- *)

(* midpoint(s) = (d(s) + d(s+1)) * 0.5f: exact in binary32, so the C comparisons d < midpoint
   are exact comparisons of reals *)
Definition midpoint (s : Z) : R := (scale_value s + scale_value (s + 1)) * / 2.

Theorem q35_midpoint_exact32 : forall s, (1 <= s < 255)%Z ->
  generic_format radix2 fmt32 (scale_value s + scale_value (s + 1)) /\ generic_format radix2 fmt32 (midpoint s).
Proof.
  intros s Hs. rewrite !scale_value_N by lia.
  destruct (Z_lt_le_dec (s mod 8) 7) as [Hm|Hm].
  - assert (E : NS (s + 1) = (NS s + 2 ^ (s / 8))%Z).
    { unfold NS. replace (s + 1)%Z with (s mod 8 + 1 + (s / 8) * 8)%Z at 1 2
        by (pose proof (Z.div_mod s 8 ltac:(lia)); lia).
      rewrite Z.mod_add, Z.div_add by lia. pose proof (Z.mod_pos_bound s 8 ltac:(lia)).
      rewrite Z.mod_small, Z.div_small by lia. ring_simplify. reflexivity. }
    assert (K : IZR (NS s) * bpow (-27) + IZR (NS (s + 1)) * bpow (-27) =
                IZR (2 * (8 + s mod 8) + 1) * bpow (s / 8 - 27)).
    { rewrite E. unfold NS. rewrite <- Rmult_plus_distr_r, <- plus_IZR.
      replace (s / 8 - 27)%Z with (s / 8 + -27)%Z by ring. rewrite bpow_plus, <- Rmult_assoc. f_equal.
      rewrite <- (IZR_Zpower radix2) by (apply Z.div_pos; lia). rewrite <- mult_IZR. f_equal. change (Zpower radix2 (s / 8)) with (2 ^ (s / 8))%Z. ring. }
    unfold midpoint. rewrite !scale_value_N by lia. rewrite K. pose proof (Z.mod_pos_bound s 8 ltac:(lia)).
    pose proof (Z.div_pos s 8 ltac:(lia) ltac:(lia)). split.
    + apply fmt32_int_pow; [rewrite Z.abs_eq by lia; change (2 ^ 24)%Z with 16777216%Z; lia|lia].
    + replace (IZR (2 * (8 + s mod 8) + 1) * bpow (s / 8 - 27) * / 2) with
        (IZR (2 * (8 + s mod 8) + 1) * bpow (s / 8 - 27 + -1)) by (rewrite bpow_plus; simpl; unfold Rdiv; simpl; lra).
      apply fmt32_int_pow; [rewrite Z.abs_eq by lia; change (2 ^ 24)%Z with 16777216%Z; lia|lia].
  - assert (Hm7 : (s mod 8 = 7)%Z) by (pose proof (Z.mod_pos_bound s 8 ltac:(lia)); lia).
    assert (E : NS (s + 1) = (16 * 2 ^ (s / 8))%Z).
    { unfold NS. replace (s + 1)%Z with (0 + (s / 8 + 1) * 8)%Z at 1 2
        by (pose proof (Z.div_mod s 8 ltac:(lia)); lia).
      rewrite Z.mod_add, Z.div_add by lia. rewrite Z.mod_0_l, Z.div_0_l by lia. rewrite Z.add_0_l.
      rewrite Z.pow_add_r, Z.pow_1_r by (try apply Z.div_pos; lia). lia. }
    assert (K : IZR (NS s) * bpow (-27) + IZR (NS (s + 1)) * bpow (-27) = IZR 31 * bpow (s / 8 - 27)).
    { rewrite E. unfold NS. rewrite Hm7. rewrite <- Rmult_plus_distr_r, <- plus_IZR.
      replace (s / 8 - 27)%Z with (s / 8 + -27)%Z by ring. rewrite bpow_plus, <- Rmult_assoc. f_equal.
      rewrite <- (IZR_Zpower radix2) by (apply Z.div_pos; lia). rewrite <- mult_IZR. f_equal. change (Zpower radix2 (s / 8)) with (2 ^ (s / 8))%Z. ring. }
    unfold midpoint. rewrite !scale_value_N by lia. rewrite K. pose proof (Z.div_pos s 8 ltac:(lia) ltac:(lia)). split.
    + apply fmt32_int_pow; [change (2 ^ 24)%Z with 16777216%Z; simpl; lia|lia].
    + replace (IZR 31 * bpow (s / 8 - 27) * / 2) with (IZR 31 * bpow (s / 8 - 27 + -1))
        by (rewrite bpow_plus; simpl; lra).
      apply fmt32_int_pow; [change (2 ^ 24)%Z with 16777216%Z; simpl; lia|lia].
Qed.

(* The binary search of q35_scale_from_float:
     if (!(d > 0.0f)) return 0;
     int lo = 1, hi = 255;
     while (lo < hi) { int mid = lo + (hi - lo) / 2; if (d < midpoint(mid)) hi = mid; else lo = mid + 1; }
     return lo;
   eight halvings of 254 end the loop. *)
Fixpoint bsearch (fuel : nat) (d : R) (lo hi : Z) : Z :=
  match fuel with
  | O => lo
  | S f => if (lo <? hi)%Z then
             let mid := (lo + (hi - lo) / 2)%Z in
             if Rlt_dec d (midpoint mid) then bsearch f d lo mid else bsearch f d (mid + 1) hi
           else lo
  end.

Definition scale_from_real (d : R) : Z := if Rlt_dec 0 d then bsearch 8 d 1 255 else 0.

Definition bs_inv (d : R) (lo hi : Z) : Prop :=
  (1 <= lo <= hi)%Z /\ (hi <= 255)%Z /\ (lo = 1%Z \/ midpoint (lo - 1) <= d) /\ (hi = 255%Z \/ d < midpoint hi).

Lemma bsearch_spec f d lo hi : bs_inv d lo hi -> (hi - lo < 2 ^ Z.of_nat f)%Z ->
  bs_inv d (bsearch f d lo hi) (bsearch f d lo hi).
Proof.
  revert lo hi. induction f as [|f IH]; intros lo hi Hi Hw.
  - simpl in Hw. simpl. replace hi with lo in Hi by (unfold bs_inv in Hi; lia). exact Hi.
  - simpl. destruct (lo <? hi)%Z eqn:E.
    + apply Z.ltb_lt in E. rewrite Nat2Z.inj_succ, Z.pow_succ_r in Hw by lia.
      destruct Hi as [H1 [H2 [H3 H4]]].
      destruct (Rlt_dec d (midpoint (lo + (hi - lo) / 2))) as [L|L]; apply IH.
      * split; [Z.div_mod_to_equations; lia|]. split; [Z.div_mod_to_equations; lia|]. split; [exact H3|right; exact L].
      * Z.div_mod_to_equations; lia.
      * split; [Z.div_mod_to_equations; lia|]. split; [Z.div_mod_to_equations; lia|]. split; [|exact H4].
        right. replace (lo + (hi - lo) / 2 + 1 - 1)%Z with (lo + (hi - lo) / 2)%Z by ring. lra.
      * Z.div_mod_to_equations; lia.
    + apply Z.ltb_ge in E. replace hi with lo in Hi by (unfold bs_inv in Hi; lia). exact Hi.
Qed.

(* for d > 0 the byte s picked satisfies midpoint(s-1) <= d < midpoint(s), the ends open *)
Theorem q35_scale_from_float_spec : forall d, 0 < d ->
  let s := scale_from_real d in
  (1 <= s <= 255)%Z /\ (s = 1%Z \/ midpoint (s - 1) <= d) /\ (s = 255%Z \/ d < midpoint s).
Proof.
  intros d Hd. unfold scale_from_real. destruct (Rlt_dec 0 d) as [_|N]; [|lra]. cbv zeta.
  assert (H : bs_inv d (bsearch 8 d 1 255) (bsearch 8 d 1 255)).
  { apply bsearch_spec; [|simpl; lia]. unfold bs_inv. lia. }
  destruct H as [H1 [H2 [H3 H4]]]. split; [lia|]. tauto.
Qed.

Lemma midpoint_between s : (0 <= s < 255)%Z -> scale_value s < midpoint s < scale_value (s + 1).
Proof. intros Hs. pose proof (scale_step s Hs). unfold midpoint. lra. Qed.

(* the byte is a nearest one: |d - d(s)| <= |d - d(t)| for every nonzero byte t (ties go up) *)
Theorem q35_scale_from_float_nearest : forall d t, 0 < d -> (1 <= t <= 255)%Z ->
  Rabs (d - scale_value (scale_from_real d)) <= Rabs (d - scale_value t).
Proof.
  intros d t Hd Ht. destruct (q35_scale_from_float_spec d Hd) as [Hs [Hlo Hhi]].
  set (s := scale_from_real d) in *.
  destruct (Z.lt_total t s) as [Lt|[Eq|Gt]].
  - (* t < s: d >= midpoint(s-1) >= ... *)
    destruct Hlo as [E|Hlo]; [lia|].
    assert (V : scale_value t <= scale_value (s - 1)) by (apply q35_scale_mono_le; lia).
    assert (M : midpoint (s - 1) = (scale_value (s - 1) + scale_value s) / 2)
      by (unfold midpoint; replace (s - 1 + 1)%Z with s by ring; lra).
    assert (P : scale_value (s - 1) < scale_value s) by (apply q35_scale_monotone; lia).
    unfold Rabs. destruct (Rcase_abs _); destruct (Rcase_abs _); lra.
  - subst. lra.
  - destruct Hhi as [E|Hhi]; [lia|].
    assert (V : scale_value (s + 1) <= scale_value t) by (apply q35_scale_mono_le; lia).
    assert (P : scale_value s < scale_value (s + 1)) by (apply scale_step; lia).
    unfold midpoint in Hhi.
    unfold Rabs. destruct (Rcase_abs _); destruct (Rcase_abs _); lra.
Qed.

(* what the rounding implies for clamping: the picked value is at least 16/17 of d (or the
   largest scale 240), at most 18/17 of d once d >= d(1); so |d(s) - d| <= d/17 on [d(1), 240] *)
Theorem q35_scale_from_float_bounds : forall d, 0 < d ->
  let v := scale_value (scale_from_real d) in
  (16 / 17 * d < v \/ v = 240) /\ (scale_value 1 <= d -> v <= 18 / 17 * d).
Proof.
  intros d Hd. destruct (q35_scale_from_float_spec d Hd) as [Hs [Hlo Hhi]]. cbv zeta.
  set (s := scale_from_real d) in *. split.
  - destruct (Z.eq_dec s 255) as [E|NE].
    + right. rewrite E. apply q35_scale_range.
    + destruct Hhi as [E|Hhi]; [lia|]. left. assert (R := q35_scale_rel_step s ltac:(lia)). unfold midpoint in Hhi. lra.
  - intros H1. destruct (Z.eq_dec s 1) as [E|NE].
    + rewrite E. lra.
    + destruct Hlo as [E|Hlo]; [lia|]. assert (R := q35_scale_rel_step (s - 1) ltac:(lia)). replace (s - 1 + 1)%Z with s in R by ring.
      unfold midpoint in Hlo. replace (s - 1 + 1)%Z with s in Hlo by ring.
      assert (P : 0 < scale_value (s - 1)) by (apply q35_scale_pos; lia). lra.
Qed.

Corollary q35_scale_from_float_rel : forall d, scale_value 1 <= d <= 240 ->
  Rabs (scale_value (scale_from_real d) - d) <= d / 17.
Proof.
  intros d Hd. assert (Hd0 : 0 < d) by (pose proof (q35_scale_pos 1 ltac:(lia)); lra).
  destruct (q35_scale_from_float_bounds d Hd0) as [[A|A] B]; specialize (B (proj1 Hd)).
  - unfold Rabs. destruct (Rcase_abs _); lra.
  - rewrite A. unfold Rabs. destruct (Rcase_abs _); lra.
Qed.
