#!/usr/bin/env bash
# `q35 prove` keeps going whatever Coq does: a tactic that loops (Coq's Timeout, then the
# search goes on), a syntax error and a missing import in the file, coqidetop killed in
# the middle of a search (restarted, state replayed), and a statement that is false
# (searched to the end of its budget, left Admitted). None of them crashes or hangs the
# run; what can be proved still is, re-checked by coqc; the output compiles.
set -euo pipefail
: "${Q35:?path to the q35 binary}"
command -v coqidetop.opt >/dev/null && command -v coqc >/dev/null || { echo "skipped: coqidetop.opt not found"; exit 77; }
TMP=$(mktemp -d "${Q35_TMP:-/tmp}/prove_robust.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

cat >"$TMP/Robust.v" <<'V'
Require Import ZArith Lia.
Require Import NoSuchLibraryAnywhere.
Open Scope Z_scope.

(* A tactic that never stops; the run passes it with --extra-tactic, so it is tried
   first at every state. *)
Ltac loop := idtac; loop.

Lemma first_one (x : Z) : x + 0 = x.
Admitted.

Definition broken := (1 + .

Lemma after_errors (x : Z) : 0 <= x -> 0 <= 2 * x.
Admitted.

Lemma false_statement : 1 + 1 = 3.
Admitted.

Lemma last_one (a b : Z) : 0 <= b < 11 -> (11 * a + b) mod 11 = b.
Admitted.
V

# 1. loops, syntax error, missing import, false statement
rc=0
timeout 300 "$Q35" prove --theorems "$TMP/Robust.v" --budget-seconds 8 --tactic-timeout 2 \
    --extra-tactic "loop." --json "$TMP/r.json" --output "$TMP/Robust.proved.v" --trace "$TMP/trace.txt" >"$TMP/out.txt" 2>"$TMP/err.txt" || rc=$?
cat "$TMP/out.txt"
[ "$rc" -eq 0 ] && ok "run finished (rc 0)" || bad "run exit status $rc: $(cat "$TMP/err.txt")"
grep -q "context sentence(s) rejected" "$TMP/err.txt" && ok "context errors reported" || bad "no context error reported"
python3 - "$TMP/r.json" "$TMP/trace.txt" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1])); trace = open(sys.argv[2]).read()
th = {t["name"]: t for t in r["theorems"]}
def check(c, what):
    print(("ok   " if c else "FAIL ") + what)
    return c
good = True
good &= check(r["total"] == 4, "4 problems found")
good &= check(r["context_errors"] >= 2, "the missing import and the syntax error are context errors (%d)" % r["context_errors"])
good &= check(th["first_one"]["proved"], "first_one proved after the looping tactic")
good &= check("loop.  => error: Timeout!" in trace or "loop.  => timeout" in trace, "the looping tactic hit its timeout and the search went on")
good &= check(th["after_errors"]["proved"], "a theorem after the bad sentences is proved")
good &= check(not th["false_statement"]["proved"], "the false statement is not proved")
good &= check(th["last_one"]["proved"], "the last theorem is proved")
sys.exit(0 if good else 1)
PY
grep -q "^Lemma false_statement : 1 + 1 = 3.$" "$TMP/Robust.proved.v" && grep -A1 "^Lemma false_statement" "$TMP/Robust.proved.v" | grep -q "^Admitted.$" \
    && ok "the false statement keeps its Admitted." || bad "false statement not left Admitted"

# 2. coqidetop killed in the middle of the search: the first instance dies after 1.5 s
cat >"$TMP/dying_coqidetop.sh" <<SH
#!/usr/bin/env bash
if mkdir "$TMP/died-once" 2>/dev/null; then
    ( sleep 1.5; kill -9 \$\$ ) &
fi
exec coqidetop.opt "\$@"
SH
chmod +x "$TMP/dying_coqidetop.sh"
cat >"$TMP/Dies.v" <<'V'
Require Import ZArith Lia.
Open Scope Z_scope.
Ltac loop := idtac; loop.
Lemma first_one (x : Z) : x + 0 = x.
Admitted.
Lemma pos_double (x : Z) : 0 <= x -> 0 <= 2 * x.
Admitted.
V
rc=0
timeout 300 "$Q35" prove --theorems "$TMP/Dies.v" --budget-seconds 10 --tactic-timeout 3 --coqidetop "$TMP/dying_coqidetop.sh" --extra-tactic "loop." \
    --json "$TMP/d.json" >"$TMP/out2.txt" 2>"$TMP/err2.txt" || rc=$?
cat "$TMP/out2.txt"
[ "$rc" -eq 0 ] && ok "run with a dying coqidetop finished (rc 0)" || bad "exit status $rc: $(cat "$TMP/err2.txt")"
python3 - "$TMP/d.json" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
ok = r["coq"]["deaths"] + r["coq"]["timeouts"] >= 1 and r["coq"]["starts"] >= 2 and r["proved"] == 2
print(("ok   " if ok else "FAIL ") + "coqidetop restarted (%s) and both theorems proved (%d)" % (r["coq"], r["proved"]))
sys.exit(0 if ok else 1)
PY

# 3. bad arguments and files
if "$Q35" prove --theorems "$TMP/none.v" 2>"$TMP/e3.txt"; then bad "missing file accepted"; else
    [ "$(wc -l <"$TMP/e3.txt")" -eq 1 ] && grep -q "none.v" "$TMP/e3.txt" && ok "missing file: one line naming it" || bad "missing file message: $(cat "$TMP/e3.txt")"; fi
printf 'Lemma x : True.\nAdmitted.\n(* unclosed' >"$TMP/Unclosed.v"
if "$Q35" prove --theorems "$TMP/Unclosed.v" 2>"$TMP/e4.txt"; then bad "unclosed comment accepted"; else
    [ "$(wc -l <"$TMP/e4.txt")" -eq 1 ] && grep -q "Unclosed.v" "$TMP/e4.txt" && ok "unclosed comment: one line naming the file" || bad "unclosed comment message: $(cat "$TMP/e4.txt")"; fi
printf 'Lemma x : True.\nProof. exact I. Qed.\n' >"$TMP/Nothing.v"
if "$Q35" prove --theorems "$TMP/Nothing.v" 2>"$TMP/e5.txt"; then bad "file without problems accepted"; else
    grep -q "nothing to prove" "$TMP/e5.txt" && ok "no Admitted theorem: said so" || bad "no-problem message: $(cat "$TMP/e5.txt")"; fi
"$Q35" prove --help | grep -q -- "--budget-seconds" && ok "--help" || bad "--help"
exit $fail
