#!/usr/bin/env bash
# Installs the Debian packages q35 needs to build and test, only if some are missing.
set -euo pipefail
PKGS=(build-essential cmake pkg-config libopenblas-dev libcjson-dev libcmocka-dev
      python3 python3-sentencepiece python3-numpy gnuplot-nox)
missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ] && [ "${1:-}" != "--force" ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "q35: installing Debian packages: ${missing[*]:-${PKGS[*]}}" >&2
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${PKGS[@]}"
