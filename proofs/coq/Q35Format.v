(* The q35 block layout of docs/FORMAT.md and src/format/{block,planes}.c, in integer
   arithmetic, and theorem 1: the dense bit-plane packing round-trips. *)
From Coq Require Import ZArith List Lia.
From Q35 Require Import Q35Util.
Import ListNotations.
Open Scope Z_scope.

(* ---------- src/format/planes.c ---------- *)

(* int h2 = (m + 1) / 2, h4 = (m + 3) / 4, h8 = (m + 7) / 8;  (m >= 1, so C's / is floor) *)
Definition h2 (m : Z) : Z := (m + 1) / 2.
Definition h4 (m : Z) : Z := (m + 3) / 4.
Definition h8 (m : Z) : Z := (m + 7) / 8.

(* static int code_at(const uint8_t *codes, int m, int i) { return i < m ? codes[i] % 128 : 0; } *)
Definition code_at (c : list Z) (m i : Z) : Z := if i <? m then get c i mod 128 else 0.

(* nib[j] = code_at(j) % 16 + 16 * (code_at(j + h2) % 16) *)
Definition nib_byte (c : list Z) (m j : Z) : Z :=
  code_at c m j mod 16 + 16 * (code_at c m (j + h2 m) mod 16).

(* crumb j = sum_k ((code_at(j + k * h4) / 16) % 4) * 4^k, k = 0..3 *)
Definition crumb_d (c : list Z) (m j k : Z) : Z := (code_at c m (j + k * h4 m) / 16) mod 4.
Definition crumb_byte (c : list Z) (m j : Z) : Z :=
  crumb_d c m j 0 + 4 * crumb_d c m j 1 + 16 * crumb_d c m j 2 + 64 * crumb_d c m j 3.

(* bit j = sum_k (code_at(8 j + k) / 64) * 2^k, k = 0..7 *)
Definition bit_d (c : list Z) (m j k : Z) : Z := code_at c m (8 * j + k) / 64.
Definition bit_byte (c : list Z) (m j : Z) : Z :=
  bit_d c m j 0 + 2 * bit_d c m j 1 + 4 * bit_d c m j 2 + 8 * bit_d c m j 3 +
  16 * bit_d c m j 4 + 32 * bit_d c m j 5 + 64 * bit_d c m j 6 + 128 * bit_d c m j 7.

(* The same bytes as the Horner loops of the first C version:
   v = 0; for (k = 3; k >= 0; k--) v = 4 * v + (code_at(j + k * h4) / 16) % 4;
   v = 0; for (k = 7; k >= 0; k--) v = 2 * v + code_at(8 * j + k) / 64; *)
Definition crumb_byte_loop (c : list Z) (m j : Z) : Z :=
  fold_left (fun v k => 4 * v + (code_at c m (j + k * h4 m) / 16) mod 4) [3; 2; 1; 0] 0.
Definition bit_byte_loop (c : list Z) (m j : Z) : Z :=
  fold_left (fun v k => 2 * v + code_at c m (8 * j + k) / 64) [7; 6; 5; 4; 3; 2; 1; 0] 0.

Lemma crumb_byte_loop_eq c m j : crumb_byte_loop c m j = crumb_byte c m j.
Proof. unfold crumb_byte_loop, crumb_byte, crumb_d. cbn [fold_left]. ring. Qed.
Lemma bit_byte_loop_eq c m j : bit_byte_loop c m j = bit_byte c m j.
Proof. unfold bit_byte_loop, bit_byte, bit_d. cbn [fold_left]. ring. Qed.

(* q35_pack_planes: the three planes back to back. *)
Definition pack_planes (c : list Z) (m : Z) : list Z :=
  map (nib_byte c m) (zseq (h2 m)) ++ map (crumb_byte c m) (zseq (h4 m)) ++ map (bit_byte c m) (zseq (h8 m)).

(* q35_unpack_planes, code i:
     lo  = i < h2 ? nib[i] % 16 : nib[i - h2] / 16;
     mid = (crumb[i % h4] / pow4[i / h4]) % 4;      pow4[k] = 4^k
     hi  = (bit[i / 8] / pow2[i % 8]) % 2;          pow2[k] = 2^k
     codes[i] = lo + 16 * mid + 64 * hi; *)
Definition unpack_code (p : list Z) (m i : Z) : Z :=
  let nib j := get p j in
  let crumb j := get p (h2 m + j) in
  let bit j := get p (h2 m + h4 m + j) in
  let lo := if i <? h2 m then nib i mod 16 else nib (i - h2 m) / 16 in
  let mid := (crumb (i mod h4 m) / 4 ^ (i / h4 m)) mod 4 in
  let hi := (bit (i / 8) / 2 ^ (i mod 8)) mod 2 in
  lo + 16 * mid + 64 * hi.

Definition unpack_planes (p : list Z) (m : Z) : list Z := map (unpack_code p m) (zseq m).

(* ---------- src/format/block.c ---------- *)

Definition block_bytes (m : Z) : Z :=
  if m <? 1 then 0 else let m := Z.min m 64 in 1 + (m + 1) / 2 + (m + 3) / 4 + (m + 7) / 8.

(* (n - 1) / 128 + 1 = ceil(n / 128) for n >= 1 (the first C version wrote (n + 127) / 128) *)
Definition row_blocks (n : Z) : Z := if n <? 1 then 0 else (n - 1) / 128 + 1.

Lemma row_blocks_ceil n : 1 <= n -> row_blocks n = (n + 128 - 1) / 128.
Proof.
  intros Hn. unfold row_blocks. replace (n <? 1) with false by (symmetry; apply Z.ltb_ge; lia).
  Z.div_mod_to_equations. lia.
Qed.

Definition block_codes (n b : Z) : Z :=
  if orb (orb (n <? 1) (b <? 0)) (b >=? row_blocks n) then 0
  else let left := Z.min (n - b * 128) 128 in (left + 1) / 2.

Definition row_bytes (n : Z) : Z :=
  let nb := row_blocks n in
  if nb <? 1 then 0 else (nb - 1) * 57 + block_bytes (block_codes n (nb - 1)).

(* docs/FORMAT.md, "Bits per weight":
   bytes(n) = 57 * floor(n/128) + [r' > 0] * (1 + ceil(m'/2) + ceil(m'/4) + ceil(m'/8)),
   r' = n mod 128, m' = ceil(r'/2). *)
Definition cdiv (a b : Z) : Z := (a + b - 1) / b.
Definition spec_row_bytes (n : Z) : Z :=
  let r := n mod 128 in let m := cdiv r 2 in
  57 * (n / 128) + (if 0 <? r then 1 + cdiv m 2 + cdiv m 4 + cdiv m 8 else 0).

(* ---------- the byte strings the unpacker accepts back ---------- *)

(* A plane string for m codes: h2 + h4 + h8 bytes, each a uint8, and every field that the
   packer fills from a code index >= m (a padding position) is zero. *)
Definition valid_planes (m : Z) (p : list Z) : Prop :=
  Z.of_nat (length p) = h2 m + h4 m + h8 m /\
  Forall (fun x => 0 <= x < 256) p /\
  (forall j, 0 <= j < h2 m -> m <= j + h2 m -> get p j / 16 = 0) /\
  (forall j k, 0 <= j < h4 m -> 0 <= k < 4 -> m <= j + k * h4 m -> (get p (h2 m + j) / 4 ^ k) mod 4 = 0) /\
  (forall j k, 0 <= j < h8 m -> 0 <= k < 8 -> m <= 8 * j + k -> (get p (h2 m + h4 m + j) / 2 ^ k) mod 2 = 0).

(* ---------- lemmas ---------- *)

Lemma crumb_byte_hl c m j :
  crumb_byte c m j = hl 4 (map (fun k => (code_at c m (j + k * h4 m) / 16) mod 4) [0; 1; 2; 3]).
Proof. unfold crumb_byte, crumb_d. cbn [map hl]. ring. Qed.

Lemma bit_byte_hl c m j :
  bit_byte c m j = hl 2 (map (fun k => code_at c m (8 * j + k) / 64) [0; 1; 2; 3; 4; 5; 6; 7]).
Proof. unfold bit_byte, bit_d. cbn [map hl]. ring. Qed.

Lemma code_at_range c m i : 0 <= code_at c m i < 128.
Proof. unfold code_at. destruct (i <? m); [apply Z.mod_pos_bound|]; lia. Qed.

Lemma h_facts m : 1 <= m ->
  1 <= h2 m /\ 1 <= h4 m /\ 1 <= h8 m /\ m <= 2 * h2 m /\ h2 m <= m /\ m <= 4 * h4 m /\ h4 m <= m /\
  m <= 8 * h8 m.
Proof. intros. unfold h2, h4, h8. repeat split; Z.div_mod_to_equations; lia. Qed.

Lemma pack_planes_length c m : 1 <= m ->
  Z.of_nat (length (pack_planes c m)) = h2 m + h4 m + h8 m.
Proof.
  intros Hm. pose proof (h_facts m Hm). unfold pack_planes.
  rewrite !app_length, !map_length, !zseq_length. lia.
Qed.

Lemma block_bytes_planes m : 1 <= m <= 64 -> block_bytes m = 1 + h2 m + h4 m + h8 m.
Proof.
  intros Hm. unfold block_bytes, h2, h4, h8. destruct (m <? 1) eqn:E; [lia|].
  rewrite Z.min_l by lia. reflexivity.
Qed.

Lemma forall_digits4 : zall 256 (fun x => hl 4 (map (fun k => (x / 4 ^ k) mod 4) [0; 1; 2; 3]) =? x) = true.
Proof. vm_compute. reflexivity. Qed.

Lemma forall_digits2 : zall 256 (fun x => hl 2 (map (fun k => (x / 2 ^ k) mod 2) [0; 1; 2; 3; 4; 5; 6; 7]) =? x) = true.
Proof. vm_compute. reflexivity. Qed.

Lemma digit_list4 (f : Z -> Z) : (forall k, 0 <= k < 4 -> 0 <= f k < 4) ->
  Forall (fun d => 0 <= d < 4) (map f [0; 1; 2; 3]).
Proof. intros H. repeat constructor; apply H; lia. Qed.

Lemma digit_list2 (f : Z -> Z) : (forall k, 0 <= k < 8 -> 0 <= f k < 2) ->
  Forall (fun d => 0 <= d < 2) (map f [0; 1; 2; 3; 4; 5; 6; 7]).
Proof. intros H. repeat constructor; apply H; lia. Qed.

Lemma get_map_small (f : Z -> Z) (l : list Z) k :
  0 <= k < Z.of_nat (length l) -> get (map f l) k = f (get l k).
Proof. intros Hk. unfold get. rewrite nth_indep with (d' := f 0) by (rewrite map_length; lia). apply map_nth. Qed.

Lemma get_seq4 k : 0 <= k < 4 -> get [0; 1; 2; 3] k = k.
Proof. intros Hk. assert (k = 0 \/ k = 1 \/ k = 2 \/ k = 3) as [ -> | [ -> | [ -> | -> ] ] ] by lia; reflexivity. Qed.

Lemma get_seq8 k : 0 <= k < 8 -> get [0; 1; 2; 3; 4; 5; 6; 7] k = k.
Proof.
  intros Hk.
  assert (k = 0 \/ k = 1 \/ k = 2 \/ k = 3 \/ k = 4 \/ k = 5 \/ k = 6 \/ k = 7) as H by lia.
  repeat destruct H as [->|H]; try reflexivity. subst. reflexivity.
Qed.

(* digit k of a crumb byte and bit k of a bit byte, as packed *)
Lemma crumb_digit c m j k : 0 <= k < 4 ->
  (crumb_byte c m j / 4 ^ k) mod 4 = (code_at c m (j + k * h4 m) / 16) mod 4.
Proof.
  intros Hk. rewrite crumb_byte_hl, hl_digit; try lia.
  - rewrite get_map_small by (simpl; lia). now rewrite get_seq4.
  - apply digit_list4. intros. apply Z.mod_pos_bound. lia.
  - simpl. lia.
Qed.

Lemma bit_digit c m j k : 0 <= k < 8 ->
  (bit_byte c m j / 2 ^ k) mod 2 = code_at c m (8 * j + k) / 64.
Proof.
  intros Hk. rewrite bit_byte_hl, hl_digit; try lia.
  - rewrite get_map_small by (simpl; lia). now rewrite get_seq8.
  - apply digit_list2. intros k' _. pose proof (code_at_range c m (8 * j + k')). split.
    + apply Z.div_pos; lia.
    + apply Z.div_lt_upper_bound; lia.
  - simpl. lia.
Qed.

Lemma code_split x : 0 <= x < 128 -> x mod 16 + 16 * ((x / 16) mod 4) + 64 * (x / 64) = x.
Proof. intros. Z.div_mod_to_equations. lia. Qed.

Lemma pack_planes_bytes c m : Forall (fun x => 0 <= x < 256) (pack_planes c m).
Proof.
  unfold pack_planes. rewrite !Forall_app, !Forall_forall. refine (conj _ (conj _ _)); intros y Hy;
    apply in_map_iff in Hy as [j [<- _]].
  - unfold nib_byte. pose proof (Z.mod_pos_bound (code_at c m j) 16).
    pose proof (Z.mod_pos_bound (code_at c m (j + h2 m)) 16). lia.
  - rewrite crumb_byte_hl. refine (hl_range 4 _ ltac:(lia) _). apply digit_list4. intros. apply Z.mod_pos_bound. lia.
  - rewrite bit_byte_hl. refine (hl_range 2 _ ltac:(lia) _). apply digit_list2. intros k' _.
    pose proof (code_at_range c m (8 * j + k')). split; [apply Z.div_pos|apply Z.div_lt_upper_bound]; lia.
Qed.

Lemma field_lo a b c : 0 <= a < 16 -> 0 <= b < 4 -> 0 <= c < 2 -> (a + 16 * b + 64 * c) mod 16 = a.
Proof. intros. Z.div_mod_to_equations. lia. Qed.
Lemma field_nib a b c : 0 <= a < 16 -> 0 <= b < 4 -> 0 <= c < 2 -> (a + 16 * b + 64 * c) mod 16 mod 16 = a.
Proof. intros. Z.div_mod_to_equations. lia. Qed.
Lemma field_mid a b c : 0 <= a < 16 -> 0 <= b < 4 -> 0 <= c < 2 -> ((a + 16 * b + 64 * c) / 16) mod 4 = b.
Proof. intros. Z.div_mod_to_equations. lia. Qed.
Lemma field_hi a b c : 0 <= a < 16 -> 0 <= b < 4 -> 0 <= c < 2 -> (a + 16 * b + 64 * c) / 64 = c.
Proof. intros. Z.div_mod_to_equations. lia. Qed.

(* ---------- theorem 1 ---------- *)

(* Unpacking packed codes returns every code, for every block length m >= 1 (the C uses
   1 <= m <= 64; an odd or short final block is just a smaller m). *)
Theorem q35_unpack_pack : forall (m : Z) (c : list Z),
  1 <= m -> Z.of_nat (length c) = m -> Forall (fun x => 0 <= x < 128) c ->
  unpack_planes (pack_planes c m) m = c.
Proof.
  intros m c Hm Hlen Hc. pose proof (h_facts m Hm) as Hh.
  assert (Hpl := pack_planes_length c m Hm).
  apply list_ext_get.
  { unfold unpack_planes. rewrite map_length, zseq_length. lia. }
  intros i Hi. unfold unpack_planes in *. rewrite map_length, zseq_length in Hi.
  rewrite get_map_zseq by lia. unfold unpack_code.
  set (p := pack_planes c m).
  assert (Hnib : forall j, 0 <= j < h2 m -> get p j = nib_byte c m j).
  { intros j Hj. unfold p, pack_planes. rewrite get_app_l by (rewrite map_length, zseq_length; lia).
    now rewrite get_map_zseq. }
  assert (Hcr : forall j, 0 <= j < h4 m -> get p (h2 m + j) = crumb_byte c m j).
  { intros j Hj. unfold p, pack_planes. rewrite get_app_r by (rewrite map_length, zseq_length; lia).
    rewrite map_length, zseq_length. rewrite get_app_l by (rewrite map_length, zseq_length; lia).
    rewrite get_map_zseq by lia. f_equal. lia. }
  assert (Hbt : forall j, 0 <= j < h8 m -> get p (h2 m + h4 m + j) = bit_byte c m j).
  { intros j Hj. unfold p, pack_planes. rewrite get_app_r by (rewrite map_length, zseq_length; lia).
    rewrite map_length, zseq_length. rewrite get_app_r by (rewrite map_length, zseq_length; lia).
    rewrite map_length, zseq_length. rewrite get_map_zseq by lia. f_equal. lia. }
  assert (Hci : code_at c m i = get c i).
  { unfold code_at. replace (i <? m) with true by (symmetry; apply Z.ltb_lt; lia).
    apply Z.mod_small. apply Forall_get with (P := fun x => 0 <= x < 128); auto; lia. }
  assert (Hcr_i : 0 <= get c i < 128) by (apply Forall_get with (P := fun x => 0 <= x < 128); auto; lia).
  (* low nibble *)
  assert (Hlo : (if i <? h2 m then get p i mod 16 else get p (i - h2 m) / 16) = get c i mod 16).
  { destruct (i <? h2 m) eqn:E.
    - apply Z.ltb_lt in E. rewrite Hnib by lia. unfold nib_byte. rewrite Hci.
      rewrite Z.mul_comm, Z.mod_add by lia. apply Z.mod_mod. lia.
    - apply Z.ltb_ge in E. rewrite Hnib by lia. unfold nib_byte. replace (i - h2 m + h2 m) with i by ring.
      rewrite Hci. rewrite Z.mul_comm, Z.div_add by lia. rewrite Z.div_small.
      + lia.
      + apply Z.mod_pos_bound. lia. }
  (* crumb *)
  assert (Hmid : (get p (h2 m + i mod h4 m) / 4 ^ (i / h4 m)) mod 4 = (get c i / 16) mod 4).
  { rewrite Hcr by (apply Z.mod_pos_bound; lia). rewrite crumb_digit.
    - rewrite (Z.add_comm (i mod _)), (Z.mul_comm (i / _)), <- Z.div_mod by lia. now rewrite Hci.
    - split; [apply Z.div_pos; lia|]. apply Z.div_lt_upper_bound; lia. }
  (* bit 6 *)
  assert (Hhi : (get p (h2 m + h4 m + i / 8) / 2 ^ (i mod 8)) mod 2 = get c i / 64).
  { rewrite Hbt.
    - rewrite bit_digit by (apply Z.mod_pos_bound; lia). rewrite <- Z.div_mod by lia. now rewrite Hci.
    - split; [apply Z.div_pos; lia|]. apply Z.div_lt_upper_bound; lia. }
  cbv zeta. rewrite Hlo, Hmid, Hhi. apply code_split. exact Hcr_i.
Qed.

(* Packing the unpacked codes gives back every valid plane string. *)
Theorem q35_pack_unpack : forall (m : Z) (p : list Z),
  1 <= m -> valid_planes m p -> pack_planes (unpack_planes p m) m = p.
Proof.
  intros m p Hm [Hlen [Hbytes [Vnib [Vcr Vbit]]]]. pose proof (h_facts m Hm) as Hh.
  set (u := unpack_planes p m).
  assert (Hu : forall i, 0 <= i < m -> get u i = unpack_code p m i).
  { intros i Hi. unfold u, unpack_planes. now rewrite get_map_zseq. }
  assert (Hulen : Z.of_nat (length u) = m) by (unfold u, unpack_planes; rewrite map_length, zseq_length; lia).
  assert (Hbyte : forall j, 0 <= j < h2 m + h4 m + h8 m -> 0 <= get p j < 256).
  { intros j Hj. apply Forall_get with (P := fun x => 0 <= x < 256); auto; lia. }
  (* the three fields of an unpacked code *)
  assert (Hfields : forall i, 0 <= i < m ->
    let lo := if i <? h2 m then get p i mod 16 else get p (i - h2 m) / 16 in
    let mid := (get p (h2 m + i mod h4 m) / 4 ^ (i / h4 m)) mod 4 in
    let hi := (get p (h2 m + h4 m + i / 8) / 2 ^ (i mod 8)) mod 2 in
    code_at u m i = lo + 16 * mid + 64 * hi /\ 0 <= lo < 16 /\ 0 <= mid < 4 /\ 0 <= hi < 2).
  { intros i Hi. cbv zeta.
    assert (Hlo : 0 <= (if i <? h2 m then get p i mod 16 else get p (i - h2 m) / 16) < 16).
    { destruct (i <? h2 m) eqn:E.
      - apply Z.mod_pos_bound. lia.
      - apply Z.ltb_ge in E. pose proof (Hbyte (i - h2 m) ltac:(lia)).
        split; [apply Z.div_pos|apply Z.div_lt_upper_bound]; lia. }
    assert (Hmid : 0 <= (get p (h2 m + i mod h4 m) / 4 ^ (i / h4 m)) mod 4 < 4) by (apply Z.mod_pos_bound; lia).
    assert (Hhi : 0 <= (get p (h2 m + h4 m + i / 8) / 2 ^ (i mod 8)) mod 2 < 2) by (apply Z.mod_pos_bound; lia).
    split; [|tauto].
    unfold code_at. replace (i <? m) with true by (symmetry; apply Z.ltb_lt; lia).
    rewrite Hu by lia. unfold unpack_code. cbv zeta. apply Z.mod_small. lia. }
  apply list_ext_get.
  { apply Nat2Z.inj. rewrite pack_planes_length by lia. lia. }
  intros j Hj. rewrite pack_planes_length in Hj by lia. unfold pack_planes.
  destruct (Z_lt_le_dec j (h2 m)) as [J1|J1].
  { (* nibble plane *)
    rewrite get_app_l by (rewrite map_length, zseq_length; lia). rewrite get_map_zseq by lia.
    unfold nib_byte.
    destruct (Hfields j ltac:(lia)) as [E1 [R1 [R2 R3]]]. rewrite E1, field_lo by assumption.
    replace (j <? h2 m) with true by (symmetry; apply Z.ltb_lt; lia).
    pose proof (Z.div_mod (get p j) 16 ltac:(lia)) as D.
    destruct (Z_lt_le_dec (j + h2 m) m) as [J2|J2].
    - destruct (Hfields (j + h2 m) ltac:(lia)) as [E2 [S1 [S2 S3]]]. rewrite E2, field_lo by assumption.
      replace (j + h2 m <? h2 m) with false by (symmetry; apply Z.ltb_ge; lia).
      replace (j + h2 m - h2 m) with j by ring.
      pose proof (Hbyte j ltac:(lia)).
      lia.
    - unfold code_at at 1. replace (j + h2 m <? m) with false by (symmetry; apply Z.ltb_ge; lia).
      rewrite (Vnib j ltac:(lia) J2) in D. simpl. lia. }
  rewrite get_app_r by (rewrite map_length, zseq_length; lia). rewrite map_length, zseq_length.
  destruct (Z_lt_le_dec j (h2 m + h4 m)) as [J3|J3].
  { (* crumb plane *)
    rewrite get_app_l by (rewrite map_length, zseq_length; lia). rewrite get_map_zseq by lia.
    set (j' := j - Z.of_nat (Z.to_nat (h2 m))).
    assert (Ej : j' = j - h2 m) by (unfold j'; lia). clearbody j'. subst j'.
    rewrite crumb_byte_hl.
    pose proof (forall_digits4) as D. pose proof (zall_spec _ _ D (get p j) (Hbyte j ltac:(lia))) as D1.
    apply Z.eqb_eq in D1. rewrite <- D1. clear D D1. f_equal.
    apply map_ext_in. intros k Hk.
    assert (Hk' : 0 <= k < 4) by (simpl in Hk; lia).
    destruct (Z_lt_le_dec (j - h2 m + k * h4 m) m) as [J4|J4].
    - destruct (Hfields (j - h2 m + k * h4 m) ltac:(nia)) as [E1 [R1 [R2 R3]]]. rewrite E1, field_mid by assumption.
      rewrite Z.mod_add by lia. rewrite (Z.mod_small (j - h2 m)) by lia. rewrite Z.div_add by lia.
      rewrite (Z.div_small (j - h2 m)) by lia. rewrite Z.add_0_l. replace (h2 m + (j - h2 m)) with j by ring.
      reflexivity.
    - unfold code_at. replace (j - h2 m + k * h4 m <? m) with false by (symmetry; apply Z.ltb_ge; lia).
      replace j with (h2 m + (j - h2 m)) by ring. rewrite Vcr by lia. reflexivity. }
  (* bit plane *)
  rewrite get_app_r by (rewrite map_length, zseq_length; lia). rewrite map_length, zseq_length.
  rewrite get_map_zseq by lia.
  set (j' := j - Z.of_nat (Z.to_nat (h2 m)) - Z.of_nat (Z.to_nat (h4 m))).
  assert (Ej : j' = j - h2 m - h4 m) by (unfold j'; lia). clearbody j'. subst j'.
  rewrite bit_byte_hl.
  pose proof (forall_digits2) as D. pose proof (zall_spec _ _ D (get p j) (Hbyte j ltac:(lia))) as D1.
  apply Z.eqb_eq in D1. rewrite <- D1. clear D D1. f_equal.
  apply map_ext_in. intros k Hk.
  assert (Hk' : 0 <= k < 8) by (simpl in Hk; lia).
  destruct (Z_lt_le_dec (8 * (j - h2 m - h4 m) + k) m) as [J4|J4].
  - destruct (Hfields (8 * (j - h2 m - h4 m) + k) ltac:(nia)) as [E1 [R1 [R2 R3]]]. rewrite E1, field_hi by assumption.
    replace (8 * (j - h2 m - h4 m) + k) with (k + (j - h2 m - h4 m) * 8) by ring.
    rewrite Z.div_add by lia. rewrite Z.mod_add by lia. rewrite (Z.div_small k) by lia. rewrite (Z.mod_small k) by lia.
    rewrite Z.add_0_l. replace (h2 m + h4 m + (j - h2 m - h4 m)) with j by ring. reflexivity.
  - unfold code_at. replace (8 * (j - h2 m - h4 m) + k <? m) with false by (symmetry; apply Z.ltb_ge; lia).
    replace j with (h2 m + h4 m + (j - h2 m - h4 m)) by ring. rewrite Vbit by lia. reflexivity.
Qed.

(* ---------- sizes ---------- *)

Theorem q35_block_bytes_full : block_bytes 64 = 57.
Proof. reflexivity. Qed.

Theorem q35_pack_planes_size : forall c m, 1 <= m <= 64 ->
  Z.of_nat (length (pack_planes c m)) = block_bytes m - 1.
Proof. intros c m Hm. rewrite pack_planes_length, block_bytes_planes by lia. ring. Qed.

Theorem q35_row_bytes_spec : forall n, 1 <= n -> row_bytes n = spec_row_bytes n.
Proof.
  intros n Hn. unfold row_bytes, spec_row_bytes, block_codes. rewrite !row_blocks_ceil by lia.
  unfold block_bytes, cdiv.
  replace (n <? 1) with false by (symmetry; apply Z.ltb_ge; lia).
  assert (Hnb : 1 <= (n + 128 - 1) / 128) by (Z.div_mod_to_equations; lia).
  replace ((n + 128 - 1) / 128 <? 1) with false by (symmetry; apply Z.ltb_ge; lia).
  replace ((n + 128 - 1) / 128 - 1 <? 0) with false by (symmetry; apply Z.ltb_ge; lia).
  replace ((n + 128 - 1) / 128 - 1 >=? (n + 128 - 1) / 128) with false by (symmetry; rewrite Z.geb_leb; apply Z.leb_gt; lia).
  simpl orb. cbv zeta.
  destruct (Z.eq_dec (n mod 128) 0) as [R|R].
  - replace (0 <? n mod 128) with false by (symmetry; apply Z.ltb_ge; lia).
    assert (Q : (n + 128 - 1) / 128 = n / 128) by (Z.div_mod_to_equations; lia). rewrite Q.
    assert (L : Z.min (n - (n / 128 - 1) * 128) 128 = 128) by (Z.div_mod_to_equations; lia). rewrite L.
    match goal with |- _ + ?x = _ => replace x with 57 by reflexivity end. ring.
  - replace (0 <? n mod 128) with true by (symmetry; apply Z.ltb_lt; pose proof (Z.mod_pos_bound n 128); lia).
    assert (Q : (n + 128 - 1) / 128 = n / 128 + 1) by (Z.div_mod_to_equations; lia). rewrite Q.
    assert (L : Z.min (n - (n / 128 + 1 - 1) * 128) 128 = n mod 128) by (Z.div_mod_to_equations; lia). rewrite L.
    pose proof (Z.mod_pos_bound n 128).
    assert (Hm : 1 <= (n mod 128 + 1) / 2 <= 64) by (Z.div_mod_to_equations; lia).
    replace ((n mod 128 + 1) / 2 <? 1) with false by (symmetry; apply Z.ltb_ge; lia).
    rewrite Z.min_l by lia. replace (n mod 128 + 2 - 1) with (n mod 128 + 1) by ring.
    replace ((n mod 128 + 1) / 2 + 2 - 1) with ((n mod 128 + 1) / 2 + 1) by ring.
    replace ((n mod 128 + 1) / 2 + 4 - 1) with ((n mod 128 + 1) / 2 + 3) by ring.
    replace ((n mod 128 + 1) / 2 + 8 - 1) with ((n mod 128 + 1) / 2 + 7) by ring.
    ring.
Qed.

(* The rows of docs/FORMAT.md's bits-per-weight table. *)
Theorem q35_row_bytes_table : row_bytes 128 = 57 /\ row_bytes 64 = 29 /\ row_bytes 172 = 78 /\
  row_bytes 8192 = 64 * 57 /\ row_bytes 28672 = 224 * 57.
Proof. vm_compute. repeat split. Qed.

(* the ACSL logic function q35_row_size of include/q35/format.h, in its own spelling *)
Definition acsl_row_size (n : Z) : Z :=
  57 * (n / 128) + (if 0 <? n mod 128 then 1 + h2 ((n mod 128 + 1) / 2) + h4 ((n mod 128 + 1) / 2) + h8 ((n mod 128 + 1) / 2) else 0).

Theorem q35_row_bytes_acsl : forall n, 1 <= n -> row_bytes n = acsl_row_size n.
Proof.
  intros n Hn. rewrite q35_row_bytes_spec by lia. unfold spec_row_bytes, acsl_row_size, cdiv, h2, h4, h8.
  replace (n mod 128 + 2 - 1) with (n mod 128 + 1) by ring.
  replace ((n mod 128 + 1) / 2 + 2 - 1) with ((n mod 128 + 1) / 2 + 1) by ring.
  replace ((n mod 128 + 1) / 2 + 4 - 1) with ((n mod 128 + 1) / 2 + 3) by ring.
  replace ((n mod 128 + 1) / 2 + 8 - 1) with ((n mod 128 + 1) / 2 + 7) by ring.
  reflexivity.
Qed.
