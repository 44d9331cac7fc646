#!/usr/bin/env python3
"""Held-out Coq standard-library benchmark for `q35 prove`: a deterministic sample.

Draws lemmas (default 200) from the Coq standard library that is installed with
coqc, spread over libraries by fixed quotas, and writes for every chosen source file

  problems/<P>.v   the file up to its last sampled lemma, every sampled lemma's proof
                   replaced by `Admitted.` (earlier lemmas keep their real proofs), open
                   Sections/Modules closed; what `q35 prove --theorems` reads;
  hammer/<P>.v     the same file with CoqHammer loaded and configured (at top level,
                   just before the first sampled lemma or the outermost Section/Module
                   holding it) and each sampled lemma's `Admitted.` preceded by a
                   CoqHammer attempt under
                   the same per-lemma wall-clock budget B (hammer, then sauto);
  manifest.json    lemmas (name, library, source file, line, problem file), problem
                   files, dropped files with the reason, quotas and settings.

Determinism: no clock, no directory order, no hash order. Files are listed sorted,
each library has its own random.Random seeded with the string "<seed>/<library>"
(string seeds are hashed with SHA-512 by Python, so PYTHONHASHSEED does not matter),
and the only outside input is whether coqc accepts a problem file, which is a
property of the installed Coq. Compile results are cached by the SHA-256 of the text
(cache/), so a rerun only recompiles what changed.

Usage: sample_stdlib.py [--out build/prover-stdlib] [--count 200] [--seed 35]
                        [--budget 10] [--per-file 3] [--max-statement-lines 8]
       sample_stdlib.py --out DIR --render-limit K   (re-render the first K lemmas of
                        an existing manifest into DIR/limit-K/{problems,hammer})
       sample_stdlib.py --self-test                  (splitter checks on the stdlib)
"""

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

# ---------------------------------------------------------------------------------
# Libraries and quotas (per 200 lemmas; other --count values scale them by largest
# remainder). A library is one or more directories under theories/.

LIBRARIES = [
    # (name, directories, quota per 200)
    ("Arith", ["Arith"], 20),
    ("Bool", ["Bool"], 15),
    ("Lists", ["Lists"], 25),
    ("Logic", ["Logic"], 15),
    ("NArith/PArith", ["NArith", "PArith"], 20),
    ("ZArith", ["ZArith"], 25),
    ("QArith", ["QArith"], 15),
    ("Reals", ["Reals"], 30),
    ("Sorting", ["Sorting"], 10),
    ("Structures", ["Structures"], 10),
    ("Relations/Sets/Wellfounded", ["Relations", "Sets", "Wellfounded"], 10),
    ("Numbers", ["Numbers"], 5),
]

THEOREM_KW = ("Lemma", "Theorem", "Corollary", "Fact", "Remark", "Proposition")
# Sentences that open a new statement (a lemma whose proof meets one is nested).
STATEMENT_KW = set(THEOREM_KW) | {
    "Definition", "Fixpoint", "CoFixpoint", "Instance", "Example", "Goal", "Let",
    "Program", "Function", "Equations", "Property", "Section", "Module", "End",
}
PROOF_END = ("Qed.", "Defined.", "Admitted.", "Abort.", "Abort All.")

MARK = "Q35HAMMER"


# ---------------------------------------------------------------------------------
# Sentence splitter

class Sentence:
    __slots__ = ("start", "end", "raw", "clean")

    def __init__(self, start, end, raw, clean):
        self.start = start  # offset of the first character (not a comment or blank)
        self.end = end      # offset just after the terminating '.', bullet or brace
        self.raw = raw
        self.clean = clean  # comments removed, blanks collapsed

    def __repr__(self):
        return "Sentence(%d,%d,%r)" % (self.start, self.end, self.clean)


def _skip_string(text, i):
    """text[i] == '"'; return the offset after the closing quote ("" is an escaped
    quote inside the string)."""
    n = len(text)
    i += 1
    while i < n:
        if text[i] == '"':
            if i + 1 < n and text[i + 1] == '"':
                i += 2
                continue
            return i + 1
        i += 1
    return n


def _skip_comment(text, i):
    """text[i:i+2] == '(*'; return the offset after the matching '*)'. Comments nest,
    and a string inside a comment is lexed as a string (as coqc does), so a '*)'
    inside it does not close the comment."""
    n = len(text)
    depth = 0
    while i < n:
        if text.startswith("(*", i):
            depth += 1
            i += 2
        elif text.startswith("*)", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        elif text[i] == '"':
            i = _skip_string(text, i)
        else:
            i += 1
    return n


_SELECTOR_BRACE = re.compile(r"^\s*(\d+(\s*,\s*\d+)*|\[\s*[A-Za-z_][\w']*\s*\])\s*:\s*$")


def split_sentences(text):
    """Split Coq source into sentences.

    - comments (* ... *) nest and may hold strings; they are never sentences;
    - strings "..." use "" for a quote;
    - '.' ends a sentence when followed by a blank or the end of the text, and so
      does '...' (`tac...`, the `Proof with` form); '..' and longer runs never do;
      '.' before anything else (qualified names `Nat.add`, `x.(f)`, `1.5`) does not;
    - at the start of a sentence a run of one bullet character (-, +, *) is a
      sentence, and so is each of '{' and '}'; `2: {` / `[g]: {` end at the brace.
    """
    out = []
    n = len(text)
    i = 0
    start = None
    buf = []  # pieces of the current sentence without comments

    def emit(end):
        raw = text[start:end]
        clean = " ".join("".join(buf).split())
        out.append(Sentence(start, end, raw, clean))

    while i < n:
        c = text[i]
        if c == "(" and text.startswith("(*", i):
            j = _skip_comment(text, i)
            if start is not None:
                buf.append(" ")
            i = j
            continue
        if start is None:
            if c.isspace():
                i += 1
                continue
            start = i
            buf = []
            if c in "-+*":
                j = i
                while j < n and text[j] == c:
                    j += 1
                buf.append(text[i:j])
                emit(j)
                start = None
                i = j
                continue
            if c in "{}":
                buf.append(c)
                emit(i + 1)
                start = None
                i += 1
                continue
        if c == '"':
            j = _skip_string(text, i)
            buf.append(text[i:j])
            i = j
            continue
        if c == "{" and _SELECTOR_BRACE.match("".join(buf)):
            buf.append(c)
            emit(i + 1)
            start = None
            i += 1
            continue
        if c == ".":
            j = i
            while j < n and text[j] == ".":
                j += 1
            if j - i == 3 and (j >= n or text[j].isspace()):
                buf.append("...")  # `tac...`: the `Proof with` terminator
                emit(j)
                start = None
                i = j
                continue
            if j - i >= 2:
                buf.append(text[i:j])
                i = j
                continue
            if j >= n or text[j].isspace():
                buf.append(".")
                emit(i + 1)
                start = None
                i += 1
                continue
            buf.append(".")
            i += 1
            continue
        buf.append(c)
        i += 1
    if start is not None and "".join(buf).strip():
        emit(n)  # unterminated tail (not a sentence coqc would accept)
    return out


# ---------------------------------------------------------------------------------
# Parsing a source file into candidate lemmas

_ATTR = re.compile(r"^(#\[[^\]]*\]\s*)+")
_MODIFIERS = ("Local", "Global", "Polymorphic", "Monomorphic", "Private",
              "Cumulative", "NonCumulative")


def head_words(clean):
    """The sentence without attributes and locality modifiers, split in words."""
    s = _ATTR.sub("", clean)
    words = s.split()
    while words and words[0] in _MODIFIERS:
        words = words[1:]
    return words


def first_kw(clean):
    w = head_words(clean)
    if not w:
        return ""
    return re.match(r"[A-Za-z_]*", w[0]).group(0)


_NAME = re.compile(r"^\s*([A-Za-z_][\w']*)")


class Lemma:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def parse_candidates(text, sents, max_lines):
    """Lemma|Theorem|... statements proved by `Proof. ... Qed.` (or tactics right
    after the statement, ending in Qed.). Returns (candidates, skipped counts)."""
    cands = []
    skipped = {}

    def skip(why):
        skipped[why] = skipped.get(why, 0) + 1

    k = 0
    line_of = _line_index(text)
    while k < len(sents):
        s = sents[k]
        words = head_words(s.clean)
        if not words or words[0] not in THEOREM_KW:
            k += 1
            continue
        kw = words[0]
        rest = s.clean[s.clean.find(kw) + len(kw):]
        m = _NAME.match(rest)
        if not m:
            skip("no name")
            k += 1
            continue
        name = m.group(1)
        # the proof: Proof. ... Qed.
        j = k + 1
        why = None
        if j < len(sents):
            p = sents[j].clean
            if p == "Proof.":
                pass
            elif re.match(r"^Proof\b", p):
                why = "Proof using/with/term"
        end = None
        t = j
        while t < len(sents):
            c = sents[t].clean
            if c in PROOF_END or c.startswith("Save ") or c.startswith("Abort"):
                end = t
                break
            if t > j and first_kw(c) in STATEMENT_KW:
                why = why or "nested statement"
                break
            t += 1
        if end is None:
            skip(why or "no end")
            k = max(t, k + 1)
            continue
        if sents[end].clean != "Qed.":
            skip("ends with " + sents[end].clean)
            k = end + 1
            continue
        if why:
            skip(why)
            k = end + 1
            continue
        nlines = s.raw.count("\n") + 1
        if nlines > max_lines:
            skip("statement over %d lines" % max_lines)
            k = end + 1
            continue
        if len(re.findall(r"\bwith\b", s.clean)) > len(re.findall(r"\bmatch\b", s.clean)):
            skip("mutual statement (with)")
            k = end + 1
            continue
        cands.append(Lemma(name=name, kind=kw, stmt=k, proof_first=j, qed=end,
                           line=line_of(s.start), statement=s.clean))
        k = end + 1
    return cands, skipped


def _line_index(text):
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())

    def line_of(off):
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= off:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1
    return line_of


# ---------------------------------------------------------------------------------
# Sections and modules

_SECTION = re.compile(r"^Section\s+([A-Za-z_][\w']*)\s*\.$")
_MODULE = re.compile(r"^Module\s+(?:Type\s+)?(?:(?:Import|Export)\s+)?([A-Za-z_][\w']*)(.*)\.$", re.S)
_END = re.compile(r"^End\s+([A-Za-z_][\w']*)\s*\.$")


def open_blocks(sents, upto):
    """Sections/Modules still open after sentences[0:upto]: list of (kind, name,
    sentence index), outermost first. None if the nesting is not understood."""
    stack = []
    for idx in range(upto):
        c = " ".join(head_words(sents[idx].clean))
        m = _SECTION.match(c)
        if m:
            stack.append(("Section", m.group(1), idx))
            continue
        m = _MODULE.match(c)
        if m:
            if ":=" not in m.group(2):
                stack.append(("Module", m.group(1), idx))
            continue
        m = _END.match(c)
        if m:
            if not stack or stack[-1][1] != m.group(1):
                return None
            stack.pop()
    return stack


def strip_module_restriction(raw):
    """`Module M (X : T) <: S.` -> `Module M (X : T).` (also `: S`): a module cut
    in the middle cannot satisfy its signature at `End M.`; dropping the check does
    not change the module's contents (`<:` does not seal; nothing follows the cut)."""
    # find the end of the header's parameters: scan top-level parens/brackets
    m = re.match(r"(\s*(?:#\[[^\]]*\]\s*)*(?:(?:Local|Global)\s+)?Module\s+(?:Type\s+)?"
                 r"(?:(?:Import|Export)\s+)?[A-Za-z_][\w']*)", raw)
    if not m:
        return raw
    i = m.end()
    n = len(raw)
    depth = 0
    while i < n:
        c = raw[i]
        if raw.startswith("(*", i):
            i = _skip_comment(raw, i)
            continue
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0 and c == ":" or depth == 0 and raw.startswith("<:", i):
            return raw[:i].rstrip() + "."
        elif depth == 0 and c == "." and (i + 1 >= n or raw[i + 1].isspace()):
            return raw
        i += 1
    return raw


# ---------------------------------------------------------------------------------
# Rendering problem files

def hammer_limits(budget):
    """CoqHammer's own limits inside the B-second budget (B = 10: 1, 4, 2).

    hammer runs: preliminary sauto variants in parallel (SAutoLimit), then GSMode ATP
    strategies in parallel (each ATP under `htimeout ATPLimit+1`), then, if an ATP
    found a proof, reconstruction: 1 s of pre-tactics and up to 7 batches of 4
    tactics in parallel, ReconstrLimit each. For B = 10 the schedule up to the first
    reconstruction batch fits in B (1 + ~0.5 + 5 + 1 + 2 = 9.5 s); later batches do
    not, and neither does the sauto fallback when hammer used it all up. The whole
    attempt is under Coq's `timeout B`, which CoqHammer 1.3.2 does not always honour
    (see README: the timer is lost while hammer waits for its forked workers), so
    the benchmark also checks the measured time: a proof found after B seconds is
    not counted."""
    atp = max(1, int(budget * 0.4))
    rec = max(1, int(budget * 0.2))
    sauto = 1 if budget >= 4 else 0
    return atp, rec, sauto


def hammer_prelude(budget, filters, atps_missing, gsmode):
    atp, rec, sauto = hammer_limits(budget)
    lines = ["(* q35 stdlib benchmark: CoqHammer version (generated by bench/prover/sample_stdlib.py) *)",
             "From Hammer Require Import Hammer."]
    for p in atps_missing:
        lines.append("Unset Hammer %s." % p)
    lines += ["Set Hammer GSMode %d." % gsmode,
              "Set Hammer ATPLimit %d." % atp,
              "Set Hammer ReconstrLimit %d." % rec,
              "Set Hammer SAutoLimit %d." % sauto]
    # Hide from hammer's premise selection the libraries that only the hammer import
    # loaded: the problem file does not load them, so q35 cannot see them either, and
    # they may hold the very lemma under test (e.g. Coq.Arith.PeanoNat).
    for f in filters:
        lines.append("Add Hammer Filter %s." % f)
    return "\n".join(lines) + "\n"


def hammer_attempt(name, budget):
    return ("Proof.\n"
            "idtac \"%(m)s_START %(n)s\".\n"
            "Time try predict 1.\n"
            "Time tryif (timeout %(b)d (first [ solve [hammer] | solve [timeout %(b)d sauto] ])) "
            "then idtac \"%(m)s_OK %(n)s\" else idtac \"%(m)s_FAIL %(n)s\".\n"
            "Admitted." % {"m": MARK, "n": name, "b": int(budget)})


def render(text, sents, lemmas, mode, budget=10, filters=(), atps_missing=(), gsmode=2):
    """mode: 'plain' (Admitted), 'hammer' (attempt + Admitted), 'check-plain' (plain +
    Print Libraries), 'check-hammer' (hammer prelude, Admitted only)."""
    lemmas = sorted(lemmas, key=lambda l: l.stmt)
    last = lemmas[-1]
    cut_sent = last.qed + 1
    blocks = open_blocks(sents, cut_sent)
    if blocks is None:
        raise ValueError("Section/Module nesting not understood")
    rewrite = {}
    for kind, _, idx in blocks:
        if kind == "Module":
            new = strip_module_restriction(sents[idx].raw)
            if new != sents[idx].raw:
                rewrite[idx] = new
    pieces = []
    pos = 0
    # rewritten module headers and replaced proofs, in text order
    edits = []
    for idx, new in rewrite.items():
        edits.append((sents[idx].start, sents[idx].end, new))
    for l in lemmas:
        s = sents[l.stmt]
        e = sents[l.qed]
        if mode in ("hammer",):
            repl = "\n" + hammer_attempt(l.name, budget)
        else:
            repl = "\nAdmitted."
        edits.append((s.end, e.end, repl))
    if mode in ("hammer", "check-hammer"):
        # CoqHammer goes in as late as it can: at top level, just before the first
        # sampled lemma or before the outermost Section/Module that holds it. Loading
        # it (and the libraries it requires: Lia, ZArith, Lists, ...) at the top of the
        # file would change what the file's own earlier proofs see (`intuition` is
        # `auto with *`, which picks up the extra hints) and break some of them.
        first = lemmas[0]
        outer = open_blocks(sents, first.stmt)
        at = sents[outer[0][2]].start if outer else sents[first.stmt].start
        edits.append((at, at, hammer_prelude(budget, filters, atps_missing, gsmode) + "\n"))
    edits.sort(key=lambda e: (e[0], e[1]))
    for a, b, new in edits:
        pieces.append(text[pos:a])
        pieces.append(new)
        pos = b
    end_off = sents[last.qed].end
    pieces.append(text[pos:end_off])
    pieces.append("\n")
    for kind, name, _ in reversed(blocks):
        pieces.append("End %s.\n" % name)
    body = "".join(pieces)
    if mode == "check-plain":
        body += "Print Libraries.\n"
    return body


# ---------------------------------------------------------------------------------
# coqc

def coqc_check(text, modname, workdir, cache_dir, timeout_s):
    """Compile `text` as <modname>.v with coqc in workdir. Cached by content hash.
    Returns dict(ok, seconds, tail, stdout)."""
    h = hashlib.sha256((modname + "\n" + text).encode()).hexdigest()
    cpath = os.path.join(cache_dir, h + ".json")
    if os.path.exists(cpath):
        with open(cpath) as f:
            return json.load(f)
    os.makedirs(workdir, exist_ok=True)
    vpath = os.path.join(workdir, modname + ".v")
    with open(vpath, "w") as f:
        f.write(text)
    t0 = time.monotonic()
    try:
        p = subprocess.run(["coqc", "-q", modname + ".v"], cwd=workdir, capture_output=True,
                           text=True, timeout=timeout_s)
        rc = p.returncode
        out = p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        rc = -1
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        out += "\n[timed out after %d s]" % timeout_s
    secs = time.monotonic() - t0
    for ext in (".v", ".vo", ".vok", ".vos", ".glob"):
        try:
            os.remove(os.path.join(workdir, modname + ext))
        except OSError:
            pass
    aux = os.path.join(workdir, "." + modname + ".aux")
    if os.path.exists(aux):
        os.remove(aux)
    res = {"ok": rc == 0, "rc": rc, "seconds": round(secs, 3),
           "tail": "\n".join(out.strip().splitlines()[-6:]), "stdout": out if rc == 0 else ""}
    os.makedirs(cache_dir, exist_ok=True)
    with open(cpath, "w") as f:
        json.dump(res, f)
    return res


def libraries_from_print(out):
    libs = set()
    for tok in out.split():
        if re.match(r"^Coq(\.[A-Za-z_][\w']*)+$", tok):
            libs.add(tok)
    return libs


def hammer_closure(workdir, cache_dir):
    text = "From Hammer Require Import Hammer.\nPrint Libraries.\n"
    r = coqc_check(text, "q35_hammer_libs", workdir, cache_dir, 300)
    if not r["ok"]:
        sys.exit("CoqHammer does not load: " + r["tail"])
    return libraries_from_print(r["stdout"])


# ---------------------------------------------------------------------------------
# Sampling

def quotas_for(count):
    total = sum(q for _, _, q in LIBRARIES)
    raw = [(name, count * q / total) for name, _, q in LIBRARIES]
    base = {name: int(x) for name, x in raw}
    left = count - sum(base.values())
    order = sorted(raw, key=lambda t: (-(t[1] - int(t[1])), [l[0] for l in LIBRARIES].index(t[0])))
    for name, _ in order[:left]:
        base[name] += 1
    return base


def theories_dir():
    p = subprocess.run(["coqc", "-where"], capture_output=True, text=True, check=True)
    return os.path.join(p.stdout.strip(), "theories")


def safe_mod(lib_rel):
    s = re.sub(r"[^A-Za-z0-9_]", "_", lib_rel[:-2] if lib_rel.endswith(".v") else lib_rel)
    return "q35_" + s


def atps_missing():
    names = {"Vampire": "vampire", "Eprover": "eprover", "CVC4": "cvc4", "Z3": "z3_tptp"}
    return [k for k, v in names.items() if shutil.which(v) is None]


def load_source(theories, rel):
    with open(os.path.join(theories, rel), encoding="utf-8") as f:
        text = f.read()
    return text


def sample(args):
    theories = theories_dir()
    out = args.out
    cache = os.path.join(out, "cache")
    work = os.path.join(out, "work")
    for d in ("problems", "hammer"):
        shutil.rmtree(os.path.join(out, d), ignore_errors=True)
        os.makedirs(os.path.join(out, d))
    ham_libs = hammer_closure(work, cache)
    missing = atps_missing()
    quotas = quotas_for(args.count)
    log = sys.stderr

    per_lib_files = {}
    cand_counts = {}
    skipped_total = {}
    for name, dirs, _ in LIBRARIES:
        files = []
        for d in dirs:
            base = os.path.join(theories, d)
            for root, dnames, fnames in os.walk(base):
                dnames.sort()
                for fn in sorted(fnames):
                    if fn.endswith(".v"):
                        files.append(os.path.relpath(os.path.join(root, fn), theories))
        files.sort()
        parsed = []
        nc = 0
        for rel in files:
            text = load_source(theories, rel)
            sents = split_sentences(text)
            cands, skipped = parse_candidates(text, sents, args.max_statement_lines)
            for k, v in skipped.items():
                skipped_total[k] = skipped_total.get(k, 0) + v
            if re.search(r"\bAdmitted\.|\badmit\b", "\n".join(s.clean for s in sents)):
                continue  # an original Admitted would be taken for a problem
            if cands:
                parsed.append((rel, text, sents, cands))
                nc += len(cands)
        # at most per_file lemmas from one file, raised for libraries with few files
        # so that the quota can be met: ceil(1.5 * quota / files)
        cap = max(args.per_file, -(-3 * quotas[name] // (2 * max(1, len(parsed)))))
        cand_counts[name] = {"files": len(parsed), "lemmas": nc, "per_file_cap": cap}
        rng = random.Random("%d/%s" % (args.seed, name))
        order = list(range(len(parsed)))
        rng.shuffle(order)
        per_lib_files[name] = {"rng": rng, "queue": [parsed[i] for i in order], "cap": cap}

    problems = []
    dropped = []
    lemmas_out = []
    got = {name: 0 for name, _, _ in LIBRARIES}

    def take_from(name, want):
        st = per_lib_files[name]
        rng = st["rng"]
        while want > 0 and st["queue"]:
            rel, text, sents, cands = st["queue"].pop(0)
            k = min(st["cap"], len(cands), want)
            pick = sorted(rng.sample(range(len(cands)), k))
            chosen = [cands[i] for i in pick]
            mod = safe_mod(rel)
            log.write("[sample] %-26s %-40s %d lemma(s) ... " % (name, rel, k))
            log.flush()
            try:
                plain_check = render(text, sents, chosen, "check-plain")
            except ValueError as e:
                dropped.append({"library": name, "source": rel, "reason": str(e)})
                log.write("dropped (%s)\n" % e)
                continue
            r1 = coqc_check(plain_check, mod, work, cache, args.compile_timeout)
            if not r1["ok"]:
                dropped.append({"library": name, "source": rel, "lemmas": [c.name for c in chosen],
                                "reason": "problem file does not compile standalone",
                                "coqc": r1["tail"]})
                log.write("dropped (coqc: %s)\n" % r1["tail"].splitlines()[-1:])
                continue
            own = libraries_from_print(r1["stdout"])
            filters = sorted(ham_libs - own)
            hcheck = render(text, sents, chosen, "check-hammer", args.budget, filters, missing, args.gsmode)
            r2 = coqc_check(hcheck, mod, work, cache, args.compile_timeout)
            if not r2["ok"]:
                dropped.append({"library": name, "source": rel, "lemmas": [c.name for c in chosen],
                                "reason": "CoqHammer version does not compile (hammer import clashes)",
                                "coqc": r2["tail"]})
                log.write("dropped (hammer prelude: %s)\n" % r2["tail"].splitlines()[-1:])
                continue
            plain = render(text, sents, chosen, "plain")
            ham = render(text, sents, chosen, "hammer", args.budget, filters, missing, args.gsmode)
            ppath = os.path.join("problems", mod + ".v")
            hpath = os.path.join("hammer", mod + ".v")
            with open(os.path.join(out, ppath), "w") as f:
                f.write(plain)
            with open(os.path.join(out, hpath), "w") as f:
                f.write(ham)
            problems.append({"problem": ppath, "hammer_problem": hpath, "module": mod,
                             "library": name, "source": rel,
                             "logical": "Coq." + rel[:-2].replace("/", "."),
                             "lemmas": [c.name for c in chosen],
                             "load_seconds": r1["seconds"], "hammer_load_seconds": r2["seconds"],
                             "hammer_filters": len(filters)})
            for c in chosen:
                lemmas_out.append({"name": c.name, "kind": c.kind, "library": name, "source": rel,
                                   "line": c.line, "problem": ppath, "hammer_problem": hpath,
                                   "statement": c.statement})
            want -= k
            got[name] += k
            log.write("ok (%.1f s, hammer %.1f s)\n" % (r1["seconds"], r2["seconds"]))
        return want

    deficit = 0
    for name, _, _ in LIBRARIES:
        deficit += take_from(name, quotas[name])
    # libraries that ran out give their remaining quota to the others, in list order
    for name, _, _ in LIBRARIES:
        if deficit <= 0:
            break
        deficit = take_from(name, deficit)
    if deficit > 0:
        log.write("[sample] warning: %d lemma(s) short of --count\n" % deficit)

    for i, l in enumerate(lemmas_out):
        l["id"] = i + 1
    manifest = {
        "generator": "bench/prover/sample_stdlib.py",
        "coq_version": subprocess.run(["coqc", "--print-version"], capture_output=True,
                                      text=True).stdout.split()[0],
        "theories": theories,
        "seed": args.seed, "count": args.count, "per_file": args.per_file,
        "max_statement_lines": args.max_statement_lines,
        "budget_seconds": args.budget,
        "quotas": quotas, "sampled_per_library": got,
        "candidates_per_library": cand_counts,
        "skipped_candidates": dict(sorted(skipped_total.items())),
        "hammer": {"gsmode": args.gsmode, "atps_disabled": missing,
                   "atp_limit": hammer_limits(args.budget)[0],
                   "reconstr_limit": hammer_limits(args.budget)[1],
                   "sauto_limit": hammer_limits(args.budget)[2],
                   "libraries_loaded_by_hammer": len(ham_libs)},
        "total": len(lemmas_out),
        "problems": problems, "lemmas": lemmas_out, "dropped": dropped,
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    log.write("[sample] %d lemmas in %d problem files, %d files dropped; manifest: %s\n"
              % (len(lemmas_out), len(problems), len(dropped), os.path.join(out, "manifest.json")))


def render_limit(args):
    """Re-render the first K manifest lemmas (manifest order = problem file order,
    then position) into OUT/limit-K/: the last file is cut after its K-th lemma."""
    with open(os.path.join(args.out, "manifest.json")) as f:
        man = json.load(f)
    theories = man["theories"]
    k = args.render_limit
    dst = os.path.join(args.out, "limit-%d" % k)
    os.makedirs(os.path.join(dst, "problems"), exist_ok=True)
    os.makedirs(os.path.join(dst, "hammer"), exist_ok=True)
    keep = man["lemmas"][:k]
    missing = man["hammer"]["atps_disabled"]
    cache = os.path.join(args.out, "cache")
    ham_libs = hammer_closure(os.path.join(args.out, "work"), cache)
    for p in man["problems"]:
        names = [l["name"] for l in keep if l["problem"] == p["problem"]]
        if not names:
            continue
        text = load_source(theories, p["source"])
        sents = split_sentences(text)
        cands, _ = parse_candidates(text, sents, man["max_statement_lines"])
        chosen = []
        want = list(names)
        for c in cands:  # same order as the manifest (position in file)
            if want and c.name == want[0]:
                chosen.append(c)
                want.pop(0)
        r1 = coqc_check(render(text, sents, chosen, "check-plain"), p["module"],
                        os.path.join(args.out, "work"), cache, args.compile_timeout)
        filters = sorted(ham_libs - libraries_from_print(r1["stdout"]))
        with open(os.path.join(dst, p["problem"]), "w") as f:
            f.write(render(text, sents, chosen, "plain"))
        with open(os.path.join(dst, p["hammer_problem"]), "w") as f:
            f.write(render(text, sents, chosen, "hammer", man["budget_seconds"], filters, missing,
                           man["hammer"]["gsmode"]))
    sub = dict(man)
    sub["lemmas"] = keep
    sub["problems"] = [p for p in man["problems"] if any(l["problem"] == p["problem"] for l in keep)]
    sub["total"] = len(keep)
    sub["limit"] = k
    with open(os.path.join(dst, "manifest.json"), "w") as f:
        json.dump(sub, f, indent=1)
    print(dst)


def self_test():
    t = 'Lemma a : x = y. (* c. (* d. *) "*)" *) Proof. - intros. + now rewrite Nat.add_0_r.\n' \
        '  * { auto. } 2: { lia. } Qed.\nNotation "x .. y" := (f x .. y).\nDefinition s := "a."" b".\n'
    got = [s.clean for s in split_sentences(t)]
    want = ["Lemma a : x = y.", "Proof.", "-", "intros.", "+", "now rewrite Nat.add_0_r.", "*", "{",
            "auto.", "}", "2: {", "lia.", "}", "Qed.", 'Notation "x .. y" := (f x .. y).',
            'Definition s := "a."" b".']
    assert got == want, got
    th = theories_dir()
    nfiles = nsent = nqed = 0
    for root, dnames, fnames in os.walk(th):
        dnames.sort()
        for fn in sorted(fnames):
            if not fn.endswith(".v"):
                continue
            text = open(os.path.join(root, fn), encoding="utf-8").read()
            sents = split_sentences(text)
            nfiles += 1
            nsent += len(sents)
            for s in sents:
                if not (s.clean.endswith(".") or re.fullmatch(r"[-+*]+|[{}]|.*:\s*\{", s.clean)):
                    print("odd sentence end in %s: %r" % (fn, s.clean[-60:]))
            nqed += sum(1 for s in sents if s.clean == "Qed.")
    print("self-test ok: %d files, %d sentences, %d Qed." % (nfiles, nsent, nqed))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="build/prover-stdlib")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=35)
    ap.add_argument("--budget", type=int, default=10, help="per-lemma seconds (hammer files)")
    ap.add_argument("--per-file", type=int, default=3, help="lemmas drawn from one source file at most")
    ap.add_argument("--max-statement-lines", type=int, default=8)
    ap.add_argument("--gsmode", type=int, default=min(os.cpu_count() or 2, 8),
                    help="CoqHammer strategies run in parallel (default: CPU count)")
    ap.add_argument("--compile-timeout", type=int, default=300)
    ap.add_argument("--render-limit", type=int, default=0)
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        self_test()
    elif args.render_limit:
        render_limit(args)
    else:
        sample(args)


if __name__ == "__main__":
    main()
