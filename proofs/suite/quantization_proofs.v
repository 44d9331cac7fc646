(* The q35 prover suite: facts about 3.5-bit weight quantization (docs/FORMAT.md) for
   `q35 prove`. quantization_proofs.v holds the hand-written proofs; quantization.v is
   generated from it by scripts/suite_strip.sh, with every proof replaced by Admitted, and
   is not edited by hand. scripts/prove_suite.sh checks both. The comment before each
   lemma gives its difficulty tier (proofs/suite/README.md). *)
From Coq Require Import ZArith Lia List Bool Reals Lra Psatz.
Import ListNotations.
Open Scope Z_scope.

(* ================= A. clamping and rounding ================= *)

(* clamp x into [lo, hi] *)
Definition clamp (lo hi x : Z) : Z := Z.max lo (Z.min hi x).

(* round-half-up of x / d for d > 0, in integer arithmetic *)
Definition rdiv (x d : Z) : Z := (2 * x + d) / (2 * d).

(* the level of x on the grid d * {-m .. m}: rounded, then clamped *)
Definition qlevel (m d x : Z) : Z := clamp (- m) m (rdiv x d).

(* tier 1 *)
Lemma int8_saturate_range x : -128 <= Z.max (-128) (Z.min 127 x) <= 127.
Proof. lia. Qed.

(* tier 1 *)
Lemma clamp_order_swap lo hi x : lo <= hi -> Z.max lo (Z.min hi x) = Z.min hi (Z.max lo x).
Proof. lia. Qed.

(* tier 2 *)
Lemma clamp_range lo hi x : lo <= hi -> lo <= clamp lo hi x <= hi.
Proof. intros H. unfold clamp. lia. Qed.

(* tier 2 *)
Lemma clamp_id lo hi x : lo <= x <= hi -> clamp lo hi x = x.
Proof. intros H. unfold clamp. lia. Qed.

(* tier 2 *)
Lemma clamp_idem lo hi x : lo <= hi -> clamp lo hi (clamp lo hi x) = clamp lo hi x.
Proof. intros H. apply clamp_id. apply clamp_range. exact H. Qed.

(* tier 2 *)
Lemma clamp_mono lo hi x y : x <= y -> clamp lo hi x <= clamp lo hi y.
Proof. intros H. unfold clamp. lia. Qed.

(* tier 2 *)
Lemma clamp_opp m x : 0 <= m -> clamp (- m) m (- x) = - clamp (- m) m x.
Proof. intros H. unfold clamp. lia. Qed.

(* tier 2 *)
Lemma clamp_lipschitz lo hi x y : Z.abs (clamp lo hi x - clamp lo hi y) <= Z.abs (x - y).
Proof. unfold clamp. lia. Qed.

(* tier 2 *)
Lemma clamp_nearest lo hi x y : lo <= y <= hi -> Z.abs (x - clamp lo hi x) <= Z.abs (x - y).
Proof. intros H. unfold clamp. lia. Qed.

(* tier 2 *)
Lemma rdiv_spec x d : 0 < d -> 2 * d * rdiv x d <= 2 * x + d < 2 * d * rdiv x d + 2 * d.
Proof.
  intros Hd. unfold rdiv.
  pose proof (Z.div_mod (2 * x + d) (2 * d) ltac:(lia)).
  pose proof (Z.mod_pos_bound (2 * x + d) (2 * d) ltac:(lia)).
  lia.
Qed.

(* tier 3 *)
Lemma rdiv_err x d : 0 < d -> Z.abs (2 * (x - d * rdiv x d)) <= d.
Proof. intros Hd. pose proof (rdiv_spec x d Hd). lia. Qed.

(* tier 2 *)
Lemma rdiv_mono x y d : 0 < d -> x <= y -> rdiv x d <= rdiv y d.
Proof. intros Hd Hxy. unfold rdiv. apply Z.div_le_mono; lia. Qed.

(* tier 3 *)
Lemma rdiv_exact k d : 0 < d -> rdiv (d * k) d = k.
Proof.
  intros Hd. unfold rdiv.
  replace (2 * (d * k) + d) with (d + k * (2 * d)) by ring.
  rewrite Z.div_add by lia. rewrite Z.div_small by lia. ring.
Qed.

(* tier 3 *)
Lemma rdiv_nearest x d q : 0 < d -> Z.abs (2 * (x - d * rdiv x d)) <= Z.abs (2 * (x - d * q)).
Proof.
  intros Hd. pose proof (rdiv_spec x d Hd) as H. set (r := rdiv x d) in *.
  destruct (Z.lt_trichotomy q r) as [Lt|[Eq|Gt]].
  - assert (d * q <= d * r - d) by nia. lia.
  - rewrite Eq. lia.
  - assert (d * r + d <= d * q) by nia. lia.
Qed.

(* tier 3 *)
Lemma qlevel_err m d x : 0 < d -> Z.abs x <= d * m -> Z.abs (2 * (x - d * qlevel m d x)) <= d.
Proof.
  intros Hd Hx. pose proof (rdiv_spec x d Hd) as H.
  assert (rdiv x d <= m) by nia. assert (- m <= rdiv x d) by nia.
  unfold qlevel. rewrite clamp_id by lia. apply rdiv_err. exact Hd.
Qed.

(* tier 3 *)
Lemma qlevel_saturate m d x : 0 < d -> 0 <= m -> d * m <= x -> qlevel m d x = m.
Proof.
  intros Hd Hm Hx. pose proof (rdiv_mono (d * m) x d Hd Hx) as H.
  rewrite rdiv_exact in H by exact Hd.
  unfold qlevel, clamp. lia.
Qed.

(* ================= B. the product code q35_p11 ================= *)

(* levels a, b in {-5..5}; the pair's value 11a + b, stored as its 7-bit two's complement *)
Definition p11_val (a b : Z) : Z := 11 * a + b.
Definition p11_code (a b : Z) : Z := p11_val a b mod 128.
(* sign extension of a 7-bit code *)
Definition sx7 (c : Z) : Z := if c <? 64 then c else c - 128.
(* the decoder: v + 60 = 11 (a + 5) + (b + 5) *)
Definition p11_a (v : Z) : Z := (v + 60) / 11 - 5.
Definition p11_b (v : Z) : Z := (v + 60) mod 11 - 5.

(* tier 1 *)
Lemma p11_val_bound a b : -5 <= a <= 5 -> -5 <= b <= 5 -> -60 <= 11 * a + b <= 60.
Proof. lia. Qed.

(* tier 1 *)
Lemma p11_val_opp a b : 11 * (- a) + (- b) = - (11 * a + b).
Proof. ring. Qed.

(* tier 1 *)
Lemma p11_code_corners : p11_code 0 0 = 0 /\ p11_code 5 5 = 60 /\ p11_code (-5) (-5) = 68.
Proof. repeat split. Qed.

(* tier 2 *)
Lemma p11_val_inj a b a' b' : -5 <= b <= 5 -> -5 <= b' <= 5 -> p11_val a b = p11_val a' b' -> a = a' /\ b = b'.
Proof. unfold p11_val. lia. Qed.

(* tier 3 *)
Lemma p11_a_val a b : -5 <= b <= 5 -> p11_a (p11_val a b) = a.
Proof.
  intros Hb. unfold p11_a, p11_val.
  replace (11 * a + b + 60) with ((b + 5) + (a + 5) * 11) by ring.
  rewrite Z.div_add by lia. rewrite Z.div_small by lia. ring.
Qed.

(* tier 3 *)
Lemma p11_b_val a b : -5 <= b <= 5 -> p11_b (p11_val a b) = b.
Proof.
  intros Hb. unfold p11_b, p11_val.
  replace (11 * a + b + 60) with ((b + 5) + (a + 5) * 11) by ring.
  rewrite Z.mod_add by lia. rewrite Z.mod_small by lia. ring.
Qed.

(* tier 2 *)
Lemma p11_a_range v : -60 <= v <= 60 -> -5 <= p11_a v <= 5.
Proof. intros Hv. unfold p11_a. Z.div_mod_to_equations. lia. Qed.

(* tier 2 *)
Lemma p11_b_range v : -5 <= p11_b v <= 5.
Proof. unfold p11_b. pose proof (Z.mod_pos_bound (v + 60) 11 ltac:(lia)). lia. Qed.

(* tier 2 *)
Lemma p11_val_ab v : p11_val (p11_a v) (p11_b v) = v.
Proof. unfold p11_val, p11_a, p11_b. pose proof (Z.div_mod (v + 60) 11 ltac:(lia)). lia. Qed.

(* tier 3 *)
Lemma sx7_mod v : -64 <= v < 64 -> sx7 (v mod 128) = v.
Proof.
  intros Hv. unfold sx7.
  pose proof (Z.div_mod v 128 ltac:(lia)). pose proof (Z.mod_pos_bound v 128 ltac:(lia)).
  destruct (Z.ltb_spec (v mod 128) 64); lia.
Qed.

(* tier 3 *)
Lemma p11_decode_code a b : -5 <= a <= 5 -> -5 <= b <= 5 -> p11_a (sx7 (p11_code a b)) = a /\ p11_b (sx7 (p11_code a b)) = b.
Proof.
  intros Ha Hb. unfold p11_code. rewrite sx7_mod by (unfold p11_val; lia).
  split; [apply p11_a_val | apply p11_b_val]; exact Hb.
Qed.

(* tier 2 *)
Lemma p11_unused c : 61 <= c <= 67 -> 60 < Z.abs (sx7 c).
Proof. intros H. unfold sx7. destruct (Z.ltb_spec c 64); lia. Qed.

(* tier 3 *)
Lemma p11_code_used a b : -5 <= a <= 5 -> -5 <= b <= 5 -> ~ (61 <= p11_code a b <= 67).
Proof.
  intros Ha Hb H. pose proof (p11_unused _ H) as U.
  unfold p11_code in U. rewrite sx7_mod in U by (unfold p11_val; lia).
  unfold p11_val in U. lia.
Qed.

(* ================= C. the split code q35_s43 and sign extension ================= *)

(* first weight 4-bit signed [-8, 7], second 3-bit signed [-4, 3], stored offset-binary *)
Definition s43_code (a b : Z) : Z := 8 * (a + 8) + (b + 4).
Definition s43_a (c : Z) : Z := c / 8 - 8.
Definition s43_b (c : Z) : Z := c mod 8 - 4.
(* sign extension of 4-bit and 3-bit two's complement fields *)
Definition sx4 (x : Z) : Z := if x <? 8 then x else x - 16.
Definition sx3 (x : Z) : Z := if x <? 4 then x else x - 8.

(* tier 1 *)
Lemma s43_code_bound a b : -8 <= a <= 7 -> -4 <= b <= 3 -> 0 <= 8 * (a + 8) + (b + 4) < 128.
Proof. lia. Qed.

(* tier 1 *)
Lemma s43_code_zero : s43_code 0 0 = 68.
Proof. reflexivity. Qed.

(* tier 3 *)
Lemma s43_a_code a b : -4 <= b <= 3 -> s43_a (s43_code a b) = a.
Proof.
  intros Hb. unfold s43_a, s43_code.
  replace (8 * (a + 8) + (b + 4)) with ((b + 4) + (a + 8) * 8) by ring.
  rewrite Z.div_add by lia. rewrite Z.div_small by lia. ring.
Qed.

(* tier 3 *)
Lemma s43_b_code a b : -4 <= b <= 3 -> s43_b (s43_code a b) = b.
Proof.
  intros Hb. unfold s43_b, s43_code.
  replace (8 * (a + 8) + (b + 4)) with ((b + 4) + (a + 8) * 8) by ring.
  rewrite Z.mod_add by lia. rewrite Z.mod_small by lia. ring.
Qed.

(* tier 2 *)
Lemma s43_code_ab c : s43_code (s43_a c) (s43_b c) = c.
Proof. unfold s43_code, s43_a, s43_b. pose proof (Z.div_mod c 8 ltac:(lia)). lia. Qed.

(* tier 2 *)
Lemma s43_ranges c : 0 <= c < 128 -> -8 <= s43_a c <= 7 /\ -4 <= s43_b c <= 3.
Proof. intros Hc. unfold s43_a, s43_b. Z.div_mod_to_equations. lia. Qed.

(* tier 2 *)
Lemma sx4_range x : 0 <= x < 16 -> -8 <= sx4 x <= 7.
Proof. intros Hx. unfold sx4. destruct (Z.ltb_spec x 8); lia. Qed.

(* tier 3 *)
Lemma sx4_mod a : -8 <= a <= 7 -> sx4 (a mod 16) = a.
Proof.
  intros Ha. unfold sx4.
  pose proof (Z.div_mod a 16 ltac:(lia)). pose proof (Z.mod_pos_bound a 16 ltac:(lia)).
  destruct (Z.ltb_spec (a mod 16) 8); lia.
Qed.

(* tier 2 *)
Lemma sx4_branchless x : 0 <= x < 16 -> sx4 x = x - 16 * (x / 8).
Proof. intros Hx. unfold sx4. destruct (Z.ltb_spec x 8); Z.div_mod_to_equations; lia. Qed.

(* tier 3 *)
Lemma sx4_xor x : 0 <= x < 16 -> sx4 x = Z.lxor x 8 - 8.
Proof.
  intros Hx.
  assert (H : x = 0 \/ x = 1 \/ x = 2 \/ x = 3 \/ x = 4 \/ x = 5 \/ x = 6 \/ x = 7 \/ x = 8 \/
              x = 9 \/ x = 10 \/ x = 11 \/ x = 12 \/ x = 13 \/ x = 14 \/ x = 15) by lia.
  repeat (destruct H as [H|H]; [subst x; reflexivity|]). subst x. reflexivity.
Qed.

(* tier 2 *)
Lemma sx3_range x : 0 <= x < 8 -> -4 <= sx3 x <= 3.
Proof. intros Hx. unfold sx3. destruct (Z.ltb_spec x 4); lia. Qed.

(* tier 2 *)
Lemma sx3_branchless x : 0 <= x < 8 -> sx3 x = x - 8 * (x / 4).
Proof. intros Hx. unfold sx3. destruct (Z.ltb_spec x 4); Z.div_mod_to_equations; lia. Qed.

(* tier 3 *)
Lemma s43_offset_is_flipped_sign a : -8 <= a <= 7 -> a + 8 = Z.lxor (a mod 16) 8.
Proof.
  intros Ha. pose proof (Z.mod_pos_bound a 16 ltac:(lia)).
  rewrite <- (sx4_mod a Ha) at 1. rewrite sx4_xor by lia. ring.
Qed.

(* ================= D. bit planes, shifts and masks ================= *)

(* a byte of the nibble plane: code j in the low nibble, code j + h2 in the high one *)
Definition nib_byte (lo hi : Z) : Z := lo + 16 * hi.
(* a byte of the crumb plane: four 2-bit fields *)
Definition crumb_byte (c0 c1 c2 c3 : Z) : Z := c0 + 4 * c1 + 16 * c2 + 64 * c3.
(* a byte (or mask) of the bit plane: bit k is the k-th element *)
Fixpoint bits_byte (l : list Z) : Z :=
  match l with [] => 0 | b :: r => b + 2 * bits_byte r end.

(* tier 1 *)
Lemma shiftl_is_mul x k : 0 <= k -> Z.shiftl x k = x * 2 ^ k.
Proof. apply Z.shiftl_mul_pow2. Qed.

(* tier 1 *)
Lemma shiftr_is_div x k : 0 <= k -> Z.shiftr x k = x / 2 ^ k.
Proof. apply Z.shiftr_div_pow2. Qed.

(* tier 2 *)
Lemma land_low_bits x k : 0 <= k -> Z.land x (2 ^ k - 1) = x mod 2 ^ k.
Proof.
  intros Hk. replace (2 ^ k - 1) with (Z.ones k) by (rewrite Z.ones_equiv; lia).
  apply Z.land_ones. exact Hk.
Qed.

(* tier 2 *)
Lemma land15 x : Z.land x 15 = x mod 16.
Proof. apply (land_low_bits x 4). lia. Qed.

(* tier 2 *)
Lemma land7 x : Z.land x 7 = x mod 8.
Proof. apply (land_low_bits x 3). lia. Qed.

(* tier 1 *)
Lemma nib_byte_bound lo hi : 0 <= lo < 16 -> 0 <= hi < 16 -> 0 <= lo + 16 * hi < 256.
Proof. lia. Qed.

(* tier 2 *)
Lemma nib_byte_lo lo hi : 0 <= lo < 16 -> nib_byte lo hi mod 16 = lo.
Proof.
  intros H. unfold nib_byte. rewrite (Z.mul_comm 16 hi), Z.mod_add by lia.
  apply Z.mod_small. exact H.
Qed.

(* tier 2 *)
Lemma nib_byte_hi lo hi : 0 <= lo < 16 -> nib_byte lo hi / 16 = hi.
Proof.
  intros H. unfold nib_byte. rewrite (Z.mul_comm 16 hi), Z.div_add by lia.
  rewrite Z.div_small by exact H. ring.
Qed.

(* tier 3 *)
Lemma lor_shift_disjoint x y k : 0 <= k -> 0 <= x < 2 ^ k -> Z.lor x (Z.shiftl y k) = x + y * 2 ^ k.
Proof.
  intros Hk Hx.
  assert (H0 : Z.land x (Z.shiftl y k) = 0).
  { apply Z.bits_inj'. intros n Hn. rewrite Z.land_spec, Z.bits_0.
    destruct (Z.lt_ge_cases n k) as [Lt|Ge].
    - rewrite Z.shiftl_spec_low by exact Lt. apply andb_false_r.
    - rewrite <- (Z.mod_small x (2 ^ k)) by exact Hx.
      rewrite Z.mod_pow2_bits_high by lia. reflexivity. }
  rewrite <- Z.lxor_lor by exact H0. rewrite <- Z.add_nocarry_lxor by exact H0.
  rewrite Z.shiftl_mul_pow2 by exact Hk. reflexivity.
Qed.

(* tier 3 *)
Lemma nib_byte_lor lo hi : 0 <= lo < 16 -> Z.lor lo (Z.shiftl hi 4) = nib_byte lo hi.
Proof.
  intros H. unfold nib_byte. rewrite lor_shift_disjoint.
  - change (2 ^ 4) with 16. ring.
  - lia.
  - change (2 ^ 4) with 16. exact H.
Qed.

(* tier 3 *)
Lemma crumb_byte_get c0 c1 c2 c3 : 0 <= c0 < 4 -> 0 <= c1 < 4 -> 0 <= c2 < 4 -> 0 <= c3 < 4 -> crumb_byte c0 c1 c2 c3 mod 4 = c0 /\ (crumb_byte c0 c1 c2 c3 / 4) mod 4 = c1 /\ (crumb_byte c0 c1 c2 c3 / 16) mod 4 = c2 /\ crumb_byte c0 c1 c2 c3 / 64 = c3.
Proof.
  intros H0 H1 H2 H3. unfold crumb_byte. repeat split.
  - symmetry. apply Z.mod_unique with (q := c1 + 4 * c2 + 16 * c3); lia.
  - rewrite <- (Z.div_unique _ 4 (c1 + 4 * c2 + 16 * c3) c0) by lia.
    symmetry. apply Z.mod_unique with (q := c2 + 4 * c3); lia.
  - rewrite <- (Z.div_unique _ 16 (c2 + 4 * c3) (c0 + 4 * c1)) by lia.
    symmetry. apply Z.mod_unique with (q := c3); lia.
  - symmetry. apply Z.div_unique with (r := c0 + 4 * c1 + 16 * c2); lia.
Qed.

(* tier 1 *)
Lemma code_join_bound lo mid hi : 0 <= lo < 16 -> 0 <= mid < 4 -> 0 <= hi < 2 -> 0 <= lo + 16 * mid + 64 * hi < 128.
Proof. lia. Qed.

(* tier 2 *)
Lemma code_fields c : 0 <= c < 128 -> c = c mod 16 + 16 * ((c / 16) mod 4) + 64 * (c / 64).
Proof. intros Hc. Z.div_mod_to_equations. lia. Qed.

(* tier 3 *)
Lemma bits_byte_range l : Forall (fun b => 0 <= b <= 1) l -> 0 <= bits_byte l < 2 ^ Z.of_nat (length l).
Proof.
  induction 1 as [|b r Hb Hr IH]; cbn [bits_byte length].
  - simpl. lia.
  - rewrite Nat2Z.inj_succ, Z.pow_succ_r by lia. lia.
Qed.

(* tier 3 *)
Lemma bits_byte_bit l i : Forall (fun b => 0 <= b <= 1) l -> (bits_byte l / 2 ^ Z.of_nat i) mod 2 = nth i l 0.
Proof.
  intros H. revert i. induction H as [|b r Hb Hr IH]; intros i.
  - cbn [bits_byte]. rewrite Z.div_0_l by (apply Z.pow_nonzero; lia). destruct i; reflexivity.
  - destruct i as [|i]; cbn [bits_byte nth].
    + rewrite Z.pow_0_r, Z.div_1_r. rewrite (Z.mul_comm 2), Z.mod_add by lia.
      apply Z.mod_small. lia.
    + rewrite Nat2Z.inj_succ, Z.pow_succ_r by lia.
      rewrite <- Z.div_div by (try apply Z.pow_pos_nonneg; lia).
      rewrite (Z.mul_comm 2), Z.div_add by lia. rewrite (Z.div_small b 2) by lia.
      rewrite Z.add_0_l. apply IH.
Qed.

(* tier 3 *)
Lemma code_bit6 c : 0 <= c < 128 -> Z.testbit c 6 = (64 <=? c).
Proof.
  intros Hc. pose proof (Z.testbit_spec' c 6 ltac:(lia)) as H. change (2 ^ 6) with 64 in H.
  destruct (Z.testbit c 6), (Z.leb_spec 64 c); try reflexivity; cbn [Z.b2z] in H;
    exfalso; Z.div_mod_to_equations; lia.
Qed.

(* ================= E. blocks, rows and byte offsets ================= *)

(* ceiling division *)
Definition cdiv (x k : Z) : Z := (x + k - 1) / k.
Definition nblocks (n : Z) : Z := cdiv n 128.
Definition ncodes (r : Z) : Z := cdiv r 2.
(* a block of m codes: scale byte, nibble plane, crumb plane, bit plane *)
Definition block_bytes (m : Z) : Z := 1 + cdiv m 2 + cdiv m 4 + cdiv m 8.
(* the number of weights in the last block of a row of n *)
Definition last_len (n : Z) : Z := n - 128 * (nblocks n - 1).
Definition row_bytes (n : Z) : Z :=
  57 * (n / 128) + (if n mod 128 =? 0 then 0 else block_bytes (ncodes (n mod 128))).
(* n 7-bit codes packed densely *)
Definition packed_bytes (n : Z) : Z := cdiv (7 * n) 8.
(* byte offset of block b of row r, rows of rb bytes *)
Definition block_off (rb r b : Z) : Z := r * rb + 57 * b.

(* tier 1 *)
Lemma block_bytes_full : block_bytes 64 = 57.
Proof. reflexivity. Qed.

(* tier 1 *)
Lemma row_bytes_64 : row_bytes 64 = 29.
Proof. reflexivity. Qed.

(* tier 1 *)
Lemma row_bytes_172 : row_bytes 172 = 78.
Proof. reflexivity. Qed.

(* tier 1 *)
Lemma row_bytes_4096 : row_bytes 4096 = 1824.
Proof. reflexivity. Qed.

(* tier 1 *)
Lemma row_bytes_11008 : row_bytes 11008 = 4902.
Proof. reflexivity. Qed.

(* tier 1 *)
Lemma block_bytes_1 : block_bytes 1 = 4.
Proof. reflexivity. Qed.

(* tier 1 *)
Lemma nblocks_edges : nblocks 1 = 1 /\ nblocks 128 = 1 /\ nblocks 129 = 2.
Proof. repeat split. Qed.

(* tier 1 *)
Lemma last_len_172 : nblocks 172 = 2 /\ last_len 172 = 44.
Proof. repeat split. Qed.

(* tier 1 *)
Lemma bits_per_weight_full : 8 * block_bytes 64 * 10000 = 35625 * 128.
Proof. reflexivity. Qed.

(* tier 1 *)
Lemma packed_16 : packed_bytes 16 = 14.
Proof. reflexivity. Qed.

(* tier 2 *)
Lemma cdiv_spec x k : 0 < k -> x <= k * cdiv x k < x + k.
Proof.
  intros Hk. unfold cdiv.
  pose proof (Z.div_mod (x + k - 1) k ltac:(lia)).
  pose proof (Z.mod_pos_bound (x + k - 1) k Hk). lia.
Qed.

(* tier 3 *)
Lemma cdiv_mul q k : 0 < k -> cdiv (k * q) k = q.
Proof.
  intros Hk. unfold cdiv. replace (k * q + k - 1) with ((k - 1) + q * k) by ring.
  rewrite Z.div_add by lia. rewrite Z.div_small by lia. ring.
Qed.

(* tier 2 *)
Lemma cdiv_mono x y k : 0 < k -> x <= y -> cdiv x k <= cdiv y k.
Proof. intros Hk Hxy. unfold cdiv. apply Z.div_le_mono; lia. Qed.

(* tier 3 *)
Lemma packed_mul16 j : packed_bytes (16 * j) = 14 * j.
Proof. unfold packed_bytes. replace (7 * (16 * j)) with (8 * (14 * j)) by ring. apply cdiv_mul. lia. Qed.

(* tier 3 *)
Lemma nblocks_bounds n : 1 <= n -> 128 * (nblocks n - 1) < n <= 128 * nblocks n.
Proof. intros Hn. unfold nblocks. pose proof (cdiv_spec n 128 ltac:(lia)). lia. Qed.

(* tier 3 *)
Lemma last_len_range n : 1 <= n -> 1 <= last_len n <= 128.
Proof. intros Hn. unfold last_len. pose proof (nblocks_bounds n Hn). lia. Qed.

(* tier 2 *)
Lemma nblocks_mul k : nblocks (128 * k) = k.
Proof. unfold nblocks. apply cdiv_mul. lia. Qed.

(* tier 2 *)
Lemma ncodes_pad r : r <= 2 * ncodes r <= r + 1.
Proof. unfold ncodes, cdiv. Z.div_mod_to_equations. lia. Qed.

(* tier 3 *)
Lemma block_bytes_max m : m <= 64 -> block_bytes m <= 57.
Proof.
  intros H. rewrite <- block_bytes_full. unfold block_bytes.
  pose proof (cdiv_mono m 64 2 ltac:(lia) H). pose proof (cdiv_mono m 64 4 ltac:(lia) H).
  pose proof (cdiv_mono m 64 8 ltac:(lia) H). lia.
Qed.

(* tier 3 *)
Lemma row_bytes_full k : row_bytes (128 * k) = 57 * k.
Proof.
  unfold row_bytes. rewrite (Z.mul_comm 128 k), Z.div_mul, Z.mod_mul by lia.
  rewrite Z.eqb_refl. ring.
Qed.

(* tier 3 *)
Lemma row_bytes_le n : 0 <= n -> row_bytes n <= 57 * nblocks n.
Proof.
  intros Hn. unfold row_bytes. pose proof (Z.mod_pos_bound n 128 ltac:(lia)).
  destruct (Z.eqb_spec (n mod 128) 0) as [Z0|NZ].
  - assert (nblocks n = n / 128) by (unfold nblocks, cdiv; Z.div_mod_to_equations; lia). lia.
  - assert (nblocks n = n / 128 + 1) by (unfold nblocks, cdiv; Z.div_mod_to_equations; lia).
    assert (ncodes (n mod 128) <= 64) by (unfold ncodes, cdiv; Z.div_mod_to_equations; lia).
    pose proof (block_bytes_max _ H1). lia.
Qed.

(* tier 1 *)
Lemma block_off_raw nb r b : 0 <= b < nb -> r * (57 * nb) + 57 * b + 57 <= (r + 1) * (57 * nb).
Proof. nia. Qed.

(* tier 2 *)
Lemma block_off_lt rb r b b' : b < b' -> block_off rb r b + 57 <= block_off rb r b'.
Proof. intros H. unfold block_off. lia. Qed.

(* tier 2 *)
Lemma nibble_slot j h : 0 < h -> 0 <= j < 2 * h -> j = j mod h + h * (j / h) /\ 0 <= j / h <= 1.
Proof.
  intros Hh Hj. split.
  - pose proof (Z.div_mod j h ltac:(lia)). lia.
  - split. apply Z.div_pos; lia. assert (j / h < 2) by (apply Z.div_lt_upper_bound; lia). lia.
Qed.

(* ================= F. the E5M3 scale byte ================= *)

(* d = smant s * 2^(sexp s - 27) for s > 0; sval s = d * 2^27 *)
Definition smant (s : Z) : Z := 8 + s mod 8.
Definition sexp (s : Z) : Z := s / 8.
Definition sval (s : Z) : Z := smant s * 2 ^ sexp s.
(* the binary32 bits of d, as the kernels build them *)
Definition f32bits (s : Z) : Z := (s / 8 + 103) * 2 ^ 23 + (s mod 8) * 2 ^ 20.

(* tier 1 *)
Lemma sval_min : sval 1 = 9.
Proof. reflexivity. Qed.

(* tier 1 *)
Lemma sval_max : sval 255 = 15 * 2 ^ 31.
Proof. reflexivity. Qed.

(* tier 1 *)
Lemma sval_one : sval 192 = 2 ^ 27.
Proof. reflexivity. Qed.

(* tier 1 *)
Lemma f32bits_one : f32bits 192 = 1065353216.
Proof. reflexivity. Qed.

(* tier 2 *)
Lemma smant_range s : 8 <= smant s <= 15.
Proof. unfold smant. pose proof (Z.mod_pos_bound s 8 ltac:(lia)). lia. Qed.

(* tier 2 *)
Lemma sexp_range s : 0 <= s < 256 -> 0 <= sexp s <= 31.
Proof. intros Hs. unfold sexp. Z.div_mod_to_equations. lia. Qed.

(* tier 2 *)
Lemma sval_pos s : 0 <= s -> 0 < sval s.
Proof.
  intros Hs. unfold sval. pose proof (smant_range s).
  assert (0 < 2 ^ sexp s) by (apply Z.pow_pos_nonneg; [lia | apply Z.div_pos; lia]). nia.
Qed.

(* tier 3 *)
Lemma sval_lt_succ s : 0 <= s -> sval s < sval (s + 1).
Proof.
  intros Hs. unfold sval, smant, sexp.
  pose proof (Z.mod_pos_bound s 8 ltac:(lia)).
  assert (Hq : 0 <= s / 8) by (apply Z.div_pos; lia).
  pose proof (Z.pow_pos_nonneg 2 (s / 8) ltac:(lia) Hq) as Hp.
  destruct (Z.eq_dec (s mod 8) 7) as [E|E].
  - assert (H1 : (s + 1) / 8 = s / 8 + 1) by (Z.div_mod_to_equations; lia).
    assert (H2 : (s + 1) mod 8 = 0) by (Z.div_mod_to_equations; lia).
    rewrite H1, H2, Z.pow_add_r, Z.pow_1_r by lia. lia.
  - assert (H1 : (s + 1) / 8 = s / 8) by (Z.div_mod_to_equations; lia).
    assert (H2 : (s + 1) mod 8 = s mod 8 + 1) by (Z.div_mod_to_equations; lia).
    rewrite H1, H2. lia.
Qed.

(* tier 3 *)
Lemma sval_mono s t : 0 <= s <= t -> sval s <= sval t.
Proof.
  intros [Hs Hst]. replace t with (s + Z.of_nat (Z.to_nat (t - s))) by lia.
  induction (Z.to_nat (t - s)) as [|n IH].
  - rewrite Z.add_0_r. lia.
  - rewrite Nat2Z.inj_succ. replace (s + Z.succ (Z.of_nat n)) with (s + Z.of_nat n + 1) by lia.
    pose proof (sval_lt_succ (s + Z.of_nat n) ltac:(lia)). lia.
Qed.

(* tier 3 *)
Lemma sval_step s : 0 <= s -> 8 * sval (s + 1) <= 9 * sval s.
Proof.
  intros Hs. unfold sval, smant, sexp.
  pose proof (Z.mod_pos_bound s 8 ltac:(lia)).
  assert (Hq : 0 <= s / 8) by (apply Z.div_pos; lia).
  pose proof (Z.pow_pos_nonneg 2 (s / 8) ltac:(lia) Hq) as Hp.
  destruct (Z.eq_dec (s mod 8) 7) as [E|E].
  - assert (H1 : (s + 1) / 8 = s / 8 + 1) by (Z.div_mod_to_equations; lia).
    assert (H2 : (s + 1) mod 8 = 0) by (Z.div_mod_to_equations; lia).
    rewrite H1, H2, Z.pow_add_r, Z.pow_1_r by lia. lia.
  - assert (H1 : (s + 1) / 8 = s / 8) by (Z.div_mod_to_equations; lia).
    assert (H2 : (s + 1) mod 8 = s mod 8 + 1) by (Z.div_mod_to_equations; lia).
    rewrite H1, H2. nia.
Qed.

(* tier 3 *)
Lemma sval_range s : 1 <= s <= 255 -> 9 <= sval s <= 15 * 2 ^ 31.
Proof.
  intros Hs. rewrite <- sval_min, <- sval_max.
  split; apply sval_mono; lia.
Qed.

(* tier 3 *)
Lemma f32bits_shifts s : f32bits s = Z.lor (Z.shiftl (Z.shiftr s 3 + 103) 23) (Z.shiftl (Z.land s 7) 20).
Proof.
  rewrite land7, Z.shiftr_div_pow2 by lia. change (2 ^ 3) with 8.
  pose proof (Z.mod_pos_bound s 8 ltac:(lia)).
  rewrite Z.lor_comm, lor_shift_disjoint.
  - unfold f32bits. rewrite Z.shiftl_mul_pow2 by lia. ring.
  - lia.
  - rewrite Z.shiftl_mul_pow2 by lia. change (2 ^ 20) with 1048576. change (2 ^ 23) with 8388608. lia.
Qed.

(* ================= G. quantization error in the reals ================= *)

Open Scope R_scope.

Fixpoint dotR (a b : list R) : R :=
  match a, b with x :: a', y :: b' => x * y + dotR a' b' | _, _ => 0 end.
Fixpoint sumabsR (l : list R) : R :=
  match l with [] => 0 | x :: r => Rabs x + sumabsR r end.

(* tier 1 *)
Lemma err_sq_bound d e : - (d / 2) <= e <= d / 2 -> e * e <= d * d / 4.
Proof. nra. Qed.

(* tier 1 *)
Lemma pair_err_sq_bound d e0 e1 : - (d / 2) <= e0 <= d / 2 -> - (d / 2) <= e1 <= d / 2 -> e0 * e0 + e1 * e1 <= d * d / 2.
Proof. nra. Qed.

(* tier 1 *)
Lemma scaled_interval d u q : 0 < d -> q - / 2 <= u <= q + / 2 -> d * q - d / 2 <= d * u <= d * q + d / 2.
Proof. nra. Qed.

(* tier 1 *)
Lemma scale_factor_out d a b x0 x1 : d * a * x0 + d * b * x1 = d * (a * x0 + b * x1).
Proof. ring. Qed.

(* tier 2 *)
Lemma err_interval d x q : d * IZR q - d / 2 <= x <= d * IZR q + d / 2 -> Rabs (x - d * IZR q) <= d / 2.
Proof. intros H. apply Rabs_le. lra. Qed.

(* tier 3 *)
Lemma err_from_ratio d x q : 0 < d -> Rabs (x / d - IZR q) <= / 2 -> Rabs (x - d * IZR q) <= d / 2.
Proof.
  intros Hd H. replace (x - d * IZR q) with (d * (x / d - IZR q)) by (field; lra).
  rewrite Rabs_mult, (Rabs_pos_eq d) by lra.
  assert (d * Rabs (x / d - IZR q) <= d * / 2) by (apply Rmult_le_compat_l; lra). lra.
Qed.

(* tier 2 *)
Lemma err_add e1 e2 u v : Rabs e1 <= u -> Rabs e2 <= v -> Rabs (e1 + e2) <= u + v.
Proof. intros H1 H2. pose proof (Rabs_triang e1 e2). lra. Qed.

(* tier 2 *)
Lemma dequant_mono d q q' : 0 <= d -> (q <= q')%Z -> d * IZR q <= d * IZR q'.
Proof. intros Hd Hq. apply Rmult_le_compat_l. exact Hd. apply IZR_le. exact Hq. Qed.

(* tier 3 *)
Lemma nearest_level d x q q' : 0 < d -> Rabs (x - d * IZR q) <= d / 2 -> Rabs (x - d * IZR q) <= Rabs (x - d * IZR q').
Proof.
  intros Hd H. destruct (Z.lt_trichotomy q' q) as [Lt|[Eq|Gt]].
  - assert (IZR q' <= IZR (q - 1)) by (apply IZR_le; lia). rewrite minus_IZR in H0.
    assert (d * IZR q' <= d * IZR q - d) by nra.
    revert H. unfold Rabs. destruct (Rcase_abs (x - d * IZR q)), (Rcase_abs (x - d * IZR q')); lra.
  - rewrite Eq. lra.
  - assert (IZR (q + 1) <= IZR q') by (apply IZR_le; lia). rewrite plus_IZR in H0.
    assert (d * IZR q + d <= d * IZR q') by nra.
    revert H. unfold Rabs. destruct (Rcase_abs (x - d * IZR q)), (Rcase_abs (x - d * IZR q')); lra.
Qed.

(* tier 3 *)
Lemma dotR_err w v x e : Forall2 (fun a b => Rabs (a - b) <= e) w v -> length x = length w -> Rabs (dotR w x - dotR v x) <= e * sumabsR x.
Proof.
  intros HF. revert x. induction HF as [|a b w' v' Hab HF IH]; intros x Hx;
    destruct x as [|y x']; cbn [dotR sumabsR length] in *; try discriminate Hx.
  - replace (0 - 0) with 0 by ring. rewrite Rabs_R0. lra.
  - injection Hx as Hx. specialize (IH x' Hx).
    replace (a * y + dotR w' x' - (b * y + dotR v' x')) with ((a - b) * y + (dotR w' x' - dotR v' x')) by ring.
    pose proof (Rabs_triang ((a - b) * y) (dotR w' x' - dotR v' x')) as T.
    rewrite Rabs_mult in T. pose proof (Rabs_pos y).
    assert (Rabs (a - b) * Rabs y <= e * Rabs y) by (apply Rmult_le_compat_r; lra).
    lra.
Qed.

(* ================= H. integer dot products ================= *)

Open Scope Z_scope.

Fixpoint dot (a b : list Z) : Z :=
  match a, b with x :: a', y :: b' => x * y + dot a' b' | _, _ => 0 end.
Fixpoint dotabs (a b : list Z) : Z :=
  match a, b with x :: a', y :: b' => Z.abs x * Z.abs y + dotabs a' b' | _, _ => 0 end.
Fixpoint zsum (l : list Z) : Z :=
  match l with [] => 0 | x :: r => x + zsum r end.
Definition bounded (m : Z) (l : list Z) : Prop := Forall (fun x => Z.abs x <= m) l.

(* tier 1 *)
Lemma dot_nil b : dot [] b = 0.
Proof. reflexivity. Qed.

(* tier 1 *)
Lemma dot_cons x a y b : dot (x :: a) (y :: b) = x * y + dot a b.
Proof. reflexivity. Qed.

(* tier 1 *)
Lemma product_bound m x y : 0 <= m -> Z.abs x <= m -> Z.abs y <= m -> Z.abs (x * y) <= m * m.
Proof. nia. Qed.

(* tier 1 *)
Lemma maddubs_no_saturation a0 a1 b0 b1 : 0 <= a0 <= 127 -> 0 <= a1 <= 127 -> -128 <= b0 <= 127 -> -128 <= b1 <= 127 -> -32768 <= a0 * b0 + a1 * b1 <= 32767.
Proof. nia. Qed.

(* tier 2 *)
Lemma dot_nil_r a : dot a [] = 0.
Proof. destruct a; reflexivity. Qed.

(* tier 3 *)
Lemma dot_app a1 a2 b1 b2 : length a1 = length b1 -> dot (a1 ++ a2) (b1 ++ b2) = dot a1 b1 + dot a2 b2.
Proof.
  revert b1. induction a1 as [|x a1 IH]; intros b1 H; destruct b1 as [|y b1]; cbn in H; try discriminate H.
  - reflexivity.
  - cbn [app dot]. rewrite IH by lia. ring.
Qed.

(* tier 3 *)
Lemma dot_scale k a b : dot (map (fun x => k * x) a) b = k * dot a b.
Proof.
  revert b. induction a as [|x a IH]; intros b; destruct b as [|y b]; cbn [map dot]; try ring.
  rewrite IH. ring.
Qed.

(* tier 3 *)
Lemma dot_abs a b : Z.abs (dot a b) <= dotabs a b.
Proof.
  revert b. induction a as [|x a IH]; intros b; destruct b as [|y b]; cbn [dot dotabs]; try lia.
  specialize (IH b). rewrite <- Z.abs_mul. pose proof (Z.abs_triangle (x * y) (dot a b)). lia.
Qed.

(* tier 3 *)
Lemma dotabs_bound ma mb a b : bounded ma a -> bounded mb b -> length a = length b -> dotabs a b <= Z.of_nat (length a) * (ma * mb).
Proof.
  unfold bounded. intros Ha. revert b. induction Ha as [|x a Hx Ha IH]; intros b Hb Hl;
    destruct b as [|y b]; cbn [length] in Hl; try discriminate Hl.
  - cbn. lia.
  - inversion Hb as [|y' b' Hy Hb']. subst. cbn [dotabs length].
    injection Hl as Hl. specialize (IH b Hb' Hl).
    rewrite Nat2Z.inj_succ. pose proof (Z.abs_nonneg x). pose proof (Z.abs_nonneg y). nia.
Qed.

(* tier 3 *)
Lemma dot_bound ma mb a b : bounded ma a -> bounded mb b -> length a = length b -> Z.abs (dot a b) <= Z.of_nat (length a) * (ma * mb).
Proof.
  intros Ha Hb Hl. pose proof (dot_abs a b). pose proof (dotabs_bound ma mb a b Ha Hb Hl). lia.
Qed.

(* tier 3 *)
Lemma dot_int8_int32 a b : bounded 128 a -> bounded 128 b -> length a = length b -> Z.of_nat (length a) <= 131071 -> Z.abs (dot a b) < 2 ^ 31.
Proof.
  intros Ha Hb Hl Hn. pose proof (dot_bound 128 128 a b Ha Hb Hl).
  change (2 ^ 31) with 2147483648. lia.
Qed.

(* tier 3 *)
Lemma dot_bias c a b : length a = length b -> dot (map (fun x => x + c) a) b = dot a b + c * zsum b.
Proof.
  revert b. induction a as [|x a IH]; intros b H; destruct b as [|y b]; cbn in H; try discriminate H.
  - cbn. ring.
  - cbn [map dot zsum]. rewrite IH by lia. ring.
Qed.

