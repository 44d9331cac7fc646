(* Theorem 5: the product-code quantizer as the C code computes it in binary32, with Flocq.
   Rounding is Flocq's round-to-nearest-even on the binary32 format FLT(-149, 24), whose
   error model is round(x) = x (1 + e) + n, |e| <= 2^-24, |n| <= 2^-150 (error_N_FLT): no
   underflow hypothesis is needed, underflow only adds the n terms. The IEEE operations of
   Flocq's Binary library equal this rounding whenever the rounded result is below 2^128
   (the bridge lemmas at the end); the theorem states these no-overflow bounds. *)
From Coq Require Import ZArith Reals Lia Lra Bool.
From Flocq Require Import Core Relative IEEE754.BinarySingleNaN IEEE754.Binary IEEE754.Bits.
From Q35 Require Import Q35Util Q35Scale Q35Quant.
Open Scope R_scope.

Definition rnd32 (x : R) : R := round radix2 fmt32 ZnearestE x.
Definition u32 : R := bpow (-24).
Definition eta32 : R := bpow (-150).

Lemma u32_val : u32 = / 16777216.
Proof. reflexivity. Qed.
Lemma eta32_val : eta32 = / IZR (2 ^ 150).
Proof. reflexivity. Qed.

Lemma rnd32_model x : exists e n, Rabs e <= u32 /\ Rabs n <= eta32 /\ rnd32 x = x * (1 + e) + n.
Proof.
  destruct (error_N_FLT radix2 (-149) 24 ltac:(lia) (fun z => negb (Z.even z)) x) as [e [n [He [Hn [_ E]]]]].
  exists e, n. split; [|split].
  - replace u32 with (/ 2 * bpow (- (24) + 1)); [exact He|]. unfold u32. simpl. lra.
  - replace eta32 with (/ 2 * bpow (-149)); [exact Hn|]. unfold eta32. simpl. lra.
  - exact E.
Qed.

Lemma rnd32_abs x : Rabs (rnd32 x - x) <= u32 * Rabs x + eta32.
Proof.
  destruct (rnd32_model x) as [e [n [He [Hn E]]]]. rewrite E.
  replace (x * (1 + e) + n - x) with (x * e + n) by ring.
  eapply Rle_trans; [apply Rabs_triang|]. rewrite Rabs_mult.
  pose proof (Rabs_pos x). nra.
Qed.

Lemma rnd32_mono x y : x <= y -> rnd32 x <= rnd32 y.
Proof. intros. unfold rnd32. apply round_le; auto with typeclass_instances. Qed.

Lemma rnd32_generic x : generic_format radix2 fmt32 x -> rnd32 x = x.
Proof. intros. unfold rnd32. apply round_generic; auto with typeclass_instances. Qed.

Lemma rnd32_0 : rnd32 0 = 0.
Proof. unfold rnd32. apply round_0. auto with typeclass_instances. Qed.

Lemma int_fmt32 n : (Z.abs n < 2 ^ 24)%Z -> generic_format radix2 fmt32 (IZR n).
Proof. intros. replace (IZR n) with (IZR n * bpow 0) by (simpl; ring). apply fmt32_int_pow; lia. Qed.

(* grid_search.c, product grid, with id = 1.0f / d computed once per candidate scale:
     u = w * id;  if (!(u >= -qmax)) q = -qmax; else if (u >= qmax) q = qmax;
     else q = (int)(u + 128.5f) - 128;                        *)
Definition fq (qmax : Z) (d w : R) : Z :=
  let id := rnd32 (/ d) in
  let u := rnd32 (w * id) in
  if Rlt_dec u (IZR (- qmax)) then (- qmax)%Z
  else if Rle_dec (IZR qmax) u then qmax
  else (Ztrunc (rnd32 (u + 128.5)) - 128)%Z.

Lemma quotient_error d w : 0 < d ->
  Rabs (rnd32 (w * rnd32 (/ d)) - w / d) <= Rabs (w / d) * (2 * u32 + u32 * u32) + Rabs w * eta32 * (1 + u32) + eta32.
Proof.
  intros Hd. destruct (rnd32_model (/ d)) as [e1 [n1 [He1 [Hn1 E1]]]].
  destruct (rnd32_model (w * rnd32 (/ d))) as [e2 [n2 [He2 [Hn2 E2]]]].
  rewrite E2, E1.
  replace (w * (/ d * (1 + e1) + n1) * (1 + e2) + n2 - w / d)
    with (w / d * (e1 + e2 + e1 * e2) + w * n1 * (1 + e2) + n2) by (field; lra).
  assert (U : 0 <= u32) by (rewrite u32_val; lra).
  assert (A1 : Rabs (e1 + e2 + e1 * e2) <= 2 * u32 + u32 * u32).
  { eapply Rle_trans; [apply Rabs_triang|]. eapply Rle_trans; [apply Rplus_le_compat_r; apply Rabs_triang|].
    rewrite Rabs_mult. pose proof (Rabs_pos e1). pose proof (Rabs_pos e2). nra. }
  assert (A2 : Rabs (1 + e2) <= 1 + u32).
  { eapply Rle_trans; [apply Rabs_triang|]. rewrite Rabs_R1. lra. }
  eapply Rle_trans; [apply Rabs_triang|]. eapply Rle_trans; [apply Rplus_le_compat_r; apply Rabs_triang|].
  rewrite !Rabs_mult. pose proof (Rabs_pos (w / d)). pose proof (Rabs_pos w). pose proof (Rabs_pos n1).
  pose proof (Rabs_pos (1 + e2)). pose proof (Rabs_pos (e1 + e2 + e1 * e2)).
  apply Rplus_le_compat; [apply Rplus_le_compat|exact Hn2].
  - apply Rmult_le_compat_l; assumption.
  - apply Rmult_le_compat; nra.
Qed.

Lemma fq_range qmax d w : (0 <= qmax <= 127)%Z -> (- qmax <= fq qmax d w <= qmax)%Z.
Proof.
  intros Hq. unfold fq. set (u := rnd32 (w * rnd32 (/ d))).
  destruct (Rlt_dec u (IZR (- qmax))) as [L|L]; [lia|].
  destruct (Rle_dec (IZR qmax) u) as [G|G]; [lia|].
  rewrite opp_IZR in L.
  assert (T0 : 0 <= rnd32 (u + 128.5)).
  { rewrite <- rnd32_0. apply rnd32_mono. assert (IZR qmax <= 127) by (apply IZR_le; lia). lra. }
  rewrite Ztrunc_floor by exact T0.
  assert (Lo : IZR (128 - qmax) <= rnd32 (u + 128.5)).
  { rewrite <- (rnd32_generic (IZR (128 - qmax))).
    - apply rnd32_mono. rewrite minus_IZR. lra.
    - apply int_fmt32. rewrite Z.abs_eq by lia. change (2 ^ 24)%Z with 16777216%Z. lia. }
  assert (Hi : rnd32 (u + 128.5) <= IZR qmax + 128.5).
  { assert (F : generic_format radix2 fmt32 (IZR qmax + 128.5)).
    { replace (IZR qmax + 128.5) with (IZR (2 * qmax + 257) * bpow (-1))
        by (rewrite plus_IZR, mult_IZR; simpl; lra).
      apply fmt32_int_pow; [rewrite Z.abs_eq by lia; change (2 ^ 24)%Z with 16777216%Z; lia|lia]. }
    rewrite <- (rnd32_generic _ F). apply rnd32_mono. lra. }
  split.
  - assert (128 - qmax <= Zfloor (rnd32 (u + 128.5)))%Z by (apply Zfloor_ge_int; exact Lo). lia.
  - assert (Zfloor (rnd32 (u + 128.5)) < qmax + 129)%Z; [|lia].
    apply Zfloor_lt_int. rewrite plus_IZR. lra.
Qed.

(* Theorem 5. For a scale byte s, qmax <= 127 and |w| <= d (qmax + 1/2):
   |w - d q| <= d/2 + d 2^-16 + 3 2^-24 |w| + 2^-140 (1 + |w|);
   beyond the range the code clamps exactly as in theorem 3: q = +-qmax and the error is
   |w| - d qmax; dequantization fl(d q) is exact; and in range no intermediate reaches
   2^128, so the IEEE binary32 operations are this rounding (bridge lemmas below). *)
Theorem q35_float_quant_error : forall (qmax s : Z) (w : R),
  (0 <= qmax <= 127)%Z -> (1 <= s <= 255)%Z ->
  let d := scale_value s in
  let q := fq qmax d w in
  (Rabs w <= d * (IZR qmax + / 2) ->
     Rabs (w - d * IZR q) <= d / 2 + d * bpow (-16) + 3 * bpow (-24) * Rabs w + bpow (-140) * (1 + Rabs w)) /\
  (d * (IZR qmax + / 2) < Rabs w -> q = (if Rlt_dec w 0 then - qmax else qmax)%Z /\
     Rabs (w - d * IZR q) = Rabs w - d * IZR qmax) /\
  rnd32 (d * IZR q) = d * IZR q /\
  (Rabs w <= d * (IZR qmax + / 2) ->
     Rabs (rnd32 (/ d)) <= bpow 27 /\ Rabs (rnd32 (w * rnd32 (/ d))) <= bpow 8 /\
     Rabs (rnd32 (rnd32 (w * rnd32 (/ d)) + 128.5)) <= bpow 9).
Proof.
  intros qmax s w Hq Hs d q.
  assert (Dp : 0 < d) by (apply q35_scale_pos; lia).
  assert (Dle : d <= 240) by (apply q35_scale_range; lia).
  assert (Dge : 9 * bpow (-27) <= d) by (rewrite <- (proj1 q35_scale_range); apply q35_scale_range; lia).
  assert (B27 : bpow (-27) = / 134217728) by reflexivity.
  assert (Qr : 0 <= IZR qmax <= 127) by (split; apply IZR_le; lia).
  assert (U : u32 = / 16777216) by reflexivity.
  assert (Et : eta32 = / 1427247692705959881058285969449495136382746624) by reflexivity.
  assert (P16 : bpow (-16) = / 65536) by reflexivity.
  assert (P24 : bpow (-24) = / 16777216) by reflexivity.
  assert (P140 : bpow (-140) = / 1393796574908163946345982392040522594123776) by reflexivity.
  set (x := w / d). assert (Hw : w = d * x) by (unfold x; field; lra).
  pose proof (quotient_error d w Dp) as QE. fold x in QE.
  assert (Ax : Rabs w = d * Rabs x) by (rewrite Hw, Rabs_mult, (Rabs_pos_eq d) by lra; reflexivity).
  rewrite Ax in QE.
  set (u := rnd32 (w * rnd32 (/ d))) in *.
  (* |u - x| <= c |x| + eta, c tiny *)
  assert (UX : Rabs (u - x) <= Rabs x * (3 * u32 + 240 * eta32 * (1 + u32)) + eta32).
  { assert (0 <= Rabs x) by apply Rabs_pos. rewrite U, Et in QE |- *. nra. }
  assert (DQ : rnd32 (d * IZR q) = d * IZR q).
  { apply rnd32_generic. apply q35_dequant_exact32; [lia|]. pose proof (fq_range qmax d w Hq). fold q in H.
    change (2 ^ 20)%Z with 1048576%Z. lia. }
  split; [|split; [|split; [exact DQ|]]].
  - (* in range *)
    intros Hin. rewrite Ax in Hin. assert (Xin : Rabs x <= IZR qmax + / 2) by nra.
    assert (Hmain : Rabs (x - IZR q) <= / 2 + Rabs (u - x) + (256 * u32 + eta32)).
    { unfold q, fq. fold u.
      destruct (Rlt_dec u (IZR (- qmax))) as [L|L].
      - rewrite opp_IZR in L |- *. unfold Rabs in Xin |- *. destruct (Rcase_abs (u - x)); destruct (Rcase_abs x);
          destruct (Rcase_abs (x - - IZR qmax)); rewrite U, Et; lra.
      - destruct (Rle_dec (IZR qmax) u) as [G|G].
        + unfold Rabs in Xin |- *. destruct (Rcase_abs (u - x)); destruct (Rcase_abs x);
            destruct (Rcase_abs (x - IZR qmax)); rewrite U, Et; lra.
        + rewrite opp_IZR in L.
          assert (T0 : 0 <= rnd32 (u + 128.5)) by (rewrite <- rnd32_0; apply rnd32_mono; lra).
          rewrite Ztrunc_floor by exact T0. rewrite minus_IZR.
          pose proof (Zfloor_lb (rnd32 (u + 128.5))). pose proof (Zfloor_ub (rnd32 (u + 128.5))).
          pose proof (rnd32_abs (u + 128.5)) as RA. rewrite (Rabs_pos_eq (u + 128.5)) in RA by lra.
          assert (RA' : Rabs (rnd32 (u + 128.5) - (u + 128.5)) <= 256 * u32 + eta32).
          { rewrite U in RA |- *. lra. }
          unfold Rabs in RA', Xin |- *. destruct (Rcase_abs (rnd32 (u + 128.5) - (u + 128.5)));
            destruct (Rcase_abs (u - x)); destruct (Rcase_abs x);
            destruct (Rcase_abs (x - (IZR (Zfloor (rnd32 (u + 128.5))) - 128))); lra. }
    replace (w - d * IZR q) with (d * (x - IZR q)) by (rewrite Hw; ring).
    rewrite Rabs_mult, (Rabs_pos_eq d) by lra.
    assert (0 <= Rabs x) by apply Rabs_pos.
    apply Rle_trans with (d * (/ 2 + (Rabs x * (3 * u32 + 240 * eta32 * (1 + u32)) + eta32) + (256 * u32 + eta32))).
    { apply Rmult_le_compat_l; lra. }
    rewrite Ax, P16, P24, P140. rewrite U, Et. nra.
  - (* beyond the range: clamped *)
    intros Hout. rewrite Ax in Hout. assert (Xout : IZR qmax + / 2 < Rabs x) by nra.
    unfold q, fq. fold u.
    destruct (Rlt_dec w 0) as [Wn|Wp].
    + assert (Xn : x < 0) by (rewrite Hw in Wn; nra).
      rewrite (Rabs_left x) in Xout, UX by lra.
      assert (Ul : u < IZR (- qmax)).
      { rewrite opp_IZR. unfold Rabs in UX. destruct (Rcase_abs (u - x)); rewrite U, Et in UX; nra. }
      destruct (Rlt_dec u (IZR (- qmax))) as [_|N]; [|contradiction].
      split; [reflexivity|]. rewrite opp_IZR. rewrite Hw. rewrite (Rabs_left (d * x)) by nra.
      rewrite Rabs_left by nra. ring.
    + assert (Xp : 0 <= x) by (rewrite Hw in Wp; nra).
      rewrite (Rabs_pos_eq x) in Xout, UX by lra.
      assert (Ug : IZR qmax <= u).
      { unfold Rabs in UX. destruct (Rcase_abs (u - x)); rewrite U, Et in UX; nra. }
      destruct (Rlt_dec u (IZR (- qmax))) as [L|_]; [rewrite opp_IZR in L; lra|].
      destruct (Rle_dec (IZR qmax) u) as [_|N]; [|contradiction].
      split; [reflexivity|]. rewrite Hw. rewrite (Rabs_pos_eq (d * x)) by nra.
      rewrite Rabs_pos_eq by nra. ring.
  - (* no overflow in range *)
    intros Hin. rewrite Ax in Hin. assert (Xin : Rabs x <= IZR qmax + / 2) by nra.
    assert (P27 : bpow 27 = 134217728) by reflexivity. assert (P8 : bpow 8 = 256) by reflexivity.
    assert (P9 : bpow 9 = 512) by reflexivity. rewrite P27, P8, P9.
    split; [|split].
    + assert (ID : 0 < / d <= 134217728).
      { split; [apply Rinv_0_lt_compat; lra|]. rewrite B27 in Dge.
        apply Rle_trans with (/ (9 * / 134217728)); [apply Rinv_le_contravar; lra|]. lra. }
      assert (R0 : 0 <= rnd32 (/ d)) by (rewrite <- rnd32_0; apply rnd32_mono; lra).
      assert (R1 : rnd32 (/ d) <= 134217728).
      { rewrite <- (rnd32_generic 134217728).
        - apply rnd32_mono. lra.
        - replace 134217728 with (IZR 1 * bpow 27) by (simpl; lra). apply fmt32_int_pow; simpl; lia. }
      rewrite Rabs_pos_eq by lra. exact R1.
    + unfold Rabs in UX, Xin |- *. destruct (Rcase_abs u); destruct (Rcase_abs (u - x)); destruct (Rcase_abs x);
        rewrite U, Et in UX; nra.
    + pose proof (rnd32_abs (u + 128.5)) as RA.
      assert (Ub : Rabs u <= 256).
      { unfold Rabs in UX, Xin |- *. destruct (Rcase_abs u); destruct (Rcase_abs (u - x)); destruct (Rcase_abs x);
          rewrite U, Et in UX; nra. }
      unfold Rabs in RA, Ub |- *. destruct (Rcase_abs (rnd32 (u + 128.5))); destruct (Rcase_abs (rnd32 (u + 128.5) - (u + 128.5)));
        destruct (Rcase_abs (u + 128.5)); destruct (Rcase_abs u); rewrite U, Et in RA; lra.
Qed.

(* ---------- the s_hi input of theorem 4, in binary32 ---------- *)

(* R_HI = 1.6f = 13421773 * 2^-23 (0x3FCCCCCD), a little above 1.6 *)
Definition r_hi_f : R := IZR 13421773 * bpow (-23).

(* x = R_HI * (amax / (float)gmin) in binary32 is at least 1.59 amax / gmin, unless amax is
   below 2^-100 gmin, where the smallest scale already covers the block *)
Theorem q35_shi_input : forall (amax : R) (g : Z), 0 <= amax -> (1 <= g <= 128)%Z ->
  let x := rnd32 (r_hi_f * rnd32 (amax / IZR g)) in
  159 / 100 * amax / IZR g <= x \/ amax <= 67 / 100 * IZR g * scale_value 1.
Proof.
  intros amax g Ha Hg x.
  assert (G : 1 <= IZR g <= 128) by (split; apply IZR_le; lia).
  assert (U : u32 = / 16777216) by reflexivity.
  assert (Et : eta32 = / 1427247692705959881058285969449495136382746624) by reflexivity.
  assert (RH : r_hi_f = 13421773 / 8388608) by (unfold r_hi_f; simpl; lra).
  assert (S1 : scale_value 1 = 9 / 134217728) by (rewrite (proj1 q35_scale_range); simpl; lra).
  set (a := amax / IZR g).
  assert (A0 : 0 <= a) by (unfold a; apply Rmult_le_pos; [lra|apply Rlt_le, Rinv_0_lt_compat; lra]).
  assert (Aa : amax = a * IZR g) by (unfold a; field; lra).
  destruct (Rle_dec (/ IZR (2 ^ 100)) a) as [Big|Small].
  - left. replace (159 / 100 * amax / IZR g) with (159 / 100 * a) by (unfold a; field; lra).
    assert (E100 : IZR (2 ^ 100) = 1267650600228229401496703205376) by reflexivity. rewrite E100 in Big.
    pose proof (rnd32_abs a) as R1. set (r1 := rnd32 a) in *.
    assert (R1' : a - u32 * a - eta32 <= r1) by (rewrite (Rabs_pos_eq a) in R1 by lra; unfold Rabs in R1; destruct (Rcase_abs (r1 - a)); lra).
    assert (P1 : 0 <= r1) by (unfold r1; rewrite <- rnd32_0; apply rnd32_mono; lra).
    pose proof (rnd32_abs (r_hi_f * r1)) as R2. change (rnd32 (r_hi_f * r1)) with x in R2.
    assert (P2 : 0 <= r_hi_f * r1) by (rewrite RH; nra).
    rewrite (Rabs_pos_eq (r_hi_f * r1)) in R2 by lra.
    assert (R2' : r_hi_f * r1 - u32 * (r_hi_f * r1) - eta32 <= x)
      by (unfold Rabs in R2; destruct (Rcase_abs (x - r_hi_f * r1)); lra).
    assert (M1 : r_hi_f * (a - u32 * a - eta32) <= r_hi_f * r1) by (apply Rmult_le_compat_l; [rewrite RH; lra|exact R1']).
    assert (M2 : (1 - u32) * (r_hi_f * (a - u32 * a - eta32)) <= (1 - u32) * (r_hi_f * r1))
      by (apply Rmult_le_compat_l; [rewrite U; lra|exact M1]).
    rewrite RH, U, Et in *. lra.
  - right. rewrite S1. assert (E100 : IZR (2 ^ 100) = 1267650600228229401496703205376) by reflexivity.
    rewrite E100 in Small. nra.
Qed.

(* ---------- bridge: Flocq's IEEE binary32 operations are rnd32 when they do not overflow ---------- *)

Lemma fexp32 : SpecFloat.fexp 24 128 = fmt32.
Proof. reflexivity. Qed.

Theorem b32_mult_correct : forall (x y : binary32),
  is_finite 24 128 x = true -> is_finite 24 128 y = true ->
  Rabs (rnd32 (B2R 24 128 x * B2R 24 128 y)) < bpow 128 ->
  B2R 24 128 (b32_mult BinarySingleNaN.mode_NE x y) = rnd32 (B2R 24 128 x * B2R 24 128 y) /\
  is_finite 24 128 (b32_mult BinarySingleNaN.mode_NE x y) = true.
Proof.
  intros x y Fx Fy Hov. unfold b32_mult.
  match goal with |- context [Bmult ?a ?b ?p1 ?p2 ?n ?m x y] => pose proof (Bmult_correct a b p1 p2 n m x y) as H end.
  unfold rnd32 in Hov. rewrite <- fexp32 in Hov. simpl BinarySingleNaN.round_mode in H. rewrite Rlt_bool_true in H by exact Hov.
  destruct H as [H1 [H2 _]]. unfold rnd32. rewrite <- fexp32. split; [exact H1|]. rewrite H2, Fx, Fy. reflexivity.
Qed.

Theorem b32_plus_correct : forall (x y : binary32),
  is_finite 24 128 x = true -> is_finite 24 128 y = true ->
  Rabs (rnd32 (B2R 24 128 x + B2R 24 128 y)) < bpow 128 ->
  B2R 24 128 (b32_plus BinarySingleNaN.mode_NE x y) = rnd32 (B2R 24 128 x + B2R 24 128 y) /\
  is_finite 24 128 (b32_plus BinarySingleNaN.mode_NE x y) = true.
Proof.
  intros x y Fx Fy Hov. unfold b32_plus.
  match goal with |- context [Bplus ?a ?b ?p1 ?p2 ?n ?m x y] => pose proof (Bplus_correct a b p1 p2 n m x y Fx Fy) as H end.
  unfold rnd32 in Hov. rewrite <- fexp32 in Hov. simpl BinarySingleNaN.round_mode in H. rewrite Rlt_bool_true in H by exact Hov.
  destruct H as [H1 [H2 _]]. unfold rnd32. rewrite <- fexp32. split; assumption.
Qed.

Theorem b32_div_correct : forall (x y : binary32),
  is_finite 24 128 x = true -> B2R 24 128 y <> 0 ->
  Rabs (rnd32 (B2R 24 128 x / B2R 24 128 y)) < bpow 128 ->
  B2R 24 128 (b32_div BinarySingleNaN.mode_NE x y) = rnd32 (B2R 24 128 x / B2R 24 128 y) /\
  is_finite 24 128 (b32_div BinarySingleNaN.mode_NE x y) = true.
Proof.
  intros x y Fx Hy Hov. unfold b32_div.
  match goal with |- context [Bdiv ?a ?b ?p1 ?p2 ?n ?m x y] => pose proof (Bdiv_correct a b p1 p2 n m x y Hy) as H end.
  unfold rnd32 in Hov. rewrite <- fexp32 in Hov. simpl BinarySingleNaN.round_mode in H. rewrite Rlt_bool_true in H by exact Hov.
  destruct H as [H1 [H2 _]]. unfold rnd32. rewrite <- fexp32. split; [exact H1|]. rewrite H2. exact Fx.
Qed.

(* the fma of the AVX2 kernels (_mm256_fmadd_ps) and of the GPU's fp32 accumulation *)
Theorem b32_fma_correct : forall (x y z : binary32),
  is_finite 24 128 x = true -> is_finite 24 128 y = true -> is_finite 24 128 z = true ->
  Rabs (rnd32 (B2R 24 128 x * B2R 24 128 y + B2R 24 128 z)) < bpow 128 ->
  B2R 24 128 (b32_fma BinarySingleNaN.mode_NE x y z) = rnd32 (B2R 24 128 x * B2R 24 128 y + B2R 24 128 z) /\
  is_finite 24 128 (b32_fma BinarySingleNaN.mode_NE x y z) = true.
Proof.
  intros x y z Fx Fy Fz Hov. unfold b32_fma.
  match goal with |- context [Bfma ?a ?b ?p1 ?p2 ?n ?m x y z] => pose proof (Bfma_correct a b p1 p2 n m x y z Fx Fy Fz) as H end.
  cbv zeta in H. unfold rnd32 in Hov. rewrite <- fexp32 in Hov. simpl BinarySingleNaN.round_mode in H. rewrite Rlt_bool_true in H by exact Hov.
  destruct H as [H1 [H2 _]]. unfold rnd32. rewrite <- fexp32. split; assumption.
Qed.
