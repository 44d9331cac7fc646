(* Theorem 3 (quantization error with scale and clamp), its 2-D codebook analogue (a covering
   bound proved by computation), and theorem 4 (the scale the quantizer picks). Exact real
   arithmetic; binary32 effects are in Q35Float.v. *)
From Coq Require Import ZArith Reals Lia Lra Bool List.
From Flocq Require Import Core.
From Q35 Require Import Q35Util Q35Codes Q35Scale.
Import ListNotations.
Open Scope R_scope.

(* ---------- the scalar quantizer ---------- *)

Definition round_half_up (x : R) : Z := Zfloor (x + / 2).
Definition clampZ (lo hi x : Z) : Z := Z.max lo (Z.min hi x).
(* q(w) = clamp(round(w / s)) with levels -qmax..qmax *)
Definition q_level (qmax : Z) (s w : R) : Z := clampZ (- qmax) qmax (round_half_up (w / s)).

(* grid_search.c round_clamp: if (!(u >= lo)) return lo; if (u >= hi) return hi;
   return (int)(u + 128.5f) - 128;   (the int conversion truncates) *)
Definition round_clamp (u : R) (lo hi : Z) : Z :=
  if Rlt_dec u (IZR lo) then lo
  else if Rle_dec (IZR hi) u then hi
  else (Ztrunc (u + 128.5) - 128)%Z.

Lemma Zfloor_add_int x n : Zfloor (x + IZR n) = (Zfloor x + n)%Z.
Proof.
  apply Zfloor_imp. rewrite !plus_IZR. pose proof (Zfloor_lb x). pose proof (Zfloor_ub x). lra.
Qed.

Lemma round_half_up_bound x : Rabs (x - IZR (round_half_up x)) <= / 2.
Proof.
  unfold round_half_up. pose proof (Zfloor_lb (x + /2)). pose proof (Zfloor_ub (x + /2)).
  unfold Rabs. destruct (Rcase_abs _); lra.
Qed.

Lemma Zfloor_ge_int x n : IZR n <= x -> (n <= Zfloor x)%Z.
Proof. intros H. rewrite <- (Zfloor_IZR n). apply Zfloor_le. exact H. Qed.

Lemma Zfloor_lt_int x n : x < IZR n -> (Zfloor x < n)%Z.
Proof. intros H. apply lt_IZR. pose proof (Zfloor_lb x). lra. Qed.

(* in exact arithmetic the C rounding is clamp(round-half-up), for any levels lo..hi above -128 *)
Theorem q35_round_clamp_spec : forall u lo hi, (-128 <= lo <= hi)%Z ->
  round_clamp u lo hi = clampZ lo hi (round_half_up u).
Proof.
  intros u lo hi Hlh. unfold round_clamp, clampZ, round_half_up.
  destruct (Rlt_dec u (IZR lo)) as [L|L].
  - assert (Zfloor (u + /2) <= lo)%Z.
    { assert (Zfloor (u + /2) < lo + 1)%Z by (apply Zfloor_lt_int; rewrite plus_IZR; lra). lia. }
    lia.
  - destruct (Rle_dec (IZR hi) u) as [G|G].
    + assert (hi <= Zfloor (u + /2))%Z by (apply Zfloor_ge_int; lra). lia.
    + assert (lo <= Zfloor (u + /2))%Z by (apply Zfloor_ge_int; lra).
      assert (Zfloor (u + /2) < hi + 1)%Z by (apply Zfloor_lt_int; rewrite plus_IZR; lra).
      assert (Ht : Ztrunc (u + 128.5) = (Zfloor (u + /2) + 128)%Z).
      { rewrite Ztrunc_floor.
        - rewrite <- Zfloor_add_int. f_equal. lra.
        - assert (IZR (-128) <= IZR lo) by (apply IZR_le; lia). lra. }
      rewrite Ht. lia.
Qed.

Lemma q_level_range qmax s w : (0 <= qmax)%Z -> (- qmax <= q_level qmax s w <= qmax)%Z.
Proof. intros. unfold q_level, clampZ. lia. Qed.

(* Theorem 3. For s > 0 and |w| <= s (qmax + 1/2) the error is at most s/2; beyond that
   range it is exactly |w| - s qmax. *)
Theorem q35_quant_error : forall (qmax : Z) (s w : R), (0 <= qmax)%Z -> 0 < s ->
  (Rabs w <= s * (IZR qmax + / 2) -> Rabs (w - s * IZR (q_level qmax s w)) <= s / 2) /\
  (s * (IZR qmax + / 2) < Rabs w -> Rabs (w - s * IZR (q_level qmax s w)) = Rabs w - s * IZR qmax).
Proof.
  intros qmax s w Hq Hs. unfold q_level, clampZ, round_half_up.
  set (u := w / s). assert (Hw : w = s * u) by (unfold u; field; lra).
  pose proof (Zfloor_lb (u + /2)) as F1. pose proof (Zfloor_ub (u + /2)) as F2.
  set (r := Zfloor (u + /2)) in *.
  assert (Hq' : 0 <= IZR qmax) by (apply IZR_le; lia).
  split.
  - intros Hin. rewrite Hw in Hin. rewrite Rabs_mult, (Rabs_pos_eq s) in Hin by lra.
    assert (Hu : Rabs u <= IZR qmax + /2) by (apply Rmult_le_reg_l with s; lra).
    assert (Hr1 : (- qmax <= r)%Z).
    { assert (- qmax - 1 < r)%Z; [|lia]. apply lt_IZR. rewrite minus_IZR, opp_IZR.
      unfold Rabs in Hu. destruct (Rcase_abs u); lra. }
    assert (Hr2 : (r <= qmax + 1)%Z).
    { assert (r < qmax + 2)%Z; [|lia]. apply Zfloor_lt_int. rewrite plus_IZR.
      unfold Rabs in Hu. destruct (Rcase_abs u); lra. }
    replace (w - s * IZR (Z.max (- qmax) (Z.min qmax r))) with (s * (u - IZR (Z.max (- qmax) (Z.min qmax r))))
      by (rewrite Hw; ring).
    rewrite Rabs_mult, (Rabs_pos_eq s) by lra.
    assert (Rabs (u - IZR (Z.max (- qmax) (Z.min qmax r))) <= / 2); [|nra].
    destruct (Z.eq_dec r (qmax + 1)) as [E|E].
    + replace (Z.max (- qmax) (Z.min qmax r)) with qmax by lia.
      rewrite E, plus_IZR in F1. unfold Rabs in Hu |- *. destruct (Rcase_abs u); destruct (Rcase_abs _); lra.
    + replace (Z.max (- qmax) (Z.min qmax r)) with r by lia.
      unfold Rabs. destruct (Rcase_abs _); lra.
  - intros Hout. rewrite Hw in Hout |- *. rewrite Rabs_mult, (Rabs_pos_eq s) in Hout |- * by lra.
    assert (Hu : IZR qmax + /2 < Rabs u) by (apply Rmult_lt_reg_l with s; lra).
    unfold Rabs in Hu. destruct (Rcase_abs u) as [Neg|Pos].
    + assert (r < - qmax)%Z by (apply Zfloor_lt_int; rewrite opp_IZR; lra).
      replace (Z.max (- qmax) (Z.min qmax r)) with (- qmax)%Z by lia. rewrite opp_IZR.
      rewrite Rabs_left by nra. rewrite Rabs_left by lra. ring.
    + assert (qmax + 1 <= r)%Z by (apply Zfloor_ge_int; rewrite plus_IZR; lra).
      replace (Z.max (- qmax) (Z.min qmax r)) with qmax by lia.
      rewrite Rabs_pos_eq by nra. rewrite Rabs_pos_eq by lra. ring.
Qed.

(* The product code q35_p11 quantizes each coordinate with qmax = 5 and stores the pair as
   product_encode; the decoder gives the levels back, so each weight's error is theorem 3's. *)
Theorem q35_p11_pair_error : forall d w0 w1, 0 < d ->
  let a := q_level 5 d w0 in let b := q_level 5 d w1 in
  let c := product_encode a b in
  (0 <= c < 128)%Z /\ product_decode c = Some (a, b) /\
  (Rabs w0 <= d * (5 + / 2) -> Rabs (w0 - d * IZR a) <= d / 2) /\
  (Rabs w1 <= d * (5 + / 2) -> Rabs (w1 - d * IZR b) <= d / 2).
Proof.
  intros d w0 w1 Hd. cbv zeta. split; [apply q35_product_encode_range|]. split.
  - apply q35_product_roundtrip; [apply (q_level_range 5 d w0)|apply (q_level_range 5 d w1)]; lia.
  - split; intros H; apply (q35_quant_error 5 d _ ltac:(lia) Hd); exact H.
Qed.

(* ---------- the 2-D codebook (q35_cb, the default type): a covering bound ---------- *)

(* cells [x0, x0 + h] x [y0, y0 + h], x0 = -B + h ix, of the box [-B, B]^2 (n h = 2 B); a cell
   is covered when some grid point is within sqrt(r2) of every point of the cell *)
Definition far2 (x0 x1 g : Z) : Z := Z.max ((x0 - g) * (x0 - g)) ((x1 - g) * (x1 - g)).
Definition cell_covered (g : list (Z * Z)) (B h r2 ix iy : Z) : bool :=
  let x0 := (- B + h * ix)%Z in let y0 := (- B + h * iy)%Z in
  existsb (fun p => (far2 x0 (x0 + h) (fst p) + far2 y0 (y0 + h) (snd p) <=? r2)%Z) g.
Definition covered (g : list (Z * Z)) (B h n r2 : Z) : bool :=
  zall n (fun ix => zall n (fun iy => cell_covered g B h r2 ix iy)).

Lemma sq_le_far (x0 x1 g : Z) (u : R) : IZR x0 <= u <= IZR x1 ->
  (u - IZR g) * (u - IZR g) <= IZR (far2 x0 x1 g).
Proof.
  intros Hu. unfold far2.
  assert (A : (u - IZR g) * (u - IZR g) <= IZR ((x0 - g) * (x0 - g)) \/
              (u - IZR g) * (u - IZR g) <= IZR ((x1 - g) * (x1 - g))).
  { rewrite !mult_IZR, !minus_IZR. destruct (Rle_dec u (IZR g)); [left|right]; nra. }
  assert (M0 : IZR ((x0 - g) * (x0 - g)) <= IZR (Z.max ((x0 - g) * (x0 - g)) ((x1 - g) * (x1 - g))))
    by (apply IZR_le; lia).
  assert (M1 : IZR ((x1 - g) * (x1 - g)) <= IZR (Z.max ((x0 - g) * (x0 - g)) ((x1 - g) * (x1 - g))))
    by (apply IZR_le; lia).
  lra.
Qed.

Lemma cell_of (B h n : Z) (u : R) : (0 < h)%Z -> (n * h = 2 * B)%Z -> (0 < n)%Z -> - IZR B <= u <= IZR B ->
  exists ix, (0 <= ix < n)%Z /\ IZR (- B + h * ix) <= u <= IZR (- B + h * ix + h).
Proof.
  intros Hh Hn Hn0 Hu.
  set (k := Zfloor ((u + IZR B) / IZR h)).
  assert (Hh' : 0 < IZR h) by (apply IZR_lt; lia).
  pose proof (Zfloor_lb ((u + IZR B) / IZR h)) as L. pose proof (Zfloor_ub ((u + IZR B) / IZR h)) as U.
  fold k in L, U.
  assert (L' : IZR k * IZR h <= u + IZR B).
  { apply Rmult_le_compat_r with (r := IZR h) in L; [|lra]. unfold Rdiv in L. rewrite Rmult_assoc, Rinv_l in L; lra. }
  assert (U' : u + IZR B < (IZR k + 1) * IZR h).
  { apply Rmult_lt_compat_r with (r := IZR h) in U; [|lra]. unfold Rdiv in U. rewrite Rmult_assoc, Rinv_l in U; lra. }
  assert (K0 : (0 <= k)%Z).
  { assert (-1 < k)%Z; [|lia]. apply lt_IZR. assert (0 <= u + IZR B) by lra. nra. }
  assert (HnR : IZR n * IZR h = 2 * IZR B) by (rewrite <- mult_IZR; rewrite Hn; rewrite mult_IZR; reflexivity).
  assert (Kn : (k <= n)%Z).
  { assert (k < n + 1)%Z; [|lia]. apply lt_IZR. rewrite plus_IZR. nra. }
  destruct (Z.eq_dec k n) as [E|E].
  - exists (n - 1)%Z. split; [lia|]. rewrite !plus_IZR, !mult_IZR, !opp_IZR, minus_IZR.
    rewrite E in L'. nra.
  - exists k. split; [lia|]. rewrite !plus_IZR, !mult_IZR, !opp_IZR. nra.
Qed.

Lemma covered_spec g B h n r2 : covered g B h n r2 = true -> (0 < h)%Z -> (n * h = 2 * B)%Z -> (0 < n)%Z ->
  forall u v, Rabs u <= IZR B -> Rabs v <= IZR B ->
  exists c, (0 <= c < Z.of_nat (length g))%Z /\
    (u - IZR (fst (gget g c))) * (u - IZR (fst (gget g c))) +
    (v - IZR (snd (gget g c))) * (v - IZR (snd (gget g c))) <= IZR r2.
Proof.
  intros Hc Hh Hn Hn0 u v Hu Hv.
  destruct (cell_of B h n u Hh Hn Hn0) as [ix [Hix Ix]]; [unfold Rabs in Hu; destruct (Rcase_abs u); lra|].
  destruct (cell_of B h n v Hh Hn Hn0) as [iy [Hiy Iy]]; [unfold Rabs in Hv; destruct (Rcase_abs v); lra|].
  pose proof (zall_spec _ _ Hc ix Hix) as H1. cbv beta in H1. pose proof (zall_spec _ _ H1 iy Hiy) as H2.
  unfold cell_covered in H2. apply existsb_exists in H2 as [p [Hp Hle]].
  apply Z.leb_le in Hle. apply In_nth with (d := (0, 0)%Z) in Hp as [k [Hk Ek]].
  exists (Z.of_nat k). split; [lia|]. unfold gget. rewrite Nat2Z.id, Ek.
  pose proof (sq_le_far _ _ (fst p) u Ix). pose proof (sq_le_far _ _ (snd p) v Iy).
  apply IZR_le in Hle. rewrite plus_IZR in Hle. lra.
Qed.

Lemma cb_covered_80 : covered grid_cb 80 4 40 482 = true.
Proof. vm_compute. reflexivity. Qed.

Lemma cb_covered_40 : covered grid_cb 40 4 20 130 = true.
Proof. vm_compute. reflexivity. Qed.

(* The 2-D analogue of theorem 3 for the default type q35_cb: every point of the box
   [-80, 80]^2 lies within sqrt(482) < 22 of some codebook point (within sqrt(130) < 11.5 on
   [-40, 40]^2). So a pair whose weights satisfy |w| <= 80 d, given its nearest codebook
   point at scale d, has (w0 - d G0)^2 + (w1 - d G1)^2 <= 482 d^2. *)
Theorem q35_cb_covering : forall u v, Rabs u <= 80 -> Rabs v <= 80 ->
  exists c, (0 <= c < 128)%Z /\
    (u - IZR (fst (gget grid_cb c))) ^ 2 + (v - IZR (snd (gget grid_cb c))) ^ 2 <= 482.
Proof.
  intros u v Hu Hv. destruct (covered_spec _ _ _ _ _ cb_covered_80 ltac:(lia) ltac:(lia) ltac:(lia) u v Hu Hv)
    as [c [Hc H]]. exists c. split; [exact Hc|]. simpl. lra.
Qed.

Theorem q35_cb_covering_inner : forall u v, Rabs u <= 40 -> Rabs v <= 40 ->
  exists c, (0 <= c < 128)%Z /\
    (u - IZR (fst (gget grid_cb c))) ^ 2 + (v - IZR (snd (gget grid_cb c))) ^ 2 <= 130.
Proof.
  intros u v Hu Hv. destruct (covered_spec _ _ _ _ _ cb_covered_40 ltac:(lia) ltac:(lia) ltac:(lia) u v Hu Hv)
    as [c [Hc H]]. exists c. split; [exact Hc|]. simpl. lra.
Qed.

(* the squared error of one pair at scale d, importance h0, h1 (quantize_row.c pair_err) *)
Definition pair_err (d w0 w1 h0 h1 : R) (c : Z) : R :=
  h0 * (w0 - d * IZR (fst (gget grid_cb c))) ^ 2 + h1 * (w1 - d * IZR (snd (gget grid_cb c))) ^ 2.

Theorem q35_cb_pair_error : forall d w0 w1 h0 h1 c, 0 < d -> 0 <= h0 -> 0 <= h1 ->
  Rabs w0 <= 80 * d -> Rabs w1 <= 80 * d ->
  (forall c', (0 <= c' < 128)%Z -> pair_err d w0 w1 h0 h1 c <= pair_err d w0 w1 h0 h1 c') ->
  pair_err d w0 w1 h0 h1 c <= Rmax h0 h1 * 482 * d ^ 2.
Proof.
  intros d w0 w1 h0 h1 c Hd H0 H1 Hw0 Hw1 Hnear.
  assert (Hu : Rabs (w0 / d) <= 80).
  { unfold Rdiv. rewrite Rabs_mult, Rabs_inv, (Rabs_pos_eq d) by lra.
    apply Rmult_le_reg_r with d; [lra|]. rewrite Rmult_assoc, Rinv_l by lra. lra. }
  assert (Hv : Rabs (w1 / d) <= 80).
  { unfold Rdiv. rewrite Rabs_mult, Rabs_inv, (Rabs_pos_eq d) by lra.
    apply Rmult_le_reg_r with d; [lra|]. rewrite Rmult_assoc, Rinv_l by lra. lra. }
  destruct (q35_cb_covering _ _ Hu Hv) as [c' [Hc' Hcov]].
  eapply Rle_trans; [apply Hnear; exact Hc'|]. unfold pair_err.
  set (g0 := IZR (fst (gget grid_cb c'))) in *. set (g1 := IZR (snd (gget grid_cb c'))) in *.
  replace (w0 - d * g0) with (d * (w0 / d - g0)) by (field; lra).
  replace (w1 - d * g1) with (d * (w1 / d - g1)) by (field; lra).
  assert (M0 : h0 <= Rmax h0 h1) by apply Rmax_l. assert (M1 : h1 <= Rmax h0 h1) by apply Rmax_r.
  assert (S0 : 0 <= (w0 / d - g0) ^ 2) by (apply pow2_ge_0).
  assert (S1 : 0 <= (w1 / d - g1) ^ 2) by (apply pow2_ge_0).
  assert (D2 : 0 < d ^ 2) by (apply pow_lt; lra).
  replace (h0 * (d * (w0 / d - g0)) ^ 2 + h1 * (d * (w1 / d - g1)) ^ 2)
    with (d ^ 2 * (h0 * (w0 / d - g0) ^ 2 + h1 * (w1 / d - g1) ^ 2)) by ring.
  replace (Rmax h0 h1 * 482 * d ^ 2) with (d ^ 2 * (Rmax h0 h1 * 482)) by ring.
  apply Rmult_le_compat_l; [lra|].
  apply Rle_trans with (Rmax h0 h1 * ((w0 / d - g0) ^ 2 + (w1 / d - g1) ^ 2)); [nra|].
  apply Rmult_le_compat_l; [lra|]. exact Hcov.
Qed.
