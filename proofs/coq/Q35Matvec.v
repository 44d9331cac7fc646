(* Theorem 7: matvec error. For a row cut into blocks, each block b with its weight errors
   bounded by delta_b (s_b / 2 for the product code in range, theorem 3),
   |sum w x - sum w^ x| <= sum_b delta_b * ||x_b||_1. Exact real arithmetic: the bound q35
   can report per tensor; the float accumulation error of theorem 6 comes on top. *)
From Coq Require Import ZArith Reals Lia Lra List.
From Q35 Require Import Q35Util Q35Scale Q35Quant Q35Choice.
Import ListNotations.
Open Scope R_scope.

(* a block: its bound delta and its (w, w^, x) triples *)
Definition blocks := list (R * list (R * R * R)).

Definition dot_w (bs : blocks) : R := sumR (map (fun '(_, l) => sumR (map (fun '(w, _, x) => w * x) l)) bs).
Definition dot_wq (bs : blocks) : R := sumR (map (fun '(_, l) => sumR (map (fun '(_, wq, x) => wq * x) l)) bs).
Definition l1 (l : list (R * R * R)) : R := sumR (map (fun '(_, _, x) => Rabs x) l).
Definition bound (bs : blocks) : R := sumR (map (fun '(dl, l) => dl * l1 l) bs).

Lemma block_err (dl : R) (l : list (R * R * R)) :
  Forall (fun '(w, wq, _) => Rabs (w - wq) <= dl) l ->
  Rabs (sumR (map (fun '(w, _, x) => w * x) l) - sumR (map (fun '(_, wq, x) => wq * x) l)) <= dl * l1 l.
Proof.
  induction 1 as [|[[w wq] x] r Hx Hr IH]; simpl.
  - unfold l1. simpl. rewrite Rminus_0_r, Rabs_R0. lra.
  - unfold l1 in *. simpl.
    replace (w * x + sumR (map (fun '(w0, _, x0) => w0 * x0) r) - (wq * x + sumR (map (fun '(_, wq0, x0) => wq0 * x0) r)))
      with ((w - wq) * x + (sumR (map (fun '(w0, _, x0) => w0 * x0) r) - sumR (map (fun '(_, wq0, x0) => wq0 * x0) r))) by ring.
    eapply Rle_trans; [apply Rabs_triang|]. rewrite Rabs_mult.
    pose proof (Rabs_pos x). pose proof (Rabs_pos (w - wq)).
    assert (Rabs (w - wq) * Rabs x <= dl * Rabs x) by (apply Rmult_le_compat_r; lra). lra.
Qed.

Theorem q35_matvec_error : forall bs : blocks,
  Forall (fun '(dl, l) => Forall (fun '(w, wq, _) => Rabs (w - wq) <= dl) l) bs ->
  Rabs (dot_w bs - dot_wq bs) <= bound bs.
Proof.
  induction 1 as [|[dl l] r Hb Hr IH]; unfold dot_w, dot_wq, bound in *; simpl.
  - rewrite Rminus_0_r, Rabs_R0. lra.
  - match goal with |- Rabs (?a + ?b - (?c + ?d)) <= _ =>
      replace (a + b - (c + d)) with ((a - c) + (b - d)) by ring end.
    eapply Rle_trans; [apply Rabs_triang|]. pose proof (block_err dl l Hb). lra.
Qed.

(* the product code: scale s_b, every weight in range |w| <= s_b (5 + 1/2), w^ = s_b q(w):
   |sum w x - sum w^ x| <= sum_b (s_b / 2) ||x_b||_1 *)
Definition p11_row (bs : list (R * list (R * R))) : blocks :=
  map (fun '(s, l) => (s / 2, map (fun '(w, x) => (w, s * IZR (q_level 5 s w), x)) l)) bs.

Corollary q35_matvec_p11 : forall bs : list (R * list (R * R)),
  Forall (fun '(s, l) => 0 < s /\ Forall (fun '(w, _) => Rabs w <= s * (5 + / 2)) l) bs ->
  Rabs (dot_w (p11_row bs) - dot_wq (p11_row bs)) <= bound (p11_row bs).
Proof.
  intros bs H. apply q35_matvec_error. unfold p11_row. apply Forall_map.
  eapply Forall_impl; [|exact H]. intros [s l] [Hs Hl]. apply Forall_map.
  eapply Forall_impl; [|exact Hl]. intros [w x] Hw.
  apply (q35_quant_error 5 s w ltac:(lia) Hs). exact Hw.
Qed.
