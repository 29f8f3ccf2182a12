#!/usr/bin/env bash
# Make TorchSharp 0.107's libLibTorchSharp.so (built with GCC 13: needs GLIBCXX_3.4.32) load on Debian 12
# (GCC 12 libstdc++: up to GLIBCXX_3.4.30). Called by Directory.Build.targets after every build of a project
# that references TorchSharp. Idempotent; does nothing where the system libstdc++ is new enough.
# Usage: tools/patch-libtorchsharp.sh <output-dir>. Needs gcc, patchelf, python3.
set -euo pipefail
outdir="$1"
here="$(cd "$(dirname "$0")" && pwd)"
libstdcxx="$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')"
libstdcxx="${libstdcxx:-/lib/x86_64-linux-gnu/libstdc++.so.6}"
if grep -qa 'GLIBCXX_3\.4\.32' "$libstdcxx"; then
  exit 0   # new enough: the shipped library loads as is
fi
for tool in gcc patchelf python3 readelf; do
  command -v "$tool" >/dev/null || { echo "patch-libtorchsharp: '$tool' is required (apt-get install gcc patchelf python3 binutils)" >&2; exit 1; }
done
find "$outdir" -name libLibTorchSharp.so -not -path '*/osx*' -not -path '*/win*' -print0 |
while IFS= read -r -d '' lib; do
  dir="$(dirname "$lib")"
  if readelf -d "$lib" | grep -q 'libstdcxx_compat.so' && [ -f "$dir/libstdcxx_compat.so" ]; then
    continue   # already patched
  fi
  gcc -O2 -fPIC -shared -o "$dir/libstdcxx_compat.so" "$here/libtorchsharp-patch/stdcxx_compat.c"
  patchelf --clear-symbol-version _ZSt21ios_base_library_initv "$lib"
  readelf -d "$lib" | grep -q 'libstdcxx_compat.so' || patchelf --add-needed libstdcxx_compat.so "$lib"
  python3 "$here/libtorchsharp-patch/weaken_verneed.py" "$lib" GLIBCXX_3.4.32
  echo "patch-libtorchsharp: patched $lib"
done
