#!/usr/bin/env bash
# Every kernel path against the portable one, and every architecture against the committed digests;
# and the worker pool under stress on both architectures.
#
# Builds Sources/CKernels with Tests/KernelCrossCheck/kernel_digests.c natively and runs it (every
# path this CPU has must give the portable path's bits); on x86-64 also cross-compiles for aarch64
# and runs it under qemu-user (the NEON path against aarch64's portable path). The digests printed
# by every run must equal Tests/KernelCrossCheck/expected_digests.txt: x86 and ARM, SIMD and
# portable, all compute the same bits.
#
# Needs a C compiler; for the ARM run, Debian's gcc-aarch64-linux-gnu and qemu-user
# (`make cross-check` installs them). --update rewrites the expected digests from the native run
# (only after a deliberate change of the canonical arithmetic).
set -euo pipefail
cd "$(dirname "$0")/.."
expected=Tests/KernelCrossCheck/expected_digests.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sources=(Sources/CKernels/*.c Tests/KernelCrossCheck/kernel_digests.c)
flags=(-O2 -std=c11 -ffp-contract=off -I Sources/CKernels/include)
pool=(-I Sources/CWorkers/include Sources/CWorkers/workers.c Tests/KernelCrossCheck/workers_stress.c)

cc=$(command -v clang || command -v cc || true)
[ -n "$cc" ] || { echo "cross-check: no C compiler found" >&2; exit 1; }
"$cc" "${flags[@]}" "${sources[@]}" -lpthread -lm -o "$work/native"
"$cc" -O2 -std=c11 "${pool[@]}" -lpthread -o "$work/pool"
echo "native ($(uname -m)):"
"$work/native" > "$work/native.txt"
status=0
"$work/pool" || status=1

if [ "${1:-}" = "--update" ]; then
  cp "$work/native.txt" "$expected"
  echo "wrote $expected ($(wc -l < "$expected") cases)"
  exit 0
fi

if ! diff -u "$expected" "$work/native.txt" > "$work/native.diff"; then
  echo "cross-check: the native digests differ from $expected:" >&2
  head -n 20 "$work/native.diff" >&2
  status=1
fi

if [ "$(uname -m)" = "x86_64" ]; then
  if command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null; then
    aarch64-linux-gnu-gcc "${flags[@]}" -static "${sources[@]}" -lpthread -lm -o "$work/aarch64"
    aarch64-linux-gnu-gcc -O2 -std=c11 -static "${pool[@]}" -lpthread -o "$work/pool-aarch64"
    echo "aarch64 under qemu-user:"
    qemu-aarch64 "$work/aarch64" > "$work/aarch64.txt"
    qemu-aarch64 "$work/pool-aarch64" || status=1
    if ! diff -u "$expected" "$work/aarch64.txt" > "$work/aarch64.diff"; then
      echo "cross-check: the aarch64 digests differ from $expected:" >&2
      head -n 20 "$work/aarch64.diff" >&2
      status=1
    fi
  else
    echo "cross-check: aarch64-linux-gnu-gcc or qemu-aarch64 missing (apt-get install gcc-aarch64-linux-gnu qemu-user); the NEON path was not checked" >&2
    status=1
  fi
fi

[ $status -eq 0 ] && echo "cross-check: $(wc -l < "$expected") cases, every path and architecture gives the same bits"
exit $status
