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
Admitted.

(* tier 1 *)
Lemma clamp_order_swap lo hi x : lo <= hi -> Z.max lo (Z.min hi x) = Z.min hi (Z.max lo x).
Admitted.

(* tier 2 *)
Lemma clamp_range lo hi x : lo <= hi -> lo <= clamp lo hi x <= hi.
Admitted.

(* tier 2 *)
Lemma clamp_id lo hi x : lo <= x <= hi -> clamp lo hi x = x.
Admitted.

(* tier 2 *)
Lemma clamp_idem lo hi x : lo <= hi -> clamp lo hi (clamp lo hi x) = clamp lo hi x.
Admitted.

(* tier 2 *)
Lemma clamp_mono lo hi x y : x <= y -> clamp lo hi x <= clamp lo hi y.
Admitted.

(* tier 2 *)
Lemma clamp_opp m x : 0 <= m -> clamp (- m) m (- x) = - clamp (- m) m x.
Admitted.

(* tier 2 *)
Lemma clamp_lipschitz lo hi x y : Z.abs (clamp lo hi x - clamp lo hi y) <= Z.abs (x - y).
Admitted.

(* tier 2 *)
Lemma clamp_nearest lo hi x y : lo <= y <= hi -> Z.abs (x - clamp lo hi x) <= Z.abs (x - y).
Admitted.

(* tier 2 *)
Lemma rdiv_spec x d : 0 < d -> 2 * d * rdiv x d <= 2 * x + d < 2 * d * rdiv x d + 2 * d.
Admitted.

(* tier 3 *)
Lemma rdiv_err x d : 0 < d -> Z.abs (2 * (x - d * rdiv x d)) <= d.
Admitted.

(* tier 2 *)
Lemma rdiv_mono x y d : 0 < d -> x <= y -> rdiv x d <= rdiv y d.
Admitted.

(* tier 3 *)
Lemma rdiv_exact k d : 0 < d -> rdiv (d * k) d = k.
Admitted.

(* tier 3 *)
Lemma rdiv_nearest x d q : 0 < d -> Z.abs (2 * (x - d * rdiv x d)) <= Z.abs (2 * (x - d * q)).
Admitted.

(* tier 3 *)
Lemma qlevel_err m d x : 0 < d -> Z.abs x <= d * m -> Z.abs (2 * (x - d * qlevel m d x)) <= d.
Admitted.

(* tier 3 *)
Lemma qlevel_saturate m d x : 0 < d -> 0 <= m -> d * m <= x -> qlevel m d x = m.
Admitted.

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
Admitted.

(* tier 1 *)
Lemma p11_val_opp a b : 11 * (- a) + (- b) = - (11 * a + b).
Admitted.

(* tier 1 *)
Lemma p11_code_corners : p11_code 0 0 = 0 /\ p11_code 5 5 = 60 /\ p11_code (-5) (-5) = 68.
Admitted.

(* tier 2 *)
Lemma p11_val_inj a b a' b' : -5 <= b <= 5 -> -5 <= b' <= 5 -> p11_val a b = p11_val a' b' -> a = a' /\ b = b'.
Admitted.

(* tier 3 *)
Lemma p11_a_val a b : -5 <= b <= 5 -> p11_a (p11_val a b) = a.
Admitted.

(* tier 3 *)
Lemma p11_b_val a b : -5 <= b <= 5 -> p11_b (p11_val a b) = b.
Admitted.

(* tier 2 *)
Lemma p11_a_range v : -60 <= v <= 60 -> -5 <= p11_a v <= 5.
Admitted.

(* tier 2 *)
Lemma p11_b_range v : -5 <= p11_b v <= 5.
Admitted.

(* tier 2 *)
Lemma p11_val_ab v : p11_val (p11_a v) (p11_b v) = v.
Admitted.

(* tier 3 *)
Lemma sx7_mod v : -64 <= v < 64 -> sx7 (v mod 128) = v.
Admitted.

(* tier 3 *)
Lemma p11_decode_code a b : -5 <= a <= 5 -> -5 <= b <= 5 -> p11_a (sx7 (p11_code a b)) = a /\ p11_b (sx7 (p11_code a b)) = b.
Admitted.

(* tier 2 *)
Lemma p11_unused c : 61 <= c <= 67 -> 60 < Z.abs (sx7 c).
Admitted.

(* tier 3 *)
Lemma p11_code_used a b : -5 <= a <= 5 -> -5 <= b <= 5 -> ~ (61 <= p11_code a b <= 67).
Admitted.

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
Admitted.

(* tier 1 *)
Lemma s43_code_zero : s43_code 0 0 = 68.
Admitted.

(* tier 3 *)
Lemma s43_a_code a b : -4 <= b <= 3 -> s43_a (s43_code a b) = a.
Admitted.

(* tier 3 *)
Lemma s43_b_code a b : -4 <= b <= 3 -> s43_b (s43_code a b) = b.
Admitted.

(* tier 2 *)
Lemma s43_code_ab c : s43_code (s43_a c) (s43_b c) = c.
Admitted.

(* tier 2 *)
Lemma s43_ranges c : 0 <= c < 128 -> -8 <= s43_a c <= 7 /\ -4 <= s43_b c <= 3.
Admitted.

(* tier 2 *)
Lemma sx4_range x : 0 <= x < 16 -> -8 <= sx4 x <= 7.
Admitted.

(* tier 3 *)
Lemma sx4_mod a : -8 <= a <= 7 -> sx4 (a mod 16) = a.
Admitted.

(* tier 2 *)
Lemma sx4_branchless x : 0 <= x < 16 -> sx4 x = x - 16 * (x / 8).
Admitted.

(* tier 3 *)
Lemma sx4_xor x : 0 <= x < 16 -> sx4 x = Z.lxor x 8 - 8.
Admitted.

(* tier 2 *)
Lemma sx3_range x : 0 <= x < 8 -> -4 <= sx3 x <= 3.
Admitted.

(* tier 2 *)
Lemma sx3_branchless x : 0 <= x < 8 -> sx3 x = x - 8 * (x / 4).
Admitted.

(* tier 3 *)
Lemma s43_offset_is_flipped_sign a : -8 <= a <= 7 -> a + 8 = Z.lxor (a mod 16) 8.
Admitted.

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
Admitted.

(* tier 1 *)
Lemma shiftr_is_div x k : 0 <= k -> Z.shiftr x k = x / 2 ^ k.
Admitted.

(* tier 2 *)
Lemma land_low_bits x k : 0 <= k -> Z.land x (2 ^ k - 1) = x mod 2 ^ k.
Admitted.

(* tier 2 *)
Lemma land15 x : Z.land x 15 = x mod 16.
Admitted.

(* tier 2 *)
Lemma land7 x : Z.land x 7 = x mod 8.
Admitted.

(* tier 1 *)
Lemma nib_byte_bound lo hi : 0 <= lo < 16 -> 0 <= hi < 16 -> 0 <= lo + 16 * hi < 256.
Admitted.

(* tier 2 *)
Lemma nib_byte_lo lo hi : 0 <= lo < 16 -> nib_byte lo hi mod 16 = lo.
Admitted.

(* tier 2 *)
Lemma nib_byte_hi lo hi : 0 <= lo < 16 -> nib_byte lo hi / 16 = hi.
Admitted.

(* tier 3 *)
Lemma lor_shift_disjoint x y k : 0 <= k -> 0 <= x < 2 ^ k -> Z.lor x (Z.shiftl y k) = x + y * 2 ^ k.
Admitted.

(* tier 3 *)
Lemma nib_byte_lor lo hi : 0 <= lo < 16 -> Z.lor lo (Z.shiftl hi 4) = nib_byte lo hi.
Admitted.

(* tier 3 *)
Lemma crumb_byte_get c0 c1 c2 c3 : 0 <= c0 < 4 -> 0 <= c1 < 4 -> 0 <= c2 < 4 -> 0 <= c3 < 4 -> crumb_byte c0 c1 c2 c3 mod 4 = c0 /\ (crumb_byte c0 c1 c2 c3 / 4) mod 4 = c1 /\ (crumb_byte c0 c1 c2 c3 / 16) mod 4 = c2 /\ crumb_byte c0 c1 c2 c3 / 64 = c3.
Admitted.

(* tier 1 *)
Lemma code_join_bound lo mid hi : 0 <= lo < 16 -> 0 <= mid < 4 -> 0 <= hi < 2 -> 0 <= lo + 16 * mid + 64 * hi < 128.
Admitted.

(* tier 2 *)
Lemma code_fields c : 0 <= c < 128 -> c = c mod 16 + 16 * ((c / 16) mod 4) + 64 * (c / 64).
Admitted.

(* tier 3 *)
Lemma bits_byte_range l : Forall (fun b => 0 <= b <= 1) l -> 0 <= bits_byte l < 2 ^ Z.of_nat (length l).
Admitted.

(* tier 3 *)
Lemma bits_byte_bit l i : Forall (fun b => 0 <= b <= 1) l -> (bits_byte l / 2 ^ Z.of_nat i) mod 2 = nth i l 0.
Admitted.

(* tier 3 *)
Lemma code_bit6 c : 0 <= c < 128 -> Z.testbit c 6 = (64 <=? c).
Admitted.

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
Admitted.

(* tier 1 *)
Lemma row_bytes_64 : row_bytes 64 = 29.
Admitted.

(* tier 1 *)
Lemma row_bytes_172 : row_bytes 172 = 78.
Admitted.

(* tier 1 *)
Lemma row_bytes_4096 : row_bytes 4096 = 1824.
Admitted.

(* tier 1 *)
Lemma row_bytes_11008 : row_bytes 11008 = 4902.
Admitted.

(* tier 1 *)
Lemma block_bytes_1 : block_bytes 1 = 4.
Admitted.

(* tier 1 *)
Lemma nblocks_edges : nblocks 1 = 1 /\ nblocks 128 = 1 /\ nblocks 129 = 2.
Admitted.

(* tier 1 *)
Lemma last_len_172 : nblocks 172 = 2 /\ last_len 172 = 44.
Admitted.

(* tier 1 *)
Lemma bits_per_weight_full : 8 * block_bytes 64 * 10000 = 35625 * 128.
Admitted.

(* tier 1 *)
Lemma packed_16 : packed_bytes 16 = 14.
Admitted.

(* tier 2 *)
Lemma cdiv_spec x k : 0 < k -> x <= k * cdiv x k < x + k.
Admitted.

(* tier 3 *)
Lemma cdiv_mul q k : 0 < k -> cdiv (k * q) k = q.
Admitted.

(* tier 2 *)
Lemma cdiv_mono x y k : 0 < k -> x <= y -> cdiv x k <= cdiv y k.
Admitted.

(* tier 3 *)
Lemma packed_mul16 j : packed_bytes (16 * j) = 14 * j.
Admitted.

(* tier 3 *)
Lemma nblocks_bounds n : 1 <= n -> 128 * (nblocks n - 1) < n <= 128 * nblocks n.
Admitted.

(* tier 3 *)
Lemma last_len_range n : 1 <= n -> 1 <= last_len n <= 128.
Admitted.

(* tier 2 *)
Lemma nblocks_mul k : nblocks (128 * k) = k.
Admitted.

(* tier 2 *)
Lemma ncodes_pad r : r <= 2 * ncodes r <= r + 1.
Admitted.

(* tier 3 *)
Lemma block_bytes_max m : m <= 64 -> block_bytes m <= 57.
Admitted.

(* tier 3 *)
Lemma row_bytes_full k : row_bytes (128 * k) = 57 * k.
Admitted.

(* tier 3 *)
Lemma row_bytes_le n : 0 <= n -> row_bytes n <= 57 * nblocks n.
Admitted.

(* tier 1 *)
Lemma block_off_raw nb r b : 0 <= b < nb -> r * (57 * nb) + 57 * b + 57 <= (r + 1) * (57 * nb).
Admitted.

(* tier 2 *)
Lemma block_off_lt rb r b b' : b < b' -> block_off rb r b + 57 <= block_off rb r b'.
Admitted.

(* tier 2 *)
Lemma nibble_slot j h : 0 < h -> 0 <= j < 2 * h -> j = j mod h + h * (j / h) /\ 0 <= j / h <= 1.
Admitted.

(* ================= F. the E5M3 scale byte ================= *)

(* d = smant s * 2^(sexp s - 27) for s > 0; sval s = d * 2^27 *)
Definition smant (s : Z) : Z := 8 + s mod 8.
Definition sexp (s : Z) : Z := s / 8.
Definition sval (s : Z) : Z := smant s * 2 ^ sexp s.
(* the binary32 bits of d, as the kernels build them *)
Definition f32bits (s : Z) : Z := (s / 8 + 103) * 2 ^ 23 + (s mod 8) * 2 ^ 20.

(* tier 1 *)
Lemma sval_min : sval 1 = 9.
Admitted.

(* tier 1 *)
Lemma sval_max : sval 255 = 15 * 2 ^ 31.
Admitted.

(* tier 1 *)
Lemma sval_one : sval 192 = 2 ^ 27.
Admitted.

(* tier 1 *)
Lemma f32bits_one : f32bits 192 = 1065353216.
Admitted.

(* tier 2 *)
Lemma smant_range s : 8 <= smant s <= 15.
Admitted.

(* tier 2 *)
Lemma sexp_range s : 0 <= s < 256 -> 0 <= sexp s <= 31.
Admitted.

(* tier 2 *)
Lemma sval_pos s : 0 <= s -> 0 < sval s.
Admitted.

(* tier 3 *)
Lemma sval_lt_succ s : 0 <= s -> sval s < sval (s + 1).
Admitted.

(* tier 3 *)
Lemma sval_mono s t : 0 <= s <= t -> sval s <= sval t.
Admitted.

(* tier 3 *)
Lemma sval_step s : 0 <= s -> 8 * sval (s + 1) <= 9 * sval s.
Admitted.

(* tier 3 *)
Lemma sval_range s : 1 <= s <= 255 -> 9 <= sval s <= 15 * 2 ^ 31.
Admitted.

(* tier 3 *)
Lemma f32bits_shifts s : f32bits s = Z.lor (Z.shiftl (Z.shiftr s 3 + 103) 23) (Z.shiftl (Z.land s 7) 20).
Admitted.

(* ================= G. quantization error in the reals ================= *)

Open Scope R_scope.

Fixpoint dotR (a b : list R) : R :=
  match a, b with x :: a', y :: b' => x * y + dotR a' b' | _, _ => 0 end.
Fixpoint sumabsR (l : list R) : R :=
  match l with [] => 0 | x :: r => Rabs x + sumabsR r end.

(* tier 1 *)
Lemma err_sq_bound d e : - (d / 2) <= e <= d / 2 -> e * e <= d * d / 4.
Admitted.

(* tier 1 *)
Lemma pair_err_sq_bound d e0 e1 : - (d / 2) <= e0 <= d / 2 -> - (d / 2) <= e1 <= d / 2 -> e0 * e0 + e1 * e1 <= d * d / 2.
Admitted.

(* tier 1 *)
Lemma scaled_interval d u q : 0 < d -> q - / 2 <= u <= q + / 2 -> d * q - d / 2 <= d * u <= d * q + d / 2.
Admitted.

(* tier 1 *)
Lemma scale_factor_out d a b x0 x1 : d * a * x0 + d * b * x1 = d * (a * x0 + b * x1).
Admitted.

(* tier 2 *)
Lemma err_interval d x q : d * IZR q - d / 2 <= x <= d * IZR q + d / 2 -> Rabs (x - d * IZR q) <= d / 2.
Admitted.

(* tier 3 *)
Lemma err_from_ratio d x q : 0 < d -> Rabs (x / d - IZR q) <= / 2 -> Rabs (x - d * IZR q) <= d / 2.
Admitted.

(* tier 2 *)
Lemma err_add e1 e2 u v : Rabs e1 <= u -> Rabs e2 <= v -> Rabs (e1 + e2) <= u + v.
Admitted.

(* tier 2 *)
Lemma dequant_mono d q q' : 0 <= d -> (q <= q')%Z -> d * IZR q <= d * IZR q'.
Admitted.

(* tier 3 *)
Lemma nearest_level d x q q' : 0 < d -> Rabs (x - d * IZR q) <= d / 2 -> Rabs (x - d * IZR q) <= Rabs (x - d * IZR q').
Admitted.

(* tier 3 *)
Lemma dotR_err w v x e : Forall2 (fun a b => Rabs (a - b) <= e) w v -> length x = length w -> Rabs (dotR w x - dotR v x) <= e * sumabsR x.
Admitted.

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
Admitted.

(* tier 1 *)
Lemma dot_cons x a y b : dot (x :: a) (y :: b) = x * y + dot a b.
Admitted.

(* tier 1 *)
Lemma product_bound m x y : 0 <= m -> Z.abs x <= m -> Z.abs y <= m -> Z.abs (x * y) <= m * m.
Admitted.

(* tier 1 *)
Lemma maddubs_no_saturation a0 a1 b0 b1 : 0 <= a0 <= 127 -> 0 <= a1 <= 127 -> -128 <= b0 <= 127 -> -128 <= b1 <= 127 -> -32768 <= a0 * b0 + a1 * b1 <= 32767.
Admitted.

(* tier 2 *)
Lemma dot_nil_r a : dot a [] = 0.
Admitted.

(* tier 3 *)
Lemma dot_app a1 a2 b1 b2 : length a1 = length b1 -> dot (a1 ++ a2) (b1 ++ b2) = dot a1 b1 + dot a2 b2.
Admitted.

(* tier 3 *)
Lemma dot_scale k a b : dot (map (fun x => k * x) a) b = k * dot a b.
Admitted.

(* tier 3 *)
Lemma dot_abs a b : Z.abs (dot a b) <= dotabs a b.
Admitted.

(* tier 3 *)
Lemma dotabs_bound ma mb a b : bounded ma a -> bounded mb b -> length a = length b -> dotabs a b <= Z.of_nat (length a) * (ma * mb).
Admitted.

(* tier 3 *)
Lemma dot_bound ma mb a b : bounded ma a -> bounded mb b -> length a = length b -> Z.abs (dot a b) <= Z.of_nat (length a) * (ma * mb).
Admitted.

(* tier 3 *)
Lemma dot_int8_int32 a b : bounded 128 a -> bounded 128 b -> length a = length b -> Z.of_nat (length a) <= 131071 -> Z.abs (dot a b) < 2 ^ 31.
Admitted.

(* tier 3 *)
Lemma dot_bias c a b : length a = length b -> dot (map (fun x => x + c) a) b = dot a b + c * zsum b.
Admitted.

