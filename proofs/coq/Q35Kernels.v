(* Theorem 8: the decode tricks of the fast kernels, for every input.
   - the scale byte built directly as binary32 bits (src/cpu/q35_dot.h q35_scale_bits and
     the GPU's scale_from_byte): bits = s ? (((s >> 3) + 103) << 23) | ((s & 7) << 20) : 0
     is the float d(s), for all 256 bytes (exhaustive, through Flocq's IEEE decoding);
   - the AVX2 unpacking of a full block with 16-bit lane shifts, byte masks and the bit-6
     byte spreader (src/cpu/q35_dot_avx2.c) is q35_unpack_planes, for any 56 bytes;
   - the scalar shift/mask unpacking q35_unpack_codes_fast (src/cpu/q35_dot.c) is
     q35_unpack_planes for every m and every byte string;
   - the GPU tile extraction tile_codes (src/cuda/q35_kernels.cu) puts code q = 4j + r in
     byte r as docs/FORMAT.md's tile layout says, the shared-memory address built by
     __byte_perm is base + 256 code + 4 lane, and the dequant kernel's byte extraction;
   - int8 grid values are exact in fp16 (the half2 lookup table). *)
From Coq Require Import ZArith List Lia Bool Reals Lra.
From Flocq Require Import Core IEEE754.BinarySingleNaN IEEE754.Binary IEEE754.Bits.
From Q35 Require Import Q35Util Q35Format Q35Codes Q35Scale.
Import ListNotations.
Open Scope Z_scope.

(* ---------- bit helpers ---------- *)

Lemma bit_spec a n : 0 <= n -> (a / 2 ^ n) mod 2 = Z.b2z (Z.testbit a n).
Proof. intros. symmetry. apply Z.testbit_spec'. lia. Qed.

Lemma land_ones_mod a n : 0 <= n -> Z.land a (2 ^ n - 1) = a mod 2 ^ n.
Proof. intros. rewrite <- Z.land_ones by lia. unfold Z.ones. rewrite Z.shiftl_1_l. reflexivity. Qed.

Lemma byte_bit y q k : 0 <= q -> 0 <= k < 8 -> ((y / 256 ^ q) mod 256 / 2 ^ k) mod 2 = (y / 2 ^ (8 * q + k)) mod 2.
Proof.
  intros Hq Hk. rewrite !bit_spec by lia. f_equal.
  replace 256 with (2 ^ 8) by reflexivity. rewrite <- Z.pow_mul_r by lia.
  rewrite Z.mod_pow2_bits_low by lia. rewrite Z.div_pow2_bits by lia. f_equal. lia.
Qed.

(* ---------- the scale byte as float bits ---------- *)

(* ((s >> 3) + 103u) << 23 | (s & 7u) << 20, and 0 for s = 0 *)
Definition scale_bits (s : Z) : Z :=
  if s =? 0 then 0 else Z.lor (Z.shiftl (Z.shiftr s 3 + 103) 23) (Z.shiftl (Z.land s 7) 20).

Definition scale_bits_ok (s : Z) : bool :=
  match b32_of_bits (scale_bits s) with
  | B754_finite _ _ false m e _ => andb (Zpos m =? (8 + s mod 8) * 2 ^ 20) (e =? s / 8 - 47)
  | B754_zero _ _ false => s =? 0
  | _ => false
  end.

Lemma scale_bits_all : zall 256 scale_bits_ok = true.
Proof. vm_compute. reflexivity. Qed.

Theorem q35_scale_bits_correct : forall s, 0 <= s <= 255 ->
  is_finite 24 128 (b32_of_bits (scale_bits s)) = true /\
  B2R 24 128 (b32_of_bits (scale_bits s)) = scale_value s.
Proof.
  intros s Hs. destruct (Z.eq_dec s 0) as [->|Hs0]; [split; reflexivity|].
  pose proof (zall_spec _ _ scale_bits_all s ltac:(lia)) as H. unfold scale_bits_ok in H.
  destruct (b32_of_bits (scale_bits s)) as [sg|sg|sg pl Hpl|sg m e Hb]; try discriminate.
  - destruct sg; [discriminate|]. apply Z.eqb_eq in H. contradiction.
  - destruct sg; [discriminate|]. apply andb_true_iff in H as [Hm He]. apply Z.eqb_eq in Hm, He.
    split; [reflexivity|]. unfold B2R, F2R. simpl. rewrite Hm, He.
    unfold scale_value. replace (s =? 0) with false by (symmetry; apply Z.eqb_neq; exact Hs0).
    rewrite mult_IZR. change (IZR (2 ^ 20)) with (IZR (Zpower radix2 20)). rewrite (IZR_Zpower radix2 20) by lia.
    rewrite Rmult_assoc. f_equal.
    rewrite <- bpow_plus. f_equal. ring.
Qed.

(* ---------- byte lanes ---------- *)

Lemma testbit_byte_lo b0 b1 t : 0 <= b0 < 256 -> 0 <= t < 8 -> Z.testbit (b0 + 256 * b1) t = Z.testbit b0 t.
Proof.
  intros Hb Ht. rewrite <- (Z.mod_pow2_bits_low (b0 + 256 * b1) 8 t) by lia.
  assert (E : (b0 + 256 * b1) mod 2 ^ 8 = b0)
    by (change (2 ^ 8) with 256; rewrite (Z.mul_comm 256 b1), Z.mod_add, Z.mod_small; lia).
  rewrite E. reflexivity.
Qed.

Lemma testbit_byte_hi b0 b1 t : 0 <= b0 < 256 -> 0 <= t -> Z.testbit (b0 + 256 * b1) (8 + t) = Z.testbit b1 t.
Proof.
  intros Hb Ht. replace (8 + t) with (t + 8) by ring. rewrite <- Z.div_pow2_bits by lia.
  assert (E : (b0 + 256 * b1) / 2 ^ 8 = b1)
    by (change (2 ^ 8) with 256; rewrite (Z.mul_comm 256 b1), Z.div_add, Z.div_small; lia).
  rewrite E. reflexivity.
Qed.

(* _mm256_srli_epi16 then a byte mask of n bits (n + k <= 8): the low byte of a lane *)
Lemma lane_lo b0 b1 k n : 0 <= b0 < 256 -> 0 <= k -> 0 <= n -> n + k <= 8 ->
  ((Z.shiftr (b0 + 256 * b1) k) mod 256) mod 2 ^ n = (b0 / 2 ^ k) mod 2 ^ n.
Proof.
  intros Hb Hk Hn Hnk. apply Z.bits_inj'. intros i Hi.
  destruct (Z_lt_le_dec i n) as [L|L].
  - rewrite !Z.mod_pow2_bits_low by lia. replace 256 with (2 ^ 8) by reflexivity.
    rewrite Z.mod_pow2_bits_low by lia. rewrite Z.shiftr_spec, Z.div_pow2_bits by lia.
    apply testbit_byte_lo; lia.
  - rewrite !Z.mod_pow2_bits_high by lia. reflexivity.
Qed.

(* ... and the high byte *)
Lemma lane_hi b0 b1 k n : 0 <= b0 < 256 -> 0 <= b1 -> 0 <= k -> 0 <= n -> n + k <= 8 ->
  (((Z.shiftr (b0 + 256 * b1) k) / 256) mod 256) mod 2 ^ n = (b1 / 2 ^ k) mod 2 ^ n.
Proof.
  intros Hb Hb1 Hk Hn Hnk. apply Z.bits_inj'. intros i Hi.
  destruct (Z_lt_le_dec i n) as [L|L].
  - rewrite !Z.mod_pow2_bits_low by lia. replace 256 with (2 ^ 8) by reflexivity.
    rewrite Z.mod_pow2_bits_low by lia. rewrite Z.div_pow2_bits, Z.shiftr_spec, Z.div_pow2_bits by lia.
    replace (i + 8 + k) with (8 + (i + k)) by ring. replace (2 ^ 8) with 256 by reflexivity.
    apply testbit_byte_hi; lia.
  - rewrite !Z.mod_pow2_bits_high by lia. reflexivity.
Qed.

(* _mm256_slli_epi16(v, 4) of bytes below 16: each byte times 16, no carry between bytes *)
Lemma lane_shl4 b0 b1 : 0 <= b0 < 16 -> 0 <= b1 < 16 ->
  (Z.shiftl (b0 + 256 * b1) 4 mod 65536) mod 256 = 16 * b0 /\ (Z.shiftl (b0 + 256 * b1) 4 mod 65536) / 256 = 16 * b1.
Proof.
  intros H0 H1. rewrite Z.shiftl_mul_pow2 by lia. change (2 ^ 4) with 16.
  rewrite (Z.mod_small _ 65536) by lia.
  replace ((b0 + 256 * b1) * 16) with (16 * b0 + (16 * b1) * 256) by ring.
  rewrite Z.mod_add, Z.div_add by lia. rewrite Z.mod_small, Z.div_small by lia. lia.
Qed.

Lemma or_fields_all : zall 16 (fun a => zall 4 (fun b => zall 2 (fun c =>
  Z.lor (Z.lor a (16 * b)) (64 * c) =? a + 16 * b + 64 * c))) = true.
Proof. vm_compute. reflexivity. Qed.

Lemma or_fields a b c : 0 <= a < 16 -> 0 <= b < 4 -> 0 <= c < 2 -> Z.lor (Z.lor a (16 * b)) (64 * c) = a + 16 * b + 64 * c.
Proof.
  intros Ha Hb Hc. pose proof (zall_spec _ _ or_fields_all a Ha) as H1. pose proof (zall_spec _ _ H1 b Hb) as H2.
  pose proof (zall_spec _ _ H2 c Hc) as H3. apply Z.eqb_eq. exact H3.
Qed.

(* ---------- the AVX2 bit-6 spreader ---------- *)

(* __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32(b), spread);   spread[i] = i / 8
   v = _mm256_cmpeq_epi8(_mm256_and_si256(v, sel), sel);              sel[i] = 1 << (i % 8)
   return _mm256_and_si256(v, _mm256_set1_epi8(64));                  *)
Definition set1_epi32 (b : Z) (k : Z) : Z := (b / 256 ^ (k mod 4)) mod 256.
Definition spread (i : Z) : Z := i / 8.
Definition shuffle_epi8 (v idx : Z -> Z) (i : Z) : Z :=
  if Z.testbit (idx i) 7 then 0 else v (16 * (i / 16) + idx i mod 16).
Definition sel_bytes (i : Z) : Z := (9241421688590303745 / 256 ^ (i mod 8)) mod 256.  (* 0x8040201008040201 *)
Definition cmpeq (a b : Z) : Z := if a =? b then 255 else 0.
Definition bit6_bytes (b : Z) (i : Z) : Z :=
  Z.land (cmpeq (Z.land (shuffle_epi8 (set1_epi32 b) spread i) (sel_bytes i)) (sel_bytes i)) 64.

Lemma bit6_inner : zall 256 (fun x => zall 8 (fun k =>
  Z.land (cmpeq (Z.land x ((9241421688590303745 / 256 ^ k) mod 256)) ((9241421688590303745 / 256 ^ k) mod 256)) 64
  =? 64 * ((x / 2 ^ k) mod 2))) = true.
Proof. vm_compute. reflexivity. Qed.

Theorem q35_avx2_bit6_bytes : forall b i, 0 <= b < 2 ^ 32 -> 0 <= i < 32 -> bit6_bytes b i = 64 * ((b / 2 ^ i) mod 2).
Proof.
  intros b i Hb Hi. unfold bit6_bytes, shuffle_epi8, spread, set1_epi32, sel_bytes.
  assert (Hs : Z.testbit (i / 8) 7 = false).
  { apply Z.bits_above_log2; [apply Z.div_pos; lia|]. assert (i / 8 < 4) by (apply Z.div_lt_upper_bound; lia).
    destruct (Z.eq_dec (i / 8) 0) as [E|E]; [rewrite E; simpl; lia|].
    apply Z.log2_lt_pow2; [assert (0 <= i / 8) by (apply Z.div_pos; lia); lia|]. simpl. lia. }
  rewrite Hs.
  assert (Hq : (16 * (i / 16) + (i / 8) mod 16) mod 4 = i / 8).
  { assert (i / 8 < 4) by (apply Z.div_lt_upper_bound; lia). assert (0 <= i / 8) by (apply Z.div_pos; lia).
    rewrite (Z.mod_small (i / 8) 16) by lia. Z.div_mod_to_equations. lia. }
  rewrite Hq.
  set (x := (b / 256 ^ (i / 8)) mod 256). assert (Hx : 0 <= x < 256) by (apply Z.mod_pos_bound; lia).
  pose proof (zall_spec _ _ bit6_inner x Hx) as H1. cbv beta in H1.
  pose proof (zall_spec _ _ H1 (i mod 8) (Z.mod_pos_bound i 8 ltac:(lia))) as H2. apply Z.eqb_eq in H2.
  rewrite H2. unfold x. rewrite byte_bit by (try apply Z.div_pos; try apply Z.mod_pos_bound; lia).
  rewrite <- Z.div_mod by lia. reflexivity.
Qed.

(* ---------- the AVX2 unpacking of a full block (q35_dot_q35_avx2) ---------- *)

(* registers as functions from byte index to byte; 16-bit lane operations *)
Definition lane16 (v : Z -> Z) (j : Z) : Z := v (2 * (j / 2)) + 256 * v (2 * (j / 2) + 1).
Definition srli16 (v : Z -> Z) (k : Z) (j : Z) : Z :=
  let r := Z.shiftr (lane16 v j) k in if Z.even j then r mod 256 else (r / 256) mod 256.
Definition slli16 (v : Z -> Z) (k : Z) (j : Z) : Z :=
  let r := Z.shiftl (lane16 v j) k mod 65536 in if Z.even j then r mod 256 else r / 256.
Definition and8 (v : Z -> Z) (c : Z) (j : Z) : Z := Z.land (v j) c.
Definition or8 (a b : Z -> Z) (j : Z) : Z := Z.lor (a j) (b j).
Definition set_m128i (hi lo : Z -> Z) (j : Z) : Z := if j <? 16 then lo j else hi (j - 16).
Definition loadu (p : list Z) (off : Z) (j : Z) : Z := get p (off + j).
(* uint64_t bits; memcpy(&bits, p + 49, 8): little endian *)
Definition load64 (p : list Z) (off : Z) : Z := hl 256 (map (fun k => get p (off + k)) [0; 1; 2; 3; 4; 5; 6; 7]).

(* p = the 56 plane bytes of a full block (block + 1) *)
Definition avx2_codes (p : list Z) (i : Z) : Z :=
  let nib := loadu p 0 in
  let cr := loadu p 32 in
  let bits := load64 p 48 in
  let lo := and8 nib 15 in
  let hi := and8 (srli16 nib 4) 15 in
  let cr01 := set_m128i (srli16 cr 2) cr in
  let cr23 := set_m128i (srli16 cr 6) (srli16 cr 4) in
  let lo := or8 lo (slli16 (and8 cr01 3) 4) in
  let hi := or8 hi (slli16 (and8 cr23 3) 4) in
  let lo := or8 lo (bit6_bytes (bits mod 2 ^ 32)) in
  let hi := or8 hi (bit6_bytes (bits / 2 ^ 32)) in
  if i <? 32 then lo i else hi (i - 32).

Lemma lane16_even v j : Z.even j = true -> lane16 v j = v j + 256 * v (j + 1).
Proof. intros E. unfold lane16. apply Zeven_bool_iff, Zeven_div2 in E. rewrite Z.div2_div in E. rewrite <- E. reflexivity. Qed.

Lemma lane16_odd v j : Z.even j = false -> lane16 v j = v (j - 1) + 256 * v j.
Proof.
  intros E. unfold lane16. assert (Z.odd j = true) by (rewrite <- Z.negb_even, E; reflexivity).
  apply Zodd_bool_iff, Zodd_div2 in H. rewrite Z.div2_div in H.
  replace (2 * (j / 2)) with (j - 1) by lia. replace (j - 1 + 1) with j by ring. reflexivity.
Qed.

(* one lane op: shift right by k and mask n bits is the per-byte shift and mask *)
Lemma srli16_mask v k n j : (forall i, 0 <= v i < 256) -> 0 <= k -> 0 <= n -> n + k <= 8 ->
  (srli16 v k j) mod 2 ^ n = (v j / 2 ^ k) mod 2 ^ n.
Proof.
  intros Hv Hk Hn Hnk. unfold srli16. destruct (Z.even j) eqn:E.
  - rewrite lane16_even by exact E. apply lane_lo; auto.
  - rewrite lane16_odd by exact E. rewrite lane_hi; auto. apply Hv.
Qed.

Lemma srli16_mask4 v k j : (forall i, 0 <= v i < 256) -> 0 <= k <= 6 -> (srli16 v k j) mod 4 = (v j / 2 ^ k) mod 4.
Proof. intros. change 4 with (2 ^ 2). apply srli16_mask; auto; lia. Qed.

Lemma slli16_4 v j : (forall i, 0 <= v i < 16) -> slli16 v 4 j = 16 * v j.
Proof.
  intros Hv. unfold slli16. destruct (Z.even j) eqn:E.
  - rewrite lane16_even by exact E. apply lane_shl4; auto.
  - rewrite lane16_odd by exact E. apply lane_shl4; auto.
Qed.

Lemma load64_bit p off i : (forall k, 0 <= k < 8 -> 0 <= get p (off + k) < 256) -> 0 <= i < 64 ->
  (load64 p off / 2 ^ i) mod 2 = (get p (off + i / 8) / 2 ^ (i mod 8)) mod 2.
Proof.
  intros Hp Hi. unfold load64.
  set (l := map (fun k => get p (off + k)) [0; 1; 2; 3; 4; 5; 6; 7]).
  assert (F : Forall (fun d => 0 <= d < 256) l).
  { unfold l. repeat constructor; apply Hp; lia. }
  assert (Hq : 0 <= i / 8 < 8) by (split; [apply Z.div_pos|apply Z.div_lt_upper_bound]; lia).
  assert (D := hl_digit 256 l (i / 8) ltac:(lia) F ltac:(unfold l; simpl; lia)).
  assert (G : get l (i / 8) = get p (off + i / 8)).
  { unfold l. rewrite get_map_small by (simpl; lia). f_equal. f_equal.
    assert (i / 8 = 0 \/ i / 8 = 1 \/ i / 8 = 2 \/ i / 8 = 3 \/ i / 8 = 4 \/ i / 8 = 5 \/ i / 8 = 6 \/ i / 8 = 7) as Hc by lia.
    repeat destruct Hc as [Hc|Hc]; rewrite Hc; reflexivity. }
  rewrite <- G, <- D. rewrite byte_bit by (try apply Z.mod_pos_bound; try apply Z.div_pos; lia).
  rewrite <- Z.div_mod by lia. reflexivity.
Qed.

Lemma load64_range p off : (forall k, 0 <= k < 8 -> 0 <= get p (off + k) < 256) -> 0 <= load64 p off < 2 ^ 64.
Proof.
  intros Hp. unfold load64. replace (2 ^ 64) with (256 ^ Z.of_nat (length (map (fun k => get p (off + k)) [0; 1; 2; 3; 4; 5; 6; 7])))
    by reflexivity.
  apply hl_range; [lia|]. repeat constructor; apply Hp; lia.
Qed.

(* the 64 codes the AVX2 kernel rebuilds are q35_unpack_planes of the full block, for any bytes *)
Theorem q35_avx2_unpack_full : forall p, Z.of_nat (length p) = 56 -> Forall (fun x => 0 <= x < 256) p ->
  forall i, 0 <= i < 64 -> avx2_codes p i = unpack_code p 64 i.
Proof.
  intros p Hlen Hp i Hi.
  assert (B : forall j, 0 <= get p j < 256).
  { intros j. destruct (Z_lt_le_dec j 0) as [N|N].
    - unfold get. replace (Z.to_nat j) with 0%nat by lia. destruct p as [|x r]; [simpl; lia|].
      inversion Hp; subst. simpl. assumption.
    - destruct (Z_lt_le_dec j 56) as [L|L]; [apply Forall_get with (P := fun x => 0 <= x < 256); auto; lia|].
      unfold get. rewrite nth_overflow by lia. lia. }
  assert (BL : forall off j, 0 <= loadu p off j < 256) by (intros; apply B).
  assert (Hb64 := load64_range p 48 (fun k _ => B (48 + k))).
  set (bits := load64 p 48).
  assert (Bit : forall t, 0 <= t < 64 -> (bits / 2 ^ t) mod 2 = (get p (48 + t / 8) / 2 ^ (t mod 8)) mod 2).
  { intros t Ht. apply load64_bit; auto. }
  unfold avx2_codes, unpack_code, h2, h4. change ((64 + 1) / 2) with 32. change ((64 + 3) / 4) with 16.
  fold bits.
  (* the three fields, in each half *)
  destruct (Z_lt_le_dec i 32) as [Lo|Hh].
  - replace (i <? 32) with true by (symmetry; apply Z.ltb_lt; lia).
    unfold or8, and8.
    (* low nibble *)
    assert (F1 : Z.land (loadu p 0 i) 15 = get p i mod 16).
    { rewrite (land_ones_mod _ 4) by lia. unfold loadu. f_equal. }
    (* bits 4-5 *)
    assert (M : forall j, 0 <= Z.land (set_m128i (srli16 (loadu p 32) 2) (loadu p 32) j) 3 < 4).
    { intros j. rewrite (land_ones_mod _ 2) by lia. apply Z.mod_pos_bound. lia. }
    assert (F2 : slli16 (fun j => Z.land (set_m128i (srli16 (loadu p 32) 2) (loadu p 32) j) 3) 4 i =
                 16 * ((get p (32 + i mod 16) / 4 ^ (i / 16)) mod 4)).
    { rewrite slli16_4 by (intros j; specialize (M j); lia). f_equal.
      rewrite (land_ones_mod _ 2) by lia. unfold set_m128i. change (2 ^ 2) with 4.
      destruct (i <? 16) eqn:E.
      - apply Z.ltb_lt in E. rewrite (Z.mod_small i 16) by lia. rewrite (Z.div_small i 16) by lia. rewrite Z.pow_0_r, Z.div_1_r. reflexivity.
      - apply Z.ltb_ge in E. rewrite srli16_mask4 by (auto; lia).
        replace (i / 16) with 1 by (Z.div_mod_to_equations; lia). replace (i mod 16) with (i - 16) by (Z.div_mod_to_equations; lia).
        reflexivity. }
    (* bit 6 *)
    assert (F3 : bit6_bytes (bits mod 2 ^ 32) i = 64 * ((get p (32 + 16 + i / 8) / 2 ^ (i mod 8)) mod 2)).
    { rewrite q35_avx2_bit6_bytes by (try apply Z.mod_pos_bound; lia).
      rewrite bit_spec by lia. rewrite Z.mod_pow2_bits_low by lia. rewrite <- bit_spec by lia.
      rewrite Bit by lia. f_equal. }
    rewrite F1, F2, F3. replace (i <? 32) with true by (symmetry; apply Z.ltb_lt; lia).
    apply or_fields; try apply Z.mod_pos_bound; lia.
  - replace (i <? 32) with false by (symmetry; apply Z.ltb_ge; lia).
    unfold or8, and8.
    assert (F1 : Z.land (srli16 (loadu p 0) 4 (i - 32)) 15 = get p (i - 32) / 16).
    { rewrite (land_ones_mod _ 4) by lia. rewrite srli16_mask by (auto; lia). unfold loadu.
      rewrite Z.mod_small. reflexivity. pose proof (B (0 + (i - 32))). change (2 ^ 4) with 16.
      split; [apply Z.div_pos|apply Z.div_lt_upper_bound]; lia. }
    assert (M : forall j, 0 <= Z.land (set_m128i (srli16 (loadu p 32) 6) (srli16 (loadu p 32) 4) j) 3 < 4).
    { intros j. rewrite (land_ones_mod _ 2) by lia. apply Z.mod_pos_bound. lia. }
    assert (F2 : slli16 (fun j => Z.land (set_m128i (srli16 (loadu p 32) 6) (srli16 (loadu p 32) 4) j) 3) 4 (i - 32) =
                 16 * ((get p (32 + i mod 16) / 4 ^ (i / 16)) mod 4)).
    { rewrite slli16_4 by (intros j; specialize (M j); lia). f_equal.
      rewrite (land_ones_mod _ 2) by lia. unfold set_m128i. change (2 ^ 2) with 4.
      destruct (i - 32 <? 16) eqn:E.
      - apply Z.ltb_lt in E. rewrite srli16_mask4 by (auto; lia).
        replace (i / 16) with 2 by (Z.div_mod_to_equations; lia). replace (i mod 16) with (i - 32) by (Z.div_mod_to_equations; lia).
        reflexivity.
      - apply Z.ltb_ge in E. rewrite srli16_mask4 by (auto; lia).
        replace (i / 16) with 3 by (Z.div_mod_to_equations; lia). replace (i mod 16) with (i - 32 - 16) by (Z.div_mod_to_equations; lia).
        reflexivity. }
    assert (F3 : bit6_bytes (bits / 2 ^ 32) (i - 32) = 64 * ((get p (32 + 16 + i / 8) / 2 ^ (i mod 8)) mod 2)).
    { rewrite q35_avx2_bit6_bytes.
      - rewrite Z.div_div by lia. rewrite <- Z.pow_add_r by lia. replace (32 + (i - 32)) with i by ring.
        rewrite Bit by lia. reflexivity.
      - split; [apply Z.div_pos; lia|]. apply Z.div_lt_upper_bound; [lia|]. change (2 ^ 32 * 2 ^ 32) with (2 ^ 64). lia.
      - lia. }
    rewrite F1, F2, F3.
    apply or_fields; try apply Z.mod_pos_bound; try lia.
    specialize (B (i - 32)). split; [apply Z.div_pos|apply Z.div_lt_upper_bound]; lia.
Qed.

(* ---------- q35_unpack_codes_fast (src/cpu/q35_dot.c), any block length ---------- *)

(* the value each code ends with:
     c[j] = nib[j] & 15  (j < h2);   c[j + h2] = nib[j] >> 4  (j + h2 < m);
     c[j + k h4] |= ((cr[j] >> (2 k)) & 3) << 4;
     c[i] |= ((bit[i >> 3] >> (i & 7)) & 1) << 6;                            *)
Definition fast_code (p : list Z) (m i : Z) : Z :=
  let nib j := get p j in let cr j := get p (h2 m + j) in let bit j := get p (h2 m + h4 m + j) in
  let lo := if i <? h2 m then Z.land (nib i) 15 else Z.shiftr (nib (i - h2 m)) 4 in
  let mid := Z.shiftl (Z.land (Z.shiftr (cr (i mod h4 m)) (2 * (i / h4 m))) 3) 4 in
  let hi := Z.shiftl (Z.land (Z.shiftr (bit (Z.shiftr i 3)) (Z.land i 7)) 1) 6 in
  Z.lor (Z.lor lo mid) hi.

Theorem q35_unpack_codes_fast_correct : forall p m i, 1 <= m -> Forall (fun x => 0 <= x < 256) p ->
  0 <= i < m -> fast_code p m i = unpack_code p m i.
Proof.
  intros p m i Hm Hp Hi. pose proof (h_facts m Hm) as Hh.
  assert (B : forall j, 0 <= get p j < 256).
  { intros j. destruct (Z_lt_le_dec j 0) as [N|N].
    - unfold get. replace (Z.to_nat j) with 0%nat by lia. destruct p as [|x r]; [simpl; lia|].
      inversion Hp; subst. simpl. assumption.
    - destruct (Z_lt_le_dec j (Z.of_nat (length p))) as [L|L]; [apply Forall_get with (P := fun x => 0 <= x < 256); auto; lia|].
      unfold get. rewrite nth_overflow by lia. lia. }
  unfold fast_code, unpack_code. cbv zeta.
  assert (E1 : Z.shiftr i 3 = i / 8) by (rewrite Z.shiftr_div_pow2 by lia; reflexivity).
  assert (E2 : Z.land i 7 = i mod 8) by (change 7 with (2 ^ 3 - 1); rewrite land_ones_mod by lia; reflexivity).
  assert (E3 : forall x k, 0 <= k -> Z.land (Z.shiftr x k) 1 = (x / 2 ^ k) mod 2)
    by (intros; change 1 with (2 ^ 1 - 1); rewrite land_ones_mod, Z.shiftr_div_pow2 by lia; reflexivity).
  assert (E4 : forall x k, 0 <= k -> Z.land (Z.shiftr x k) 3 = (x / 2 ^ k) mod 4)
    by (intros; change 3 with (2 ^ 2 - 1); rewrite land_ones_mod, Z.shiftr_div_pow2 by lia; reflexivity).
  assert (E5 : forall x, Z.shiftl x 4 = 16 * x) by (intros; rewrite Z.shiftl_mul_pow2 by lia; ring).
  assert (E6 : forall x, Z.shiftl x 6 = 64 * x) by (intros; rewrite Z.shiftl_mul_pow2 by lia; ring).
  assert (Q : 0 <= i / h4 m) by (apply Z.div_pos; lia).
  rewrite E1, E2, E3, E4, E5, E6 by (try apply Z.mod_pos_bound; lia).
  rewrite Z.pow_mul_r by lia. change (2 ^ 2) with 4.
  assert (Lo : 0 <= (if i <? h2 m then Z.land (get p i) 15 else Z.shiftr (get p (i - h2 m)) 4) < 16 /\
               (if i <? h2 m then Z.land (get p i) 15 else Z.shiftr (get p (i - h2 m)) 4) =
               (if i <? h2 m then get p i mod 16 else get p (i - h2 m) / 16)).
  { destruct (i <? h2 m).
    - change 15 with (2 ^ 4 - 1). rewrite (land_ones_mod _ 4) by lia. change (2 ^ 4) with 16.
      split; [apply Z.mod_pos_bound; lia|reflexivity].
    - rewrite Z.shiftr_div_pow2 by lia. change (2 ^ 4) with 16. specialize (B (i - h2 m)).
      split; [split; [apply Z.div_pos|apply Z.div_lt_upper_bound]; lia|reflexivity]. }
  destruct Lo as [LoR LoE]. rewrite LoE in *.
  apply or_fields; try apply Z.mod_pos_bound; lia.
Qed.

(* ---------- the GPU tile layout (tile_codes in src/cuda/q35_kernels.cu) ---------- *)

(* w = nibble word j/2, c = crumb word j/4, B = the bit word:
   ((w >> (4*(j&1))) & 0x0F0F0F0F) | (((c >> (2*(j&3))) & 0x03030303) << 4) | (((B >> j) & 0x01010101) << 6) *)
Definition tile_codes (w c B j : Z) : Z :=
  Z.lor (Z.lor (Z.land (Z.shiftr w (4 * Z.land j 1)) 252645135)
               (Z.shiftl (Z.land (Z.shiftr c (2 * Z.land j 3)) 50529027) 4))
        (Z.shiftl (Z.land (Z.shiftr B j) 16843009) 6).

Definition fld (x s n : Z) : Z := (x / 2 ^ s) mod 2 ^ n.

(* byte r of the result is the code of slot 4j + r as docs/FORMAT.md's tile layout stores it:
   low nibble at bit 4(2r + j mod 2) of w, bits 4-5 at bit 2(4r + j mod 4) of c, bit 6 at bit
   8r + j of B *)
Lemma tb_shiftl a n m : 0 <= n -> Z.testbit (Z.shiftl a n) m = if m <? n then false else Z.testbit a (m - n).
Proof.
  intros Hn. destruct (Z_lt_le_dec m 0) as [N|N].
  - rewrite Z.testbit_neg_r by lia. replace (m <? n) with true by (symmetry; apply Z.ltb_lt; lia). reflexivity.
  - destruct (m <? n) eqn:E.
    + apply Z.ltb_lt in E. apply Z.shiftl_spec_low. lia.
    + apply Z.ltb_ge in E. apply Z.shiftl_spec_high; lia.
Qed.

(* the byte masks 0x0F0F0F0F, 0x03030303, 0x01010101: bit t of every byte is set iff t < n *)
Definition mask_ok (M n : Z) : bool :=
  andb (zall 4 (fun r => zall 8 (fun t => Bool.eqb (Z.testbit M (8 * r + t)) (t <? n)))) ((0 <=? M) && (M <? 2 ^ 32)).

Lemma masks_ok : mask_ok 252645135 4 = true /\ mask_ok 50529027 2 = true /\ mask_ok 16843009 1 = true.
Proof. vm_compute. repeat split. Qed.

Lemma mask_bit M n r t : mask_ok M n = true -> 0 <= r -> 0 <= t < 8 -> Z.testbit M (8 * r + t) = (r <? 4) && (t <? n).
Proof.
  unfold mask_ok. intros H Hr Ht. apply andb_true_iff in H as [H1 H2]. apply andb_true_iff in H2 as [H2 H3].
  apply Z.leb_le in H2. apply Z.ltb_lt in H3.
  destruct (Z_lt_le_dec r 4) as [L|L].
  - replace (r <? 4) with true by (symmetry; apply Z.ltb_lt; lia). rewrite andb_true_l.
    apply Bool.eqb_prop. exact (zall_spec _ _ (zall_spec _ _ H1 r ltac:(lia)) t Ht).
  - replace (r <? 4) with false by (symmetry; apply Z.ltb_ge; lia). rewrite andb_false_l.
    destruct (Z.eq_dec M 0) as [->|HM]; [apply Z.bits_0|].
    apply Z.bits_above_log2; [lia|]. apply Z.log2_lt_pow2; [lia|].
    assert (2 ^ 32 <= 2 ^ (8 * r + t)) by (apply Z.pow_le_mono_r; lia). lia.
Qed.

(* byte r of ((x >> k) & M) << s, with M's bytes n-bit masks and n + s <= 8: field n of x, times 2^s *)
Lemma field_byte x k s n M r : 0 <= x -> 0 <= k -> 0 <= s -> 0 <= n -> n + s <= 8 -> 0 <= r < 4 ->
  mask_ok M n = true ->
  ((Z.shiftl (Z.land (Z.shiftr x k) M) s) / 2 ^ (8 * r)) mod 2 ^ 8 = 2 ^ s * ((x / 2 ^ (8 * r + k)) mod 2 ^ n).
Proof.
  intros Hx Hk Hs Hn Hns Hr HM. apply Z.bits_inj'. intros t Ht.
  rewrite Z.testbit_mod_pow2, Z.div_pow2_bits, tb_shiftl by lia.
  rewrite (Z.mul_comm (2 ^ s)), Z.mul_pow2_bits by lia.
  destruct (Z_lt_le_dec t 8) as [T8|T8].
  - replace (t <? 8) with true by (symmetry; apply Z.ltb_lt; lia). rewrite andb_true_l.
    destruct (Z_lt_le_dec t s) as [Ts|Ts].
    + rewrite (Z.testbit_neg_r _ (t - s)) by lia.
      destruct (t + 8 * r <? s) eqn:E; [reflexivity|]. apply Z.ltb_ge in E.
      rewrite Z.land_spec. replace (t + 8 * r - s) with (8 * (r - 1) + (t + 8 - s)) by ring.
      rewrite (mask_bit M n (r - 1) (t + 8 - s) HM) by lia.
      replace (t + 8 - s <? n) with false by (symmetry; apply Z.ltb_ge; lia). rewrite !andb_false_r. reflexivity.
    + replace (t + 8 * r <? s) with false by (symmetry; apply Z.ltb_ge; lia).
      rewrite Z.testbit_mod_pow2, Z.div_pow2_bits, Z.land_spec, Z.shiftr_spec by lia.
      replace (t + 8 * r - s) with (8 * r + (t - s)) by ring.
      rewrite (mask_bit M n r (t - s) HM) by lia. replace (r <? 4) with true by (symmetry; apply Z.ltb_lt; lia).
      rewrite andb_true_l. replace (8 * r + (t - s) + k) with (t - s + (8 * r + k)) by ring.
      apply andb_comm.
  - replace (t <? 8) with false by (symmetry; apply Z.ltb_ge; lia). rewrite andb_false_l.
    rewrite Z.testbit_mod_pow2 by lia. replace (t - s <? n) with false by (symmetry; apply Z.ltb_ge; lia). reflexivity.
Qed.

Lemma byte_lor a b r : 0 <= r -> (Z.lor a b / 2 ^ (8 * r)) mod 2 ^ 8 = Z.lor ((a / 2 ^ (8 * r)) mod 2 ^ 8) ((b / 2 ^ (8 * r)) mod 2 ^ 8).
Proof.
  intros Hr. apply Z.bits_inj'. intros t Ht. rewrite Z.lor_spec, !Z.testbit_mod_pow2, !Z.div_pow2_bits, Z.lor_spec by lia.
  destruct (t <? 8); reflexivity.
Qed.

Theorem q35_tile_codes_layout : forall w c B j r, 0 <= w -> 0 <= c -> 0 <= B -> 0 <= j < 8 -> 0 <= r < 4 ->
  (tile_codes w c B j / 2 ^ (8 * r)) mod 2 ^ 8 =
  fld w (4 * (2 * r + j mod 2)) 4 + 16 * fld c (2 * (4 * r + j mod 4)) 2 + 64 * fld B (8 * r + j) 1.
Proof.
  intros w c B j r Hw Hc HB Hj Hr. destruct masks_ok as [M4 [M2 M1]]. unfold tile_codes, fld.
  assert (J1 : Z.land j 1 = j mod 2)
    by (replace (Z.land j 1) with (Z.land j (Z.ones 1)) by reflexivity; rewrite Z.land_ones by lia; reflexivity).
  assert (J3 : Z.land j 3 = j mod 4)
    by (replace (Z.land j 3) with (Z.land j (Z.ones 2)) by reflexivity; rewrite Z.land_ones by lia; reflexivity).
  rewrite J1, J3. pose proof (Z.mod_pos_bound j 2 ltac:(lia)). pose proof (Z.mod_pos_bound j 4 ltac:(lia)).
  rewrite !byte_lor by lia.
  rewrite <- (Z.shiftl_0_r (Z.land (Z.shiftr w (4 * (j mod 2))) 252645135)).
  rewrite (field_byte w _ 0 4 _ r), (field_byte c _ 4 2 _ r), (field_byte B _ 6 1 _ r) by (auto; lia).
  replace (8 * r + 4 * (j mod 2)) with (4 * (2 * r + j mod 2)) by ring.
  replace (8 * r + 2 * (j mod 4)) with (2 * (4 * r + j mod 4)) by ring.
  change (2 ^ 0) with 1. change (2 ^ 4) with 16. change (2 ^ 6) with 64. rewrite Z.mul_1_l.
  apply or_fields; apply Z.mod_pos_bound; lia.
Qed.

(* ---------- the GPU lookup address built by __byte_perm (tile_mma) ---------- *)

(* byte n of x; __byte_perm(x, y, s): byte n of the result is byte (s >> 4n) & 7 of y:x *)
Definition byte (x n : Z) : Z := (x / 2 ^ (8 * n)) mod 2 ^ 8.
Definition byte_perm (x y s : Z) : Z :=
  hl 256 (map (fun n => byte (x + 2 ^ 32 * y) ((s / 2 ^ (4 * n)) mod 8)) [0; 1; 2; 3]).

Lemma get4_0 (a b c d : Z) : get [a; b; c; d] 0 = a. Proof. reflexivity. Qed.
Lemma get4_1 (a b c d : Z) : get [a; b; c; d] 1 = b. Proof. reflexivity. Qed.
Lemma get4_2 (a b c d : Z) : get [a; b; c; d] 2 = c. Proof. reflexivity. Qed.
Lemma get4_3 (a b c d : Z) : get [a; b; c; d] 3 = d. Proof. reflexivity. Qed.

Lemma byte_hl4 b0 b1 b2 b3 n : 0 <= b0 < 256 -> 0 <= b1 < 256 -> 0 <= b2 < 256 -> 0 <= b3 < 256 -> 0 <= n < 4 ->
  byte (hl 256 [b0; b1; b2; b3]) n = get [b0; b1; b2; b3] n.
Proof.
  intros. unfold byte. replace (2 ^ (8 * n)) with (256 ^ n) by (rewrite Z.pow_mul_r by lia; reflexivity).
  change (2 ^ 8) with 256. apply hl_digit; [lia| |simpl; lia]. repeat constructor; lia.
Qed.

Lemma byte_hi x y n : 0 <= x < 2 ^ 32 -> 4 <= n -> byte (x + 2 ^ 32 * y) n = byte y (n - 4).
Proof.
  intros Hx Hn. unfold byte. replace (8 * n) with (32 + 8 * (n - 4)) by ring.
  rewrite Z.pow_add_r by lia. rewrite <- Z.div_div by (try apply Z.pow_pos_nonneg; lia).
  rewrite (Z.mul_comm (2 ^ 32) y), Z.div_add, (Z.div_small x) by (try apply Z.pow_pos_nonneg; lia). reflexivity.
Qed.

Lemma byte_lo x y n : 0 <= x < 2 ^ 32 -> 0 <= n < 4 -> byte (x + 2 ^ 32 * y) n = byte x n.
Proof.
  intros Hx Hn. unfold byte. apply Z.bits_inj'. intros t Ht.
  rewrite !Z.testbit_mod_pow2, !Z.div_pow2_bits by lia.
  destruct (t <? 8) eqn:E; [|reflexivity]. apply Z.ltb_lt in E. cbn [andb].
  rewrite (Z.mul_comm (2 ^ 32) y), <- Z.shiftl_mul_pow2 by lia. rewrite Z.add_nocarry_lxor.
  - rewrite Z.lxor_spec, Z.shiftl_spec_low by lia. apply xorb_false_r.
  - apply Z.bits_inj'. intros i Hi. rewrite Z.land_spec, Z.bits_0.
    destruct (Z_lt_le_dec i 32) as [L|L].
    + rewrite Z.shiftl_spec_low by lia. apply andb_false_r.
    + rewrite (Z.bits_above_log2 x i); [reflexivity|lia|].
      destruct (Z.eq_dec x 0) as [->|Hx0]; [simpl; lia|]. apply Z.log2_lt_pow2; [lia|].
      assert (2 ^ 32 <= 2 ^ i) by (apply Z.pow_le_mono_r; lia). lia.
Qed.

Lemma lor_small_high a h k : 0 <= a < 2 ^ k -> 0 <= k -> Z.lor a (h * 2 ^ k) = a + h * 2 ^ k.
Proof.
  intros Ha Hk. rewrite <- Z.shiftl_mul_pow2 by lia. symmetry. rewrite Z.add_nocarry_lxor.
  - apply Z.lxor_lor. apply Z.bits_inj'. intros i Hi. rewrite Z.land_spec, Z.bits_0.
    destruct (Z_lt_le_dec i k) as [L|L].
    + rewrite Z.shiftl_spec_low by lia. apply andb_false_r.
    + destruct (Z.eq_dec a 0) as [->|Ha0]; [rewrite Z.bits_0; reflexivity|].
      rewrite (Z.bits_above_log2 a i); [reflexivity|lia|]. apply Z.log2_lt_pow2; [lia|].
      assert (2 ^ k <= 2 ^ i) by (apply Z.pow_le_mono_r; lia). lia.
  - apply Z.bits_inj'. intros i Hi. rewrite Z.land_spec, Z.bits_0.
    destruct (Z_lt_le_dec i k) as [L|L].
    + rewrite Z.shiftl_spec_low by lia. apply andb_false_r.
    + destruct (Z.eq_dec a 0) as [->|Ha0]; [rewrite Z.bits_0; reflexivity|].
      rewrite (Z.bits_above_log2 a i); [reflexivity|lia|]. apply Z.log2_lt_pow2; [lia|].
      assert (2 ^ k <= 2 ^ i) by (apply Z.pow_le_mono_r; lia). lia.
Qed.

(* the kernels check (base & 0xFF) == 0 and ((base >> 8) & 0xFF) <= 128 (else __trap());
   ysrc = lane * 4 | (base & 0xFFFF0000); badd = ((base >> 8) & 0xFF) * 0x01010101;
   codes = tile_codes(...) + badd; address = __byte_perm(codes, ysrc, 0x7604 | (r << 4)).
   The address is base + 256 * code_r + 4 * lane: entry code_r * 64 + lane of the table. *)
Theorem q35_lut_address : forall b0 b1 b2 b3 base lane r,
  0 <= b0 < 128 -> 0 <= b1 < 128 -> 0 <= b2 < 128 -> 0 <= b3 < 128 ->
  0 <= base < 2 ^ 32 -> Z.land base 255 = 0 -> Z.land (Z.shiftr base 8) 255 <= 128 ->
  0 <= lane < 32 -> 0 <= r < 4 ->
  let codes := hl 256 [b0; b1; b2; b3] in
  let badd := Z.land (Z.shiftr base 8) 255 * 16843009 in
  let ysrc := Z.lor (lane * 4) (Z.land base 4294901760) in
  codes + badd < 2 ^ 32 /\
  byte_perm (codes + badd) ysrc (Z.lor 30212 (Z.shiftl r 4)) = base + 256 * get [b0; b1; b2; b3] r + 4 * lane.
Proof.
  intros b0 b1 b2 b3 base lane r H0 H1 H2 H3 Hb Hlo Hc Hl Hr codes badd ysrc.
  set (c := Z.land (Z.shiftr base 8) 255) in *.
  assert (Ec : c = (base / 256) mod 256).
  { unfold c. change 255 with (2 ^ 8 - 1). rewrite land_ones_mod, Z.shiftr_div_pow2 by lia. reflexivity. }
  assert (Elo : base mod 256 = 0).
  { change 255 with (2 ^ 8 - 1) in Hlo. rewrite land_ones_mod in Hlo by lia. exact Hlo. }
  set (hi := base / 65536).
  assert (Ebase : base = 256 * c + 65536 * hi) by (rewrite Ec; unfold hi; Z.div_mod_to_equations; lia).
  assert (Hhi : 0 <= hi < 65536) by (unfold hi; split; [apply Z.div_pos|apply Z.div_lt_upper_bound]; lia).
  assert (Hc0 : 0 <= c) by (rewrite Ec; apply Z.mod_pos_bound; lia).
  (* codes + badd, digit by digit *)
  assert (Ecb : codes + badd = hl 256 [b0 + c; b1 + c; b2 + c; b3 + c]) by (unfold codes, badd; fold c; cbn [hl]; ring).
  assert (Rng : 0 <= hl 256 [b0 + c; b1 + c; b2 + c; b3 + c] < 2 ^ 32).
  { change (2 ^ 32) with (256 ^ Z.of_nat (length [b0 + c; b1 + c; b2 + c; b3 + c])).
    apply hl_range; [lia|]. repeat constructor; lia. }
  (* ysrc *)
  assert (Eland : Z.land base 4294901760 = hi * 2 ^ 16).
  { apply Z.bits_inj'. intros i Hi. rewrite Z.land_spec. unfold hi.
    change 65536 with (2 ^ 16). rewrite Z.mul_pow2_bits by lia.
    destruct (Z_lt_le_dec i 16) as [L|L].
    - rewrite (Z.testbit_neg_r _ (i - 16)) by lia.
      assert (Z.testbit 4294901760 i = false).
      { assert (i = 0 \/ i = 1 \/ i = 2 \/ i = 3 \/ i = 4 \/ i = 5 \/ i = 6 \/ i = 7 \/ i = 8 \/ i = 9 \/
                i = 10 \/ i = 11 \/ i = 12 \/ i = 13 \/ i = 14 \/ i = 15) as Hc' by lia.
        repeat destruct Hc' as [Hc'|Hc']; subst i; reflexivity. }
      rewrite H. apply andb_false_r.
    - rewrite Z.div_pow2_bits by lia. replace (i - 16 + 16) with i by ring.
      destruct (Z_lt_le_dec i 32) as [L2|L2].
      + assert (Z.testbit 4294901760 i = true).
        { assert (i = 16 \/ i = 17 \/ i = 18 \/ i = 19 \/ i = 20 \/ i = 21 \/ i = 22 \/ i = 23 \/ i = 24 \/ i = 25 \/
                  i = 26 \/ i = 27 \/ i = 28 \/ i = 29 \/ i = 30 \/ i = 31) as Hc' by lia.
          repeat destruct Hc' as [Hc'|Hc']; subst i; reflexivity. }
        rewrite H. apply andb_true_r.
      + rewrite (Z.bits_above_log2 base i); [reflexivity|lia|].
        destruct (Z.eq_dec base 0) as [->|Hb0]; [simpl; lia|]. apply Z.log2_lt_pow2; [lia|].
        assert (2 ^ 32 <= 2 ^ i) by (apply Z.pow_le_mono_r; lia). lia. }
  assert (Ey : ysrc = hl 256 [lane * 4; 0; hi mod 256; hi / 256]).
  { unfold ysrc. rewrite Eland, lor_small_high by (change (2 ^ 16) with 65536; lia).
    cbn [hl]. change (2 ^ 16) with 65536. Z.div_mod_to_equations. lia. }
  assert (Hy : 0 <= hi / 256 < 256) by (split; [apply Z.div_pos|apply Z.div_lt_upper_bound]; lia).
  assert (Hy2 : 0 <= hi mod 256 < 256) by (apply Z.mod_pos_bound; lia).
  split; [rewrite Ecb; lia|].
  unfold byte_perm. rewrite Ecb, Ey.
  set (X := hl 256 [b0 + c; b1 + c; b2 + c; b3 + c]) in *.
  set (Y := hl 256 [lane * 4; 0; hi mod 256; hi / 256]).
  assert (BX : forall n, 0 <= n < 4 -> byte X n = get [b0 + c; b1 + c; b2 + c; b3 + c] n)
    by (intros; unfold X; apply byte_hl4; lia).
  assert (BY : forall n, 0 <= n < 4 -> byte Y n = get [lane * 4; 0; hi mod 256; hi / 256] n)
    by (intros; unfold Y; apply byte_hl4; lia).
  assert (Hr' : r = 0 \/ r = 1 \/ r = 2 \/ r = 3) by lia.
  repeat destruct Hr' as [Hr'|Hr']; subst r; cbn [map];
    (* the selector nibbles of 0x7604 | (r << 4): 4, r, 6, 7 *)
    repeat match goal with |- context [(?s / 2 ^ ?k) mod 8] =>
      let v := eval vm_compute in ((s / 2 ^ k) mod 8) in change ((s / 2 ^ k) mod 8) with v end;
    rewrite (byte_hi X Y 4), (byte_hi X Y 6), (byte_hi X Y 7) by lia;
    rewrite byte_lo by lia;
    rewrite !BY by lia; rewrite BX by lia;
    rewrite ?get4_0, ?get4_1, ?get4_2, ?get4_3; cbn [hl];
    rewrite Ebase; Z.div_mod_to_equations; lia.
Qed.

(* dequant_kernel: lut[((codes >> (8 * r)) & 0x7F) * 32 + lane]: the byte is the code *)
Theorem q35_dequant_code_byte : forall w c B j r, 0 <= w -> 0 <= c -> 0 <= B -> 0 <= j < 8 -> 0 <= r < 4 ->
  Z.land (Z.shiftr (tile_codes w c B j) (8 * r)) 127 = (tile_codes w c B j / 2 ^ (8 * r)) mod 2 ^ 8.
Proof.
  intros w c B j r Hw Hc HB Hj Hr.
  pose proof (q35_tile_codes_layout w c B j r Hw Hc HB Hj Hr) as E. unfold fld in E.
  assert (A : 0 <= (w / 2 ^ (4 * (2 * r + j mod 2))) mod 2 ^ 4 < 16) by (apply Z.mod_pos_bound; lia).
  assert (Bc : 0 <= (c / 2 ^ (2 * (4 * r + j mod 4))) mod 2 ^ 2 < 4) by (apply Z.mod_pos_bound; lia).
  assert (Cb : 0 <= (B / 2 ^ (8 * r + j)) mod 2 ^ 1 < 2) by (apply Z.mod_pos_bound; lia).
  change 127 with (2 ^ 7 - 1). rewrite land_ones_mod, Z.shiftr_div_pow2 by lia.
  set (x := tile_codes w c B j / 2 ^ (8 * r)) in *.
  assert (Small : x mod 2 ^ 8 < 2 ^ 7) by (rewrite E; change (2 ^ 7) with 128; lia).
  assert (M : (x mod 2 ^ 8) mod 2 ^ 7 = x mod 2 ^ 7).
  { apply Z.bits_inj'. intros i Hi. rewrite !Z.testbit_mod_pow2 by lia.
    destruct (i <? 7) eqn:T; [|reflexivity]. apply Z.ltb_lt in T.
    replace (i <? 8) with true by (symmetry; apply Z.ltb_lt; lia). reflexivity. }
  rewrite <- M. apply Z.mod_small. split; [apply Z.mod_pos_bound; lia|exact Small].
Qed.

(* build_lut: the grid's int8 values are exact in fp16, so the half2 table holds G exactly *)
Theorem q35_grid_fp16_exact : forall g, -128 <= g <= 127 -> generic_format radix2 fmt16 (IZR g).
Proof. intros g Hg. apply fmt16_int. change (2 ^ 11) with 2048. lia. Qed.

(* mm_simt_kernel spells the same extraction with a per-slot shift:
   ((W >> (4 * (2 * r + j % 2))) & 15u) | (((C >> (2 * (4 * r + j % 4))) & 3u) << 4) | (((B >> (8 * r + j)) & 1u) << 6)
   which is the byte of tile_codes: both GPU paths decode the same code. *)
Definition simt_code (w c B j r : Z) : Z :=
  Z.lor (Z.lor (Z.land (Z.shiftr w (4 * (2 * r + j mod 2))) 15) (Z.shiftl (Z.land (Z.shiftr c (2 * (4 * r + j mod 4))) 3) 4))
        (Z.shiftl (Z.land (Z.shiftr B (8 * r + j)) 1) 6).

Theorem q35_simt_code_tile : forall w c B j r, 0 <= w -> 0 <= c -> 0 <= B -> 0 <= j < 8 -> 0 <= r < 4 ->
  simt_code w c B j r = (tile_codes w c B j / 2 ^ (8 * r)) mod 2 ^ 8.
Proof.
  intros w c B j r Hw Hc HB Hj Hr. rewrite q35_tile_codes_layout by lia. unfold simt_code, fld.
  pose proof (Z.mod_pos_bound j 2 ltac:(lia)). pose proof (Z.mod_pos_bound j 4 ltac:(lia)).
  assert (E4 : forall x k, 0 <= k -> Z.land (Z.shiftr x k) 15 = (x / 2 ^ k) mod 2 ^ 4)
    by (intros; change 15 with (2 ^ 4 - 1); rewrite land_ones_mod, Z.shiftr_div_pow2 by lia; reflexivity).
  assert (E2 : forall x k, 0 <= k -> Z.land (Z.shiftr x k) 3 = (x / 2 ^ k) mod 2 ^ 2)
    by (intros; change 3 with (2 ^ 2 - 1); rewrite land_ones_mod, Z.shiftr_div_pow2 by lia; reflexivity).
  assert (E1 : forall x k, 0 <= k -> Z.land (Z.shiftr x k) 1 = (x / 2 ^ k) mod 2 ^ 1)
    by (intros x k Hk; replace (Z.land (Z.shiftr x k) 1) with (Z.land (Z.shiftr x k) (Z.ones 1)) by reflexivity;
        rewrite Z.land_ones, Z.shiftr_div_pow2 by lia; reflexivity).
  rewrite E4, E2, E1 by lia.
  assert (S4 : forall x, Z.shiftl x 4 = 16 * x) by (intros; rewrite Z.shiftl_mul_pow2 by lia; ring).
  assert (S6 : forall x, Z.shiftl x 6 = 64 * x) by (intros; rewrite Z.shiftl_mul_pow2 by lia; ring).
  rewrite S4, S6. apply or_fields.
  - change 16 with (2 ^ 4). apply Z.mod_pos_bound. lia.
  - change 4 with (2 ^ 2). apply Z.mod_pos_bound. lia.
  - change 2 with (2 ^ 1). apply Z.mod_pos_bound. lia.
Qed.

(* ---------- the AVX-512 VBMI unpacking and lookup (src/cpu/q35_dot_avx512.c) ---------- *)

(* __m512i c = _mm512_inserti64x4(_mm512_castsi256_si512(nib), _mm256_srli_epi16(nib, 4), 1);
   c = _mm512_and_si512(c, m0f);
   __m512i cr = _mm512_broadcast_i32x4(_mm_loadu_si128(p + 33));
   cr = _mm512_and_si512(_mm512_srlv_epi16(cr, crumb_shift), m03);   16-bit lanes of 128-bit lane L shift by 2L
   c = _mm512_or_si512(c, _mm512_slli_epi16(cr, 4));
   c = _mm512_mask_blend_epi8((__mmask64)bits, c, _mm512_or_si512(c, b6));                       *)
Definition srlv16 (v : Z -> Z) (cnt : Z -> Z) (j : Z) : Z :=
  let r := Z.shiftr (lane16 v j) (cnt j) in if Z.even j then r mod 256 else (r / 256) mod 256.
Definition crumb_shift (j : Z) : Z := 2 * (j / 16).
Definition avx512_codes (p : list Z) (i : Z) : Z :=
  let nib := loadu p 0 in
  let c0 := and8 (fun j => if j <? 32 then nib j else srli16 nib 4 (j - 32)) 15 in
  let cr := and8 (srlv16 (fun j => get p (32 + j mod 16)) crumb_shift) 3 in
  let c1 := or8 c0 (slli16 cr 4) in
  let bits := load64 p 48 in
  if Z.testbit bits i then Z.lor (c1 i) 64 else c1 i.

Lemma lane16_shift v cnt j : Z.even j = false -> cnt (j - 1) = cnt j ->
  Z.shiftr (lane16 v j) (cnt j) = Z.shiftr (lane16 v (j - 1)) (cnt (j - 1)).
Proof.
  intros E C. rewrite C. f_equal. rewrite lane16_odd by exact E.
  assert (Z.even (j - 1) = true) by (rewrite Z.even_sub, E; reflexivity).
  rewrite lane16_even by assumption. replace (j - 1 + 1) with j by ring. reflexivity.
Qed.

Lemma srlv16_mask v cnt k n j : (forall i, 0 <= v i < 256) -> cnt j = k -> cnt (2 * (j / 2)) = k ->
  0 <= k -> 0 <= n -> n + k <= 8 -> (srlv16 v cnt j) mod 2 ^ n = (v j / 2 ^ k) mod 2 ^ n.
Proof.
  intros Hv Cj C0 Hk Hn Hnk. unfold srlv16. rewrite Cj. destruct (Z.even j) eqn:E.
  - rewrite lane16_even by exact E. apply lane_lo; auto.
  - rewrite lane16_odd by exact E. rewrite lane_hi; auto. apply Hv.
Qed.

(* the 64 codes the AVX-512 kernel rebuilds are q35_unpack_planes of the block, for any bytes *)
Theorem q35_avx512_unpack_full : forall p, Z.of_nat (length p) = 56 -> Forall (fun x => 0 <= x < 256) p ->
  forall i, 0 <= i < 64 -> avx512_codes p i = unpack_code p 64 i.
Proof.
  intros p Hlen Hp i Hi.
  assert (B : forall j, 0 <= get p j < 256).
  { intros j. destruct (Z_lt_le_dec j 0) as [N|N].
    - unfold get. replace (Z.to_nat j) with 0%nat by lia. destruct p as [|x r]; [simpl; lia|].
      inversion Hp; subst. simpl. assumption.
    - destruct (Z_lt_le_dec j 56) as [L|L]; [apply Forall_get with (P := fun x => 0 <= x < 256); auto; lia|].
      unfold get. rewrite nth_overflow by lia. lia. }
  assert (Hb64 := load64_range p 48 (fun k _ => B (48 + k))).
  assert (Bit : (load64 p 48 / 2 ^ i) mod 2 = (get p (48 + i / 8) / 2 ^ (i mod 8)) mod 2) by (apply load64_bit; auto).
  unfold avx512_codes, unpack_code, h2, h4. change ((64 + 1) / 2) with 32. change ((64 + 3) / 4) with 16.
  change (32 + 16) with 48. unfold or8, and8.
  (* low nibble *)
  assert (F1 : Z.land (if i <? 32 then loadu p 0 i else srli16 (loadu p 0) 4 (i - 32)) 15 =
               (if i <? 32 then get p i mod 16 else get p (i - 32) / 16) /\
               0 <= (if i <? 32 then get p i mod 16 else get p (i - 32) / 16) < 16).
  { change 15 with (2 ^ 4 - 1). rewrite (land_ones_mod _ 4) by lia. destruct (i <? 32).
    - split; [reflexivity|]. apply Z.mod_pos_bound. lia.
    - rewrite srli16_mask by (try (intros; apply B); lia). unfold loadu. simpl (0 + _). pose proof (B (i - 32)).
      change (2 ^ 4) with 16. rewrite Z.mod_small by (split; [apply Z.div_pos|apply Z.div_lt_upper_bound]; lia).
      split; [reflexivity|split; [apply Z.div_pos|apply Z.div_lt_upper_bound]; lia]. }
  destruct F1 as [F1 R1]. rewrite F1.
  (* bits 4-5: the crumb of code i *)
  assert (M : forall j, 0 <= Z.land (srlv16 (fun j => get p (32 + j mod 16)) crumb_shift j) 3 < 4).
  { intros j. change 3 with (2 ^ 2 - 1). rewrite (land_ones_mod _ 2) by lia. apply Z.mod_pos_bound. lia. }
  rewrite slli16_4 by (intros j; specialize (M j); lia).
  assert (F2 : Z.land (srlv16 (fun j => get p (32 + j mod 16)) crumb_shift i) 3 = (get p (32 + i mod 16) / 4 ^ (i / 16)) mod 4).
  { change 3 with (2 ^ 2 - 1). rewrite (land_ones_mod _ 2) by lia.
    rewrite (srlv16_mask _ _ (2 * (i / 16)) 2) by (try (intros; apply B); unfold crumb_shift;
      try (Z.div_mod_to_equations; lia); pose proof (Z.div_pos i 16 ltac:(lia) ltac:(lia));
      try (assert (i / 16 < 4) by (apply Z.div_lt_upper_bound; lia)); lia).
    rewrite Z.pow_mul_r by (try apply Z.div_pos; lia). reflexivity. }
  rewrite F2.
  assert (R2 : 0 <= (get p (32 + i mod 16) / 4 ^ (i / 16)) mod 4 < 4) by (apply Z.mod_pos_bound; lia).
  (* bit 6 *)
  rewrite <- (Z.testbit_spec' (load64 p 48) i) in Bit by lia.
  destruct (Z.testbit (load64 p 48) i) eqn:T.
  - change (Z.b2z true) with 1 in Bit. rewrite <- Bit.
    assert (E : Z.lor (Z.lor (if i <? 32 then get p i mod 16 else get p (i - 32) / 16)
                  (16 * ((get p (32 + i mod 16) / 4 ^ (i / 16)) mod 4))) 64 =
                Z.lor (Z.lor (if i <? 32 then get p i mod 16 else get p (i - 32) / 16)
                  (16 * ((get p (32 + i mod 16) / 4 ^ (i / 16)) mod 4))) (64 * 1)) by reflexivity.
    rewrite E, or_fields by lia. reflexivity.
  - change (Z.b2z false) with 0 in Bit. rewrite <- Bit.
    rewrite <- (Z.lor_0_r (Z.lor _ _)). change 0 with (64 * 0). rewrite or_fields by lia. ring.
Qed.

(* vpermi2b: byte i = (idx & 64 ? b : a)[idx & 63]; the split tables tx = permutex2var(g0, 2i, g1) etc.
   hold the first (second) coordinates of the 128 pairs; so the lookup of a code c < 128 is
   G[c][0] (G[c][1]). g k is byte k of the 256-byte grid: G[k / 2][k mod 2]. *)
Definition permutex2var (a b idx : Z -> Z) (i : Z) : Z :=
  if Z.testbit (idx i) 6 then b (idx i mod 64) else a (idx i mod 64).

Theorem q35_avx512_lookup : forall (g : Z -> Z) (c : Z -> Z) (i : Z), 0 <= c i < 128 ->
  let ie := fun k => 2 * k in let io := fun k => 2 * k + 1 in
  let tx0 := permutex2var g (fun k => g (64 + k)) ie in
  let tx1 := permutex2var (fun k => g (128 + k)) (fun k => g (192 + k)) ie in
  let ty0 := permutex2var g (fun k => g (64 + k)) io in
  let ty1 := permutex2var (fun k => g (128 + k)) (fun k => g (192 + k)) io in
  permutex2var tx0 tx1 c i = g (2 * c i) /\ permutex2var ty0 ty1 c i = g (2 * c i + 1).
Proof.
  intros g c i Hc. cbv zeta. unfold permutex2var.
  assert (TA : zall 128 (fun x => Bool.eqb (Z.testbit x 6) (64 <=? x)) = true) by (vm_compute; reflexivity).
  assert (T : forall x, 0 <= x < 128 -> Z.testbit x 6 = (64 <=? x)).
  { intros x Hx. apply Bool.eqb_prop. exact (zall_spec _ _ TA x Hx). }
  set (x := c i) in *.
  assert (Hm : 0 <= x mod 64 < 64) by (apply Z.mod_pos_bound; lia).
  rewrite (T x Hc), (T (2 * (x mod 64))) by lia.
  assert (Hm1 : 0 <= 2 * (x mod 64) + 1 < 128) by lia. rewrite (T (2 * (x mod 64) + 1) Hm1).
  destruct (64 <=? x) eqn:E1; [apply Z.leb_le in E1|apply Z.leb_gt in E1];
    destruct (64 <=? 2 * (x mod 64)) eqn:E2; [apply Z.leb_le in E2| |apply Z.leb_le in E2|];
    try apply Z.leb_gt in E2;
    destruct (64 <=? 2 * (x mod 64) + 1) eqn:E3; try apply Z.leb_le in E3; try apply Z.leb_gt in E3;
    split; f_equal; Z.div_mod_to_equations; lia.
Qed.

(* _mm512_unpacklo/hi_epi8(gx, gy) and _mm512_extracti32x4_epi32(lo/hi, L): the int8 weight
   that meets x[q] (q = 32 L + k, k < 16 from lo, q = 32 L + 16 + k from hi) is coordinate q mod 2
   of code q / 2: the weights come out in row order *)
Definition unpacklo8 (a b : Z -> Z) (n : Z) : Z :=
  if Z.even (n mod 16) then a (16 * (n / 16) + (n mod 16) / 2) else b (16 * (n / 16) + (n mod 16) / 2).
Definition unpackhi8 (a b : Z -> Z) (n : Z) : Z :=
  if Z.even (n mod 16) then a (16 * (n / 16) + 8 + (n mod 16) / 2) else b (16 * (n / 16) + 8 + (n mod 16) / 2).
Definition weight_at (gx gy : Z -> Z) (q : Z) : Z :=
  let L := q / 32 in let k := q mod 32 in
  if k <? 16 then unpacklo8 gx gy (16 * L + k) else unpackhi8 gx gy (16 * L + (k - 16)).

Theorem q35_avx512_weight_order : forall gx gy q, 0 <= q < 128 ->
  weight_at gx gy q = if Z.even q then gx (q / 2) else gy (q / 2).
Proof.
  intros gx gy q Hq. unfold weight_at, unpacklo8, unpackhi8.
  assert (Hk : 0 <= q mod 32 < 32) by (apply Z.mod_pos_bound; lia).
  destruct (q mod 32 <? 16) eqn:E; [apply Z.ltb_lt in E|apply Z.ltb_ge in E].
  - assert (A1 : (16 * (q / 32) + q mod 32) mod 16 = q mod 32) by (Z.div_mod_to_equations; lia).
    assert (A2 : (16 * (q / 32) + q mod 32) / 16 = q / 32) by (Z.div_mod_to_equations; lia).
    rewrite A1, A2.
    assert (P : Z.even (q mod 32) = Z.even q).
    { rewrite (Z.div_mod q 32) at 2 by lia. rewrite Z.even_add, Z.even_mul. simpl. destruct (Z.even (q mod 32)); reflexivity. }
    rewrite P. assert (I : 16 * (q / 32) + q mod 32 / 2 = q / 2) by (Z.div_mod_to_equations; lia).
    rewrite I. reflexivity.
  - assert (A1 : (16 * (q / 32) + (q mod 32 - 16)) mod 16 = q mod 32 - 16) by (Z.div_mod_to_equations; lia).
    assert (A2 : (16 * (q / 32) + (q mod 32 - 16)) / 16 = q / 32) by (Z.div_mod_to_equations; lia).
    rewrite A1, A2.
    assert (P : Z.even (q mod 32 - 16) = Z.even q).
    { rewrite (Z.div_mod q 32) at 2 by lia. rewrite Z.even_sub, Z.even_add, Z.even_mul. simpl.
      destruct (Z.even (q mod 32)); reflexivity. }
    rewrite P. assert (I : 16 * (q / 32) + 8 + (q mod 32 - 16) / 2 = q / 2) by (Z.div_mod_to_equations; lia).
    rewrite I. reflexivity.
Qed.
