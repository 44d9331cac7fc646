(* The three 128-point grids of the 3.5-bit family (docs/FORMAT.md "Grids") and theorem 2:
   the product code round-trips and every accepted code decodes into range; every grid
   entry is an int8. C's / and % truncate toward zero: Z.quot and Z.rem. *)
From Coq Require Import ZArith List Lia Bool.
From Q35 Require Import Q35Util.
Import ListNotations.
Open Scope Z_scope.

(* ---------- src/format/product.c ---------- *)

(* int v = 11 * a + b; return ((v % 128) + 128) % 128; *)
Definition product_encode (a b : Z) : Z :=
  let v := 11 * a + b in Z.rem (Z.rem v 128 + 128) 128.

(* int c = code % 128; int v = c < 64 ? c : c - 128; if (v < -60 || v > 60) return 0;
   *a = (v + 60) / 11 - 5; *b = v - 11 * *a; return 1; *)
Definition product_decode (code : Z) : option (Z * Z) :=
  let c := Z.rem code 128 in
  let v := if c <? 64 then c else c - 128 in
  if orb (v <? -60) (60 <? v) then None
  else let a := Z.quot (v + 60) 11 - 5 in Some (a, v - 11 * a).

(* ---------- the grids ---------- *)

(* src/format/grid_cb.c: q35_grid_cb, the default type q35_cb (checked against the C table
   by scripts/prove_coq.sh). *)
Definition grid_cb : list (Z * Z) := [
  (-4, -3); (5, 5); (9, -6); (-4, 11); (-13, 4); (-1, -14); (16, 5); (-16, -8);
  (8, 16); (12, -17); (-11, -19); (21, -8); (-16, 16); (-5, 23); (-24, 5); (3, -25);
  (22, 15); (28, 3); (16, 25); (-24, -18); (-30, -6); (6, 30); (-7, -31); (24, -21);
  (-18, 28); (-28, 18); (14, -31); (33, -10); (-7, 35); (-19, -32); (-37, 8); (3, -39);
  (37, 14); (30, 27); (-38, -17); (42, 1); (20, 37); (-31, -29); (7, 43); (-44, -4);
  (27, -35); (-11, -43); (38, -24); (-32, 32); (15, -45); (-42, 23); (-20, 44); (-6, 48);
  (47, -13); (-51, 10); (44, 28); (51, 13); (-30, -44); (0, -54); (36, 41); (21, 51);
  (-45, -33); (-53, -18); (-18, -54); (31, -49); (43, -39); (52, -27); (-35, 47); (-59, -2);
  (59, -3); (6, 59); (-49, 38); (17, -60); (-13, 61); (-58, 24); (59, 27); (-47, -48);
  (65, -19); (37, 57); (-28, 62); (54, 43); (-62, -32); (-34, -61); (69, 12); (22, 67);
  (5, -71); (-13, -70); (-71, 10); (31, -66); (-72, -14); (61, -41); (48, -56); (1, 75);
  (-48, 59); (78, -7); (-72, 33); (76, 32); (-65, 51); (54, 63); (-18, 81); (-67, -52);
  (20, -83); (80, -31); (-53, -69); (17, 86); (-30, -83); (40, 79); (-42, 79); (-83, -34);
  (-3, -90); (-90, -4); (90, 13); (46, -79); (-90, 20); (74, 56); (71, -60); (102, -17);
  (-1, 104); (-92, 51); (-72, 80); (101, 46); (-56, -96); (31, -107); (72, 86); (-37, 106);
  (-89, -69); (-110, -25); (100, -53); (35, 108); (-16, -115); (71, -92); (118, 13); (-120, 20)].

(* src/format/grid_p11.c: P11_V(c) = c < 64 ? c : c - 128; valid when -60 <= v <= 60;
   P11_A = (v + 60) / 11 - 5, P11_B = v - 11 * P11_A; unused codes are (0, 0). *)
Definition p11_entry (c : Z) : Z * Z :=
  let v := if c <? 64 then c else c - 128 in
  if andb (-60 <=? v) (v <=? 60) then let a := Z.quot (v + 60) 11 - 5 in (a, v - 11 * a) else (0, 0).
Definition grid_p11 : list (Z * Z) := map p11_entry (zseq 128).

(* src/format/grid_s43.c: E(c) = {c / 8 - 8, c % 8 - 4} (the seed's split code). *)
Definition s43_entry (c : Z) : Z * Z := (Z.quot c 8 - 8, Z.rem c 8 - 4).
Definition grid_s43 : list (Z * Z) := map s43_entry (zseq 128).
Definition s43_encode (a b : Z) : Z := 8 * (a + 8) + (b + 4).

Definition gget (g : list (Z * Z)) (c : Z) : Z * Z := nth (Z.to_nat c) g (0, 0).
Definition int8 (x : Z) : Prop := -128 <= x <= 127.

(* ---------- helpers for finite checks ---------- *)

Definition zrange_all (lo hi : Z) (f : Z -> bool) : bool := zall (hi - lo + 1) (fun i => f (lo + i)).

Lemma zrange_all_spec lo hi f : zrange_all lo hi f = true -> forall x, lo <= x <= hi -> f x = true.
Proof.
  unfold zrange_all. intros H x Hx. replace x with (lo + (x - lo)) by ring. apply (zall_spec _ _ H). lia.
Qed.

Definition pair_eqb (p q : Z * Z) : bool := andb (fst p =? fst q) (snd p =? snd q).
Lemma pair_eqb_spec p q : pair_eqb p q = true -> p = q.
Proof. destruct p, q. unfold pair_eqb. simpl. rewrite andb_true_iff, !Z.eqb_eq. intros [-> ->]. reflexivity. Qed.

Definition in_box (lo hi : Z) (x : Z) : bool := andb (lo <=? x) (x <=? hi).

(* ---------- theorem 2: the product code ---------- *)

Lemma rem_mod_same x m : 0 < m -> (Z.rem x m) mod m = x mod m.
Proof.
  intros Hm. rewrite (Z.quot_rem' x m) at 2. rewrite Z.add_comm, Z.mul_comm, Z.mod_add by lia. reflexivity.
Qed.

(* the C expression is the floor modulus of docs/FORMAT.md, for every int a, b *)
Theorem q35_product_encode_mod : forall a b, product_encode a b = (11 * a + b) mod 128.
Proof.
  intros a b. unfold product_encode. cbv zeta.
  pose proof (Z.rem_bound_abs (11 * a + b) 128 ltac:(lia)) as Hb.
  rewrite Z.rem_mod_nonneg by (try lia; rewrite Z.abs_lt in Hb; lia).
  replace (Z.rem (11 * a + b) 128 + 128) with (Z.rem (11 * a + b) 128 + 1 * 128) by ring.
  rewrite Z.mod_add by lia. apply rem_mod_same. lia.
Qed.

Theorem q35_product_encode_range : forall a b, 0 <= product_encode a b < 128.
Proof. intros. rewrite q35_product_encode_mod. apply Z.mod_pos_bound. lia. Qed.

Definition rt_check (a b : Z) : bool :=
  match product_decode (product_encode a b) with Some (a', b') => andb (a' =? a) (b' =? b) | None => false end.

Lemma rt_all : zrange_all (-5) 5 (fun a => zrange_all (-5) 5 (fun b => rt_check a b)) = true.
Proof. vm_compute. reflexivity. Qed.

(* every level pair encodes to a code that decodes back to it *)
Theorem q35_product_roundtrip : forall a b, -5 <= a <= 5 -> -5 <= b <= 5 ->
  product_decode (product_encode a b) = Some (a, b).
Proof.
  intros a b Ha Hb. pose proof (zrange_all_spec _ _ _ rt_all a Ha) as H.
  pose proof (zrange_all_spec _ _ _ H b Hb) as H2. unfold rt_check in H2.
  destruct (product_decode (product_encode a b)) as [[a' b']|]; [|discriminate].
  apply andb_true_iff in H2 as [E1 E2]. apply Z.eqb_eq in E1, E2. now subst.
Qed.

Definition dec_check (r : Z) : bool :=
  match product_decode r with
  | Some (a, b) => andb (andb (in_box (-5) 5 a) (in_box (-5) 5 b)) ((11 * a + b) mod 128 =? r mod 128)
  | None => true
  end.

Lemma dec_all : zrange_all (-127) 127 dec_check = true.
Proof. vm_compute. reflexivity. Qed.

Lemma product_decode_rem code : product_decode code = product_decode (Z.rem code 128).
Proof. unfold product_decode. rewrite Z.rem_rem by lia. reflexivity. Qed.

(* every code the decoder accepts (any int, as in C) yields levels in range that encode back *)
Theorem q35_product_decode_range : forall code a b, product_decode code = Some (a, b) ->
  -5 <= a <= 5 /\ -5 <= b <= 5 /\ product_encode a b = code mod 128.
Proof.
  intros code a b H. rewrite product_decode_rem in H.
  pose proof (Z.rem_bound_abs code 128 ltac:(lia)) as Hb. rewrite Z.abs_lt in Hb.
  pose proof (zrange_all_spec _ _ _ dec_all (Z.rem code 128) ltac:(lia)) as C.
  unfold dec_check in C. rewrite H in C. unfold in_box in C.
  rewrite !andb_true_iff, !Z.leb_le, Z.eqb_eq in C. destruct C as [[[? ?] [? ?]] E].
  rewrite q35_product_encode_mod, E, rem_mod_same by lia. lia.
Qed.

Definition accepted (c : Z) : bool := match product_decode c with Some _ => true | None => false end.

(* exactly the 7 codes 61..67 of 0..127 are unused *)
Theorem q35_product_unused : forall c, 0 <= c < 128 -> (accepted c = false <-> 61 <= c <= 67).
Proof.
  intros c Hc.
  assert (H : zall 128 (fun c => Bool.eqb (accepted c) (negb (andb (61 <=? c) (c <=? 67)))) = true)
    by (vm_compute; reflexivity).
  pose proof (zall_spec _ _ H c Hc) as E. apply Bool.eqb_prop in E. rewrite E.
  rewrite negb_false_iff, andb_true_iff, !Z.leb_le. tauto.
Qed.

(* the p11 table of grid_p11.c is the decoder, unused codes (0, 0) *)
Theorem q35_grid_p11_decode : forall c, 0 <= c < 128 ->
  gget grid_p11 c = match product_decode c with Some ab => ab | None => (0, 0) end.
Proof.
  intros c Hc. unfold gget, grid_p11. rewrite nth_map_zseq by lia.
  assert (H : zall 128 (fun c => pair_eqb (p11_entry c)
             (match product_decode c with Some ab => ab | None => (0, 0) end)) = true)
    by (vm_compute; reflexivity).
  apply pair_eqb_spec. exact (zall_spec _ _ H c Hc).
Qed.

(* ---------- grid ranges ---------- *)

Definition grid_ok (g : list (Z * Z)) (lo0 hi0 lo1 hi1 : Z) : bool :=
  andb (Nat.eqb (length g) 128) (forallb (fun p => andb (in_box lo0 hi0 (fst p)) (in_box lo1 hi1 (snd p))) g).

Lemma grid_ok_spec g lo0 hi0 lo1 hi1 : grid_ok g lo0 hi0 lo1 hi1 = true ->
  length g = 128%nat /\ forall c, 0 <= c < 128 ->
    lo0 <= fst (gget g c) <= hi0 /\ lo1 <= snd (gget g c) <= hi1.
Proof.
  unfold grid_ok. rewrite andb_true_iff, Nat.eqb_eq, forallb_forall. intros [Hl H]. split; [exact Hl|].
  intros c Hc. assert (Hin : In (gget g c) g) by (unfold gget; apply nth_In; lia).
  specialize (H _ Hin). unfold in_box in H. rewrite !andb_true_iff, !Z.leb_le in H. lia.
Qed.

(* every q35_cb entry is an int8, in fact within [-120, 120] x [-115, 108] *)
Theorem q35_grid_cb_range : length grid_cb = 128%nat /\ forall c, 0 <= c < 128 ->
  -120 <= fst (gget grid_cb c) <= 118 /\ -115 <= snd (gget grid_cb c) <= 108.
Proof. apply grid_ok_spec. vm_compute. reflexivity. Qed.

Corollary q35_grid_cb_int8 : forall c, 0 <= c < 128 -> int8 (fst (gget grid_cb c)) /\ int8 (snd (gget grid_cb c)).
Proof. intros c Hc. destruct (proj2 q35_grid_cb_range c Hc). unfold int8. lia. Qed.

(* the largest |coordinate| of each axis, which the quantizer's scale search uses
   (grid_search.c: maxabs[t]); here 120 and 115, so gmin = 115 *)
Definition maxabs (g : list (Z * Z)) (t : bool) : Z :=
  fold_left (fun m p => Z.max m (Z.abs (if t then snd p else fst p))) g 0.
Theorem q35_grid_cb_maxabs : maxabs grid_cb false = 120 /\ maxabs grid_cb true = 115.
Proof. vm_compute. split; reflexivity. Qed.

Theorem q35_grid_p11_range : length grid_p11 = 128%nat /\ forall c, 0 <= c < 128 ->
  -5 <= fst (gget grid_p11 c) <= 5 /\ -5 <= snd (gget grid_p11 c) <= 5.
Proof. apply grid_ok_spec. vm_compute. reflexivity. Qed.

Theorem q35_grid_s43_range : length grid_s43 = 128%nat /\ forall c, 0 <= c < 128 ->
  -8 <= fst (gget grid_s43 c) <= 7 /\ -4 <= snd (gget grid_s43 c) <= 3.
Proof. apply grid_ok_spec. vm_compute. reflexivity. Qed.

(* the seed's split code round-trips: (a, b) in [-8,7] x [-4,3] <-> code in [0, 128) *)
Theorem q35_s43_roundtrip : forall a b, -8 <= a <= 7 -> -4 <= b <= 3 ->
  0 <= s43_encode a b < 128 /\ gget grid_s43 (s43_encode a b) = (a, b).
Proof.
  intros a b Ha Hb. unfold s43_encode. split; [lia|].
  unfold gget, grid_s43. rewrite nth_map_zseq by lia. unfold s43_entry.
  rewrite Z.quot_div_nonneg, Z.rem_mod_nonneg by lia.
  replace (8 * (a + 8) + (b + 4)) with ((b + 4) + (a + 8) * 8) by ring.
  rewrite Z.div_add, Z.mod_add, Z.div_small, Z.mod_small by lia. f_equal; ring.
Qed.

(* the codebook's 128 points are distinct and ordered by radius (code 0 nearest the origin) *)
Fixpoint sorted_by_radius (g : list (Z * Z)) : bool :=
  match g with
  | p :: ((q :: _) as r) => andb (fst p * fst p + snd p * snd p <=? fst q * fst q + snd q * snd q) (sorted_by_radius r)
  | _ => true
  end.
Fixpoint distinct (g : list (Z * Z)) : bool :=
  match g with [] => true | p :: r => andb (forallb (fun q => negb (pair_eqb p q)) r) (distinct r) end.
Theorem q35_grid_cb_sorted_distinct : sorted_by_radius grid_cb = true /\ distinct grid_cb = true.
Proof. vm_compute. split; reflexivity. Qed.

(* the ACSL logic function q35_product_code of include/q35/format.h: for levels in range
   the C expression is 11a + b, plus 128 when negative *)
Theorem q35_product_encode_acsl : forall a b, -5 <= a <= 5 -> -5 <= b <= 5 ->
  product_encode a b = if 0 <=? 11 * a + b then 11 * a + b else 11 * a + b + 128.
Proof.
  intros a b Ha Hb.
  assert (H : zrange_all (-5) 5 (fun a => zrange_all (-5) 5 (fun b =>
    product_encode a b =? (if 0 <=? 11 * a + b then 11 * a + b else 11 * a + b + 128))) = true)
    by (vm_compute; reflexivity).
  apply Z.eqb_eq. exact (zrange_all_spec _ _ _ (zrange_all_spec _ _ _ H a Ha) b Hb).
Qed.
