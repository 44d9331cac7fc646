#!/usr/bin/env bash
# Installs the Debian packages q35 needs to build and test, only if some are missing.
# Usage: scripts/deps.sh [--force] [--prove]   (--prove: also Flocq, Frama-C and the
# SMT solvers for `make prove`; --force: run apt-get even when nothing is missing)
set -euo pipefail
force=0 prove=0
for a in "$@"; do
  case "$a" in --force) force=1 ;; --prove) prove=1 ;; *) echo "deps.sh: unknown argument $a" >&2; exit 2 ;; esac
done
PKGS=(build-essential cmake pkg-config libopenblas-dev libcjson-dev libcmocka-dev libpcre2-dev
      python3 python3-sentencepiece python3-numpy gnuplot-nox coq)
# The LLaMA-3 tokenizer test installs its JS reference with npm. A machine with Node.js
# from elsewhere (NodeSource bundles npm) keeps it; Debian's own packages only if npm is
# missing, since Debian's npm conflicts with NodeSource's nodejs.
command -v npm >/dev/null 2>&1 || PKGS+=(nodejs npm)
# coq (coqc, coqidetop.opt) is in the base set: the tests of `q35 prove` drive it.
[ "$prove" -eq 0 ] || PKGS+=(libcoq-flocq frama-c-base why3 z3 cvc4 gappa)
missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ] && [ "$force" -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "q35: installing Debian packages: ${missing[*]:-${PKGS[*]}}" >&2
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${PKGS[@]}"
