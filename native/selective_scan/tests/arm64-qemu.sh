#!/usr/bin/env bash
# Cross-builds the kernel and fast-math tests for AArch64 (the NEON path a Jetson runs) and runs them under qemu-user,
# so the NEON kernel is checked against the fp64 oracle on an x86-64 machine. Not part of CI: it needs a cross
# toolchain and takes ~2 minutes of emulation. Run it after changing the kernel.
#   needs: apt-get install g++-aarch64-linux-gnu qemu-user libgtest-dev   (GoogleTest is built from /usr/src/googletest)
#   usage: native/selective_scan/tests/arm64-qemu.sh            (binaries go to native/selective_scan/build/arm64)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
gtest=/usr/src/googletest/googletest
for tool in aarch64-linux-gnu-g++ qemu-aarch64; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install g++-aarch64-linux-gnu qemu-user" >&2; exit 1; }
done
[ -f "$gtest/src/gtest-all.cc" ] || { echo "missing $gtest: apt-get install libgtest-dev" >&2; exit 1; }
out="$here/build/arm64"
mkdir -p "$out"
kernel=("$here/src/selective_scan_cpu.cc" "$here/src/scan_isa_scalar.cc" "$here/src/scan_isa_neon.cc")
build() {  # build <test name>
  aarch64-linux-gnu-g++ -O2 -std=c++17 -Wall -Wextra -I"$here/src" -I"$gtest/include" -I"$gtest" \
    "$gtest/src/gtest-all.cc" "$gtest/src/gtest_main.cc" "${kernel[@]}" "$here/tests/$1.cc" -o "$out/$1" -lpthread
}
build fast_math_test &
build kernel_test
wait
for t in fast_math_test kernel_test; do
  echo "== $t (aarch64, qemu-user)"
  qemu-aarch64 -L /usr/aarch64-linux-gnu "$out/$t"
done
