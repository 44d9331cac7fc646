(* Small list and integer helpers shared by the q35 proofs. *)
From Coq Require Import ZArith List Lia Bool.
Import ListNotations.
Open Scope Z_scope.

(* [0; 1; ...; n-1] as integers, and the i-th element of a list of integers (0 past the end). *)
Definition zseq (n : Z) : list Z := map Z.of_nat (seq 0 (Z.to_nat n)).
Definition get (l : list Z) (i : Z) : Z := nth (Z.to_nat i) l 0.

Lemma zseq_length n : length (zseq n) = Z.to_nat n.
Proof. unfold zseq. now rewrite map_length, seq_length. Qed.

Lemma get_map_zseq f n i : 0 <= i < n -> get (map f (zseq n)) i = f i.
Proof.
  intros Hi. unfold get, zseq. rewrite map_map.
  rewrite nth_indep with (d' := (fun x => f (Z.of_nat x)) 0%nat).
  2: rewrite map_length, seq_length; lia.
  rewrite (map_nth (fun x => f (Z.of_nat x))), seq_nth by lia. f_equal. lia.
Qed.

Lemma In_zseq n i : In i (zseq n) <-> 0 <= i < n.
Proof.
  unfold zseq. rewrite in_map_iff. split.
  - intros [k [<- Hk]]. apply in_seq in Hk. lia.
  - intros Hi. exists (Z.to_nat i). split; [lia|]. apply in_seq. lia.
Qed.

Lemma list_ext_get (l1 l2 : list Z) :
  length l1 = length l2 ->
  (forall i, 0 <= i < Z.of_nat (length l1) -> get l1 i = get l2 i) -> l1 = l2.
Proof.
  intros Hlen H. apply nth_ext with (d := 0) (d' := 0); [exact Hlen|].
  intros n Hn. specialize (H (Z.of_nat n)). unfold get in H. rewrite Nat2Z.id in H. apply H. lia.
Qed.

Lemma get_app_l l1 l2 i : 0 <= i < Z.of_nat (length l1) -> get (l1 ++ l2) i = get l1 i.
Proof. intros. unfold get. apply app_nth1. lia. Qed.

Lemma get_app_r l1 l2 i : Z.of_nat (length l1) <= i -> get (l1 ++ l2) i = get l2 (i - Z.of_nat (length l1)).
Proof.
  intros. unfold get. rewrite app_nth2 by lia. f_equal. lia.
Qed.

Lemma get_In l i d : 0 <= i < Z.of_nat (length l) -> (forall x, In x l -> 0 <= x < d) -> 0 <= get l i < d.
Proof. intros Hi H. apply H. unfold get. apply nth_In. lia. Qed.

Lemma Forall_get (P : Z -> Prop) l i : Forall P l -> 0 <= i < Z.of_nat (length l) -> P (get l i).
Proof. intros HF Hi. rewrite Forall_forall in HF. apply HF. unfold get. apply nth_In. lia. Qed.

(* Little-endian digits: hl B [d0; d1; ...] = d0 + B * (d1 + B * (...)). *)
Fixpoint hl (B : Z) (ds : list Z) : Z :=
  match ds with [] => 0 | d :: r => d + B * hl B r end.

Lemma hl_range B ds : 1 < B -> Forall (fun d => 0 <= d < B) ds -> 0 <= hl B ds < B ^ Z.of_nat (length ds).
Proof.
  intros HB. induction 1 as [|d r Hd Hr IH]; [simpl; lia|].
  cbn [hl length]. rewrite Nat2Z.inj_succ, Z.pow_succ_r by lia. nia.
Qed.

Lemma hl_digit B ds j : 1 < B -> Forall (fun d => 0 <= d < B) ds -> 0 <= j < Z.of_nat (length ds) ->
  (hl B ds / B ^ j) mod B = get ds j.
Proof.
  intros HB HF. revert j. induction HF as [|d r Hd Hr IH]; intros j Hj; cbn [length] in Hj; [lia|]. rewrite Nat2Z.inj_succ in Hj.
  destruct (Z.eq_dec j 0) as [->|Hj0].
  - cbn [hl]. rewrite Z.pow_0_r, Z.div_1_r. unfold get; simpl.
    rewrite Z.mul_comm, Z.mod_add by lia. apply Z.mod_small; lia.
  - replace j with (Z.succ (j - 1)) by lia. rewrite Z.pow_succ_r by lia.
    rewrite <- Z.div_div by (try apply Z.pow_pos_nonneg; lia).
    simpl hl. rewrite Z.add_comm, Z.mul_comm, Z.div_add_l by lia.
    rewrite (Z.div_small d B) by lia. rewrite Z.add_0_r.
    rewrite IH by lia. unfold get. replace (Z.to_nat (Z.succ (j - 1))) with (S (Z.to_nat (j - 1))) by lia.
    reflexivity.
Qed.

(* A boolean check over [0, n), for proofs by exhaustive computation (counting in Z, so that
   vm_compute stays linear in n). *)
Fixpoint zall_from (fuel : nat) (i : Z) (f : Z -> bool) : bool :=
  match fuel with O => true | S k => andb (f i) (zall_from k (i + 1) f) end.
Definition zall (n : Z) (f : Z -> bool) : bool := zall_from (Z.to_nat n) 0 f.

Lemma zall_from_spec fuel i f : zall_from fuel i f = true -> forall j, i <= j < i + Z.of_nat fuel -> f j = true.
Proof.
  revert i. induction fuel as [|k IH]; intros i H j Hj; simpl in *; [lia|].
  apply andb_true_iff in H as [H1 H2]. destruct (Z.eq_dec j i) as [->|Hne]; [exact H1|].
  apply (IH (i + 1) H2). lia.
Qed.

Lemma zall_spec n f : zall n f = true -> forall i, 0 <= i < n -> f i = true.
Proof. unfold zall. intros H i Hi. apply (zall_from_spec _ _ _ H). lia. Qed.

Lemma nth_map_zseq {A : Type} (f : Z -> A) n i (d : A) : 0 <= i < n -> nth (Z.to_nat i) (map f (zseq n)) d = f i.
Proof.
  intros Hi. unfold zseq. rewrite map_map.
  rewrite nth_indep with (d' := (fun x => f (Z.of_nat x)) 0%nat) by (rewrite map_length, seq_length; lia).
  rewrite (map_nth (fun x => f (Z.of_nat x))), seq_nth by lia. f_equal. lia.
Qed.
