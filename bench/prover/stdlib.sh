#!/usr/bin/env bash
# Held-out stdlib benchmark: `q35 prove` against CoqHammer on the same lemmas, with the
# same per-lemma wall-clock budget, in one run. See bench/prover/README.md.
#
# Usage: bench/prover/stdlib.sh [--budget B] [--count N] [--limit K] [--seed S]
#                               [--out DIR] [--q35 BIN] [--only hammer|q35] [--resample]
#   --budget B   seconds per lemma, both systems (default 10)
#   --count N    lemmas sampled (default 200)
#   --limit K    run only the first K lemmas of the manifest (quick checks)
#   --out DIR    output folder (default build/prover-stdlib; git-ignored)
#   --q35 BIN    q35 binary (default build/q35)
#   --only X     run one system only (the table then shows the other as not run)
#   --resample   draw the sample again even if DIR/manifest.json matches
#
# Everything runs sequentially: the machine has 2 cores and CoqHammer itself runs
# GSMode (= CPU count) ATP strategies in parallel, so running files side by side would
# make the budgets unfair. Per-file wall-clock caps (coreutils timeout, then KILL)
# keep anything from hanging. Results: DIR/results.json, DIR/table.md (also printed).
set -euo pipefail

BUDGET=10
COUNT=200
LIMIT=0
SEED=35
OUT=build/prover-stdlib
Q35=build/q35
ONLY=both
RESAMPLE=0
while [ $# -gt 0 ]; do
    case "$1" in
        --budget) BUDGET=$2; shift 2 ;;
        --count) COUNT=$2; shift 2 ;;
        --limit) LIMIT=$2; shift 2 ;;
        --seed) SEED=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --q35) Q35=$2; shift 2 ;;
        --only) ONLY=$2; shift 2 ;;
        --resample) RESAMPLE=1; shift ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "stdlib.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
case "$BUDGET" in ''|*[!0-9]*) echo "stdlib.sh: --budget takes whole seconds" >&2; exit 2 ;; esac

HERE=$(cd "$(dirname "$0")" && pwd)
SAMPLER="$HERE/sample_stdlib.py"
# CoqHammer's helpers (predict, htimeout) live outside PATH on Debian
export PATH="/usr/libexec/coq-hammer:$PATH"
command -v coqc >/dev/null || { echo "stdlib.sh: coqc not found" >&2; exit 1; }
command -v predict >/dev/null || echo "stdlib.sh: warning: CoqHammer's predict not on PATH" >&2

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# ---- 1. sample (cached: coqc checks are keyed by text hash) --------------------------
need_sample=$RESAMPLE
if [ ! -f "$OUT/manifest.json" ]; then
    need_sample=1
elif ! python3 - "$OUT/manifest.json" "$COUNT" "$SEED" "$BUDGET" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
ok = (m["count"], m["seed"], m["budget_seconds"]) == tuple(int(x) for x in sys.argv[2:5])
sys.exit(0 if ok else 1)
EOF
then
    need_sample=1
fi
if [ "$need_sample" = 1 ]; then
    echo "== sampling $COUNT lemmas (seed $SEED, budget $BUDGET s) into $OUT"
    python3 "$SAMPLER" --out "$OUT" --count "$COUNT" --seed "$SEED" --budget "$BUDGET"
fi
RUN="$OUT"
if [ "$LIMIT" -gt 0 ]; then
    RUN=$(python3 "$SAMPLER" --out "$OUT" --render-limit "$LIMIT")
fi
echo "== problems: $RUN/problems (q35), $RUN/hammer (CoqHammer)"

# module, number of lemmas, Admitted-only load time, one line per problem file
mapfile -t PROBLEMS < <(python3 - "$RUN/manifest.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
for p in m["problems"]:
    n = sum(1 for l in m["lemmas"] if l["problem"] == p["problem"])
    print(p["module"], n, p.get("hammer_load_seconds", 5))
EOF
)

now() { date +%s.%N; }

# ---- 2. CoqHammer ----------------------------------------------------------------------
# One coqc per problem file, lemmas in order. CoqHammer 1.3.2 can lose Coq's `timeout`
# (see README), so a watchdog kills coqc (its process group) when a lemma shows no
# result STALL seconds after it started, records the lemma as hung, and restarts the
# file from the next lemma (the earlier attempts replaced by plain `Admitted.`).
if [ "$ONLY" != q35 ]; then
    mkdir -p "$RUN/logs/hammer" "$RUN/work-hammer"
    echo "== CoqHammer: ${#PROBLEMS[@]} files, budget $BUDGET s per lemma ($(nproc) cores)"
    python3 - "$RUN" "$BUDGET" <<'EOF2'
import json, os, queue, re, signal, subprocess, sys, threading, time

run, budget = sys.argv[1], int(sys.argv[2])
man = json.load(open(os.path.join(run, "manifest.json")))
STALL = 3 * budget + 60
BLOCK = re.compile(r'Proof\.\nidtac "Q35HAMMER_START (\S+)"\.\n.*?\nAdmitted\.', re.S)
MARK = re.compile(r"^Q35HAMMER_(START|OK|FAIL) (\S+)$")
FIN = re.compile(r"^Finished transaction in ([0-9.]+) secs")
work = os.path.join(run, "work-hammer")
t_all = time.monotonic()
tsv = open(os.path.join(run, "hammer-times.tsv"), "w")


def reader(pipe, q):
    for ln in iter(pipe.readline, ""):
        q.put(ln)
    q.put(None)


def kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # coqc and the workers it forked
    except ProcessLookupError:
        pass
    proc.wait()


for p in man["problems"]:
    mod = p["module"]
    names = [l["name"] for l in man["lemmas"] if l["problem"] == p["problem"]]
    text = open(os.path.join(run, p["hammer_problem"])).read()
    blocks = list(BLOCK.finditer(text))
    assert [m.group(1) for m in blocks] == names, (mod, names)
    n = len(names)
    cap = int(60 + 2 * p.get("hammer_load_seconds", 5) + n * (budget + 20))
    res = [{"name": nm, "status": "not reached", "proved": False, "seconds": None,
            "warmup_seconds": None, "wall_seconds": None} for nm in names]
    log = open(os.path.join(run, "logs", "hammer", mod + ".log"), "w")
    t_file = time.monotonic()
    start_idx, rcs, restarts = 0, [], 0
    while start_idx < n:
        variant = text
        for m in reversed(blocks[:start_idx]):
            variant = variant[:m.start()] + "Proof.\nAdmitted." + variant[m.end():]
        with open(os.path.join(work, mod + ".v"), "w") as f:
            f.write(variant)
        log.write("== Q35RUN from lemma %d\n" % (start_idx + 1))
        log.flush()
        proc = subprocess.Popen(["coqc", "-q", mod + ".v"], cwd=work, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace",
                                start_new_session=True)
        q = queue.Queue()
        threading.Thread(target=reader, args=(proc.stdout, q), daemon=True).start()
        idx, t_start, state, why = start_idx - 1, None, None, None
        while True:
            try:
                ln = q.get(timeout=1)
            except queue.Empty:
                ln = ""
            now = time.monotonic()
            if ln is None:
                break
            if ln:
                log.write(ln)
                log.flush()
                m = MARK.match(ln.rstrip("\n"))
                if m:
                    kind = m.group(1)
                    if kind == "START":
                        idx += 1
                        t_start, state = now, "warmup"
                        res[idx]["status"] = "started"
                    elif 0 <= idx < n:
                        res[idx]["proved"] = kind == "OK"
                        res[idx]["status"] = "proved" if kind == "OK" else "failed"
                        res[idx]["wall_seconds"] = round(now - t_start, 2)
                        state, t_start = "attempt", None
                    continue
                f = FIN.match(ln)
                if f and 0 <= idx < n:
                    if state == "warmup" and res[idx]["warmup_seconds"] is None:
                        res[idx]["warmup_seconds"] = float(f.group(1))
                    elif state == "attempt" and res[idx]["seconds"] is None:
                        res[idx]["seconds"] = float(f.group(1))
                        state = None
            if t_start is not None and now - t_start > STALL:
                why = "hung: no result %d s after start, coqc killed" % STALL
                kill_group(proc)
                break
            if now - t_file > cap:
                why = "file cap %d s reached, coqc killed" % cap
                kill_group(proc)
                break
        rc = proc.wait()
        rcs.append(rc)
        if all(r["status"] in ("proved", "failed") for r in res[start_idx:]):
            break
        if why and why.startswith("file cap"):
            for r in res[start_idx:]:
                if r["status"] not in ("proved", "failed"):
                    r["status"] = why
            break
        # the first lemma without a result: hung or killed coqc, or never reached
        k = next(i for i in range(start_idx, n) if res[i]["status"] not in ("proved", "failed"))
        if res[k]["status"] == "started":
            res[k]["status"] = why or "coqc exited (rc %d) during the attempt" % rc
            start_idx = k + 1
            restarts += 1
            continue
        for r in res[k:]:
            r["status"] = "not reached: coqc rc %d before the lemma" % rc
        break
    log.close()
    for ext in (".v", ".vo", ".vok", ".vos", ".glob"):
        try:
            os.remove(os.path.join(work, mod + ext))
        except OSError:
            pass
    secs = time.monotonic() - t_file
    with open(os.path.join(run, "logs", "hammer", mod + ".results.json"), "w") as f:
        json.dump({"module": mod, "restarts": restarts, "coqc_rc": rcs, "seconds": round(secs, 2),
                   "lemmas": res}, f, indent=1)
    rc = 0 if all(r == 0 for r in rcs) else rcs[-1] if rcs[-1] else 1
    tsv.write("%s\t%d\t%.2f\t%d\n" % (mod, rc, secs, cap))
    tsv.flush()
    ok = sum(r["status"] == "proved" for r in res)
    print("   %-52s %d/%d  %6.1f s%s" % (mod, ok, n, secs,
          "" if not restarts and rc == 0 else "  (%d restart(s), coqc rc %s)" % (restarts, rcs)),
          flush=True)
wall = time.monotonic() - t_all
open(os.path.join(run, "hammer-wall.txt"), "w").write("%.2f\n" % wall)
print("== CoqHammer wall time: %.1f s" % wall)
EOF2
fi

# ---- 3. q35 prove ----------------------------------------------------------------------
if [ "$ONLY" != hammer ]; then
    if [ ! -x "$Q35" ]; then
        echo "== q35: $Q35 not found or not executable; skipping (build it, or pass --q35)" >&2
    else
        mkdir -p "$RUN/q35" "$RUN/logs/q35"
        echo "== q35 prove: ${#PROBLEMS[@]} files, budget $BUDGET s per lemma"
        t_all=$(now)
        : > "$RUN/q35-times.tsv"
        for line in "${PROBLEMS[@]}"; do
            read -r mod n load <<<"$line"
            cap=$(python3 -c "print(int(60 + 2*float('$load') + $n*($BUDGET + 20)))")
            t0=$(now)
            rc=0
            timeout -k 10 "$cap" "$Q35" prove --theorems "$RUN/problems/$mod.v" \
                --budget-seconds "$BUDGET" --policy heuristic \
                --json "$RUN/q35/$mod.json" --output "$RUN/q35/$mod.proved.v" \
                > "$RUN/logs/q35/$mod.log" 2>&1 || rc=$?
            t1=$(now)
            secs=$(python3 -c "print(round($t1 - $t0, 2))")
            printf '%s\t%s\t%s\t%s\n' "$mod" "$rc" "$secs" "$cap" >> "$RUN/q35-times.tsv"
            printf '   %-52s rc %d  %6.1f s\n' "$mod" "$rc" "$secs"
        done
        t_end=$(now)
        python3 -c "print('== q35 wall time: %.1f s' % ($t_end - $t_all))"
        python3 -c "print($t_end - $t_all)" > "$RUN/q35-wall.txt"
    fi
fi

# ---- 4. aggregate ----------------------------------------------------------------------
python3 - "$RUN" "$BUDGET" "$(nproc)" <<'EOF'
import json, os, re, statistics, sys

run, budget, ncpu = sys.argv[1], int(sys.argv[2]), sys.argv[3]
man = json.load(open(os.path.join(run, "manifest.json")))


def read_tsv(name):
    out = {}
    p = os.path.join(run, name)
    if os.path.exists(p):
        for ln in open(p):
            mod, rc, secs, cap = ln.rstrip("\n").split("\t")
            out[mod] = {"rc": int(rc), "seconds": float(secs), "cap": int(cap)}
    return out


def read_float(name):
    p = os.path.join(run, name)
    return float(open(p).read()) if os.path.exists(p) else None


ham_times, q35_times = read_tsv("hammer-times.tsv"), read_tsv("q35-times.tsv")
FIN = re.compile(r"^Finished transaction in ([0-9.]+) secs")


TOL = 0.25  # Coq's `Time` against the budget: timer granularity


def hammer_results(mod):
    """Per-lemma results in file order, from the driver's DIR/logs/hammer/<mod>.results.json.
    A proof counts only if it was found within the budget (CoqHammer 1.3.2 does not
    always honour Coq's `timeout`, so this is checked on the measured time)."""
    p = os.path.join(run, "logs", "hammer", mod + ".results.json")
    if not os.path.exists(p):
        return None
    out = []
    for r in json.load(open(p))["lemmas"]:
        r = dict(r)
        if r["status"] == "proved" and (r["seconds"] is None or r["seconds"] > budget + TOL):
            r["proved"] = False
            r["status"] = "proved after the budget (%s s)" % r["seconds"]
        out.append(r)
    return out


def q35_results(mod):
    p = os.path.join(run, "q35", mod + ".json")
    if not os.path.exists(p):
        return None
    try:
        return json.load(open(p))
    except ValueError:
        return None


rows = []
by_problem = {}
for l in man["lemmas"]:
    by_problem.setdefault(l["problem"], []).append(l)
for p in man["problems"]:
    mod = p["module"]
    lemmas = by_problem.get(p["problem"], [])
    hres = hammer_results(mod)
    qj = q35_results(mod)
    qthms = list((qj or {}).get("theorems", []))
    used = set()
    for i, l in enumerate(lemmas):
        row = {k: l[k] for k in ("id", "library", "name", "source", "line", "problem")}
        # hammer
        if hres is None or i >= len(hres) or hres[i]["name"] != l["name"]:
            row["hammer"] = None
        else:
            row["hammer"] = hres[i]
        # q35: match by name (or the last component of a qualified name), in order
        if qj is None:
            row["q35"] = None
        else:
            hit = None
            for j, t in enumerate(qthms):
                nm = str(t.get("name", ""))
                if j not in used and (nm == l["name"] or nm.split(".")[-1] == l["name"]):
                    hit = j
                    break
            if hit is None and len(qthms) == len(lemmas) and i not in used:
                hit = i
            if hit is None:
                row["q35"] = {"proved": False, "status": "missing from q35 json"}
            else:
                used.add(hit)
                t = qthms[hit]
                row["q35"] = {k: t.get(k) for k in ("proved", "seconds", "expansions", "proof_length",
                                                     "proof", "rechecked")}
                row["q35"]["proved"] = bool(t.get("proved")) and t.get("rechecked", True) is not False
        rows.append(row)


def proved(r, sys_):
    v = r.get(sys_)
    return bool(v and v.get("proved"))


libs = [name for name in man["quotas"]]
have_h = any(r["hammer"] is not None for r in rows)
have_q = any(r["q35"] is not None for r in rows)


def cell(k, n, have):
    if not have:
        return "not run"
    return "%d (%.1f%%)" % (k, 100.0 * k / n) if n else "-"


lines = []
lines.append("Held-out stdlib sample (%d lemmas, seed %s, Coq %s), budget %d s per lemma, %s cores."
             % (len(rows), man["seed"], man.get("coq_version", "?"), budget, ncpu))
lines.append("")
lines.append("| Library | Lemmas | q35 prove | CoqHammer | Both | q35 only | Hammer only |")
lines.append("|---|---:|---:|---:|---:|---:|---:|")
groups = [(lib, [r for r in rows if r["library"] == lib]) for lib in libs] + [("**All**", rows)]
for lib, rs in groups:
    if not rs:
        continue
    n = len(rs)
    q = sum(proved(r, "q35") for r in rs)
    h = sum(proved(r, "hammer") for r in rs)
    b = sum(proved(r, "q35") and proved(r, "hammer") for r in rs)
    both = have_h and have_q
    lines.append("| %s | %d | %s | %s | %s | %s | %s |" % (
        lib, n, cell(q, n, have_q), cell(h, n, have_h),
        b if both else "-", (q - b) if both else "-", (h - b) if both else "-"))
lines.append("")


def tstats(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "-"
    return "mean %.2f s, median %.2f s" % (statistics.mean(vals), statistics.median(vals))


loads = [p["load_seconds"] for p in man["problems"]]
lines.append("Context loading (coqc of the Admitted-only problem files, %d files): total %.1f s, %s."
             % (len(loads), sum(loads), tstats(loads)))
if have_h:
    hw = read_float("hammer-wall.txt")
    hs = [r["hammer"]["seconds"] for r in rows if proved(r, "hammer")]
    warm = [r["hammer"].get("warmup_seconds") for r in rows if r["hammer"]]
    capped = [m for m, t in ham_times.items() if t["rc"] != 0]
    odd = {}
    for r in rows:
        st = (r["hammer"] or {}).get("status", "")
        if st not in ("proved", "failed", ""):
            odd[st.split(":")[0].split(" (")[0]] = odd.get(st.split(":")[0].split(" (")[0], 0) + 1
    lines.append("CoqHammer: wall time %s for all files (coqc, loading included); time to proof on "
                 "proved lemmas: %s; untimed feature warm-up (`predict 1`) per lemma: %s.%s"
                 % ("%.0f s" % hw if hw else "?", tstats(hs), tstats(warm),
                    (" coqc killed or failed (see logs/hammer/*.results.json) on: %s." % ", ".join(capped)) if capped else ""))
    if odd:
        lines.append("CoqHammer lemmas counted as failed for other reasons: %s."
                     % ", ".join("%s: %d" % kv for kv in sorted(odd.items())))
if have_q:
    qw = read_float("q35-wall.txt")
    qs = [r["q35"].get("seconds") for r in rows if proved(r, "q35")]
    bad = [m for m, t in q35_times.items() if t["rc"] != 0]
    lines.append("q35 prove: wall time %s for all files; time to proof on proved lemmas: %s.%s"
                 % ("%.0f s" % qw if qw else "?", tstats(qs),
                    (" q35 exited non-zero on: %s." % ", ".join(bad)) if bad else ""))
table = "\n".join(lines) + "\n"
with open(os.path.join(run, "table.md"), "w") as f:
    f.write(table)
with open(os.path.join(run, "results.json"), "w") as f:
    json.dump({"budget_seconds": budget, "cores": int(ncpu), "seed": man["seed"],
               "total": len(rows),
               "q35_proved": sum(proved(r, "q35") for r in rows) if have_q else None,
               "hammer_proved": sum(proved(r, "hammer") for r in rows) if have_h else None,
               "lemmas": rows}, f, indent=1)
print()
print(table)
print("results: %s, %s" % (os.path.join(run, "results.json"), os.path.join(run, "table.md")))
EOF
