#!/usr/bin/env bash
# One-shot GPU device check of the CUDA SelectiveScan kernels (shared/device/README.md rules; issues 8 and its
# follow-up): the block-scan kernel (cuda/selective_scan.cu) and the register-state kernel (cuda/register_scan.cu).
# Stages, in priority order:
#   build      nvcc: both kernels for sm_90 (run here) and sm_87 (Jetson Orin, build only); g++: the host-only
#              harness (cuda/harness*.cc), linked with the sm_90 kernels and cudart
#   ort-op     the ONNX Runtime CUDA custom op front end compiled and linked into a throwaway .so (compile-only:
#              the GPU host has no ORT CUDA runtime); skipped, saying so, when the ORT headers are absent
#   matrix-blockscan, matrix-register
#              the shape/value matrix (cuda/harness_cases.cc) against the fp64 oracle src/reference.h, once per kernel
#              (each run also holds the forced block-scan launch shapes and register states-per-thread variants)
#   bench      both kernels side by side on MFuser shapes, the automatic choice marked (+ launch sweeps)
#   torch-eager PyTorch sequential loop and chunked log-depth scan on the same GPU, same run
#   sanitize   compute-sanitizer memcheck and racecheck on small cases, once per kernel
#   torch-compiled  torch.compile'd baselines (informational; only while time is left; not with --quick)
#   cmake      libmfuser_ops.so built by ../CMakeLists.txt with the CUDA kernels (only while time is left)
#   ncu        Nsight Compute speed-of-light of one launch of each kernel (informational; only while time is left)
#   summary    $OUT/device-check.json (+ $OUT/device-check.log), short table on stdout
# Every stage runs even if an earlier one failed (unless it needs the earlier one's output); the exit status is
# non-zero if any counted stage failed. Budget: under 8 minutes.
#
# Usage: native/selective_scan/device-check.sh [--quick] [--cpu-dry-run]
#   --quick        GPU run in about 3 minutes: the bench on B = 1 and 8 only, PyTorch eager on B = 1 and 8, no
#                  torch.compile; everything else as the full run
#   --cpu-dry-run  on a machine without GPU/nvcc: compiles the harness with g++ (the register kernel's phase
#                  functions emulated thread by thread, the block-scan kernel replaced by a sequential fp32 CPU scan),
#                  runs its self-test and the quick matrix for both kernels against the oracle, syntax-checks the
#                  Python, the script and the ORT op front end, and runs the summary. Proves nothing about the GPU:
#                  shuffles, shared-memory races, occupancy and the nvcc build are only checked on the device.
# Environment: OUT (result folder, default: current folder), ORT_INCLUDE_DIR (default:
#   native/third_party/ort-include), NVCC, CUDA_HOME; dry run only: CLANG_CUDA_PATH (+ CLANG) to also compile the
#   kernel to PTX with clang.
set -u
set -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
MODE=gpu
QUICK=no
for arg in "$@"; do
  case "$arg" in
    --cpu-dry-run) MODE=cpu ;;
    --quick) QUICK=yes ;;
    -h|--help) sed -n '2,/^set -u/p' "${BASH_SOURCE[0]}" | grep '^#'; exit 0 ;;
    *) echo "device-check.sh: unknown argument '$arg' (expected --quick, --cpu-dry-run or --help)" >&2; exit 2 ;;
  esac
done
KERNELS=(blockscan register)
HARNESS_SOURCES=("$HERE"/cuda/harness*.cc)  # harness.cc (main) and its parts harness_*.cc

OUT="${OUT:-$PWD}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
LOG="$OUT/device-check.log"
STAGES="$OUT/stages.tsv"
BUILD="$HERE/build/device-check"
ORT_INCLUDE_DIR="${ORT_INCLUDE_DIR:-$REPO/native/third_party/ort-include}"
: > "$LOG"
: > "$STAGES"
mkdir -p "$BUILD"
exec > >(tee -a "$LOG") 2>&1
FAILED=()
BUDGET_S=440  # stop starting optional stages after this (hard limit 480 s)
[[ $QUICK == yes ]] && BUDGET_S=270  # --quick: cmake only if started within 120 s, ncu within 210 s: about 4 minutes

stage() {  # stage NAME LIMIT_S CMD...: runs CMD with a time limit, records status and duration
  local name=$1 limit=$2
  shift 2
  local t0=$SECONDS rc status
  echo "=== [$name] $(date -u +%H:%M:%S) elapsed ${SECONDS}s: $*"
  timeout --kill-after=10 "$limit" "$@"
  rc=$?
  if [[ $rc -eq 0 ]]; then status=ok
  elif [[ $rc -eq 124 || $rc -eq 137 ]]; then status="timeout(${limit}s)"
  else status="failed(rc=$rc)"; fi
  printf '%s\t%s\t%s\n' "$name" "$status" "$((SECONDS - t0))" >> "$STAGES"
  [[ $status == ok ]] || FAILED+=("$name")
  echo "=== [$name] $status in $((SECONDS - t0))s"
}

info_stage() {  # like stage, but a failure is informational (recorded, not counted)
  local name=$1 limit=$2
  shift 2
  local t0=$SECONDS rc
  echo "=== [$name] (informational) elapsed ${SECONDS}s: $*"
  timeout --kill-after=10 "$limit" "$@"
  rc=$?
  printf '%s\t%s\t%s\n' "$name" "info(rc=$rc)" "$((SECONDS - t0))" >> "$STAGES"
}

skip() {  # skip NAME REASON [counts-as-failure: yes|no]
  echo "=== [$1] skipped: $2"
  printf '%s\t%s\t0\n' "$1" "$( [[ ${3:-yes} == yes ]] && echo "skipped: $2" || echo "info: skipped: $2")" >> "$STAGES"
  [[ ${3:-yes} == yes ]] && FAILED+=("$1")
  return 0
}

have_ort() { [[ -f "$ORT_INCLUDE_DIR/onnxruntime_cxx_api.h" ]]; }

# ------------------------------------------------------------------------------------------------- CPU dry run
if [[ $MODE == cpu ]]; then
  echo "device-check.sh --cpu-dry-run on $(hostname) at $(date -u +%FT%TZ)"
  {
    echo "mode=cpu-dry-run"
    echo "gpu_name=none (CPU dry run)"
    echo "gxx_version=$(g++ --version | head -1)"
    echo "python_version=$(python3 --version 2>&1)"
  } > "$OUT/env.txt"
  stage dry-build 120 g++ -std=c++17 -O2 -fno-strict-aliasing -Wall -Wextra -Werror -pthread -DMFUSER_HARNESS_CPU_ONLY \
    "${HARNESS_SOURCES[@]}" -o "$BUILD/harness-cpu"
  for kernel in "${KERNELS[@]}"; do
    if [[ -x "$BUILD/harness-cpu" ]]; then
      stage "dry-matrix-$kernel" 180 "$BUILD/harness-cpu" --matrix quick --kernel "$kernel" \
        --json "$OUT/harness-dryrun-$kernel.json"
    else
      skip "dry-matrix-$kernel" "dry-build failed"
    fi
  done
  stage dry-python 60 bash -c "python3 -c \"import ast,sys; [ast.parse(open(p).read(), p) for p in sys.argv[1:]]\" \
    '$HERE/cuda/bench_torch.py' '$HERE/cuda/summarize.py' && python3 '$HERE/cuda/bench_torch.py' --list >/dev/null \
    && python3 '$HERE/cuda/bench_torch.py' --methods compiled,assoc_scan --list >/dev/null \
    && python3 '$HERE/cuda/bench_torch.py' --batches 1,8 --list >/dev/null"
  stage dry-bash 10 bash -n "${BASH_SOURCE[0]}"
  if [[ -n "${CLANG_CUDA_PATH:-}" ]] && command -v "${CLANG:-clang++-14}" >/dev/null; then
    # Optional: device code compiled to PTX by clang against a CUDA toolkit's headers and libdevice (no nvcc needed).
    # Checked with clang 14 + CUDA 12.6 headers; the flags work around clang 14 predating CUDA 12. The register
    # kernel must not spill its state or staging arrays to local memory.
    stage dry-kernel-ptx 300 bash -c "set -e
      for src in selective_scan register_scan; do
        '${CLANG:-clang++-14}' -x cuda --cuda-path='$CLANG_CUDA_PATH' --cuda-gpu-arch=sm_86 -std=c++17 -O3 \
          --cuda-device-only -S -Wall -Wextra -Werror -Wno-unknown-cuda-version -Xclang -fcuda-allow-variadic-functions \
          -Xclang -target-sdk-version=11.5 -D__CLANG_CUDA_TEXTURE_INTRINSICS_H__ '$HERE/cuda/'\$src.cu \
          -o '$BUILD/'\$src'_sm86.ptx'
      done
      ! grep -q 'local' '$BUILD/register_scan_sm86.ptx' || { echo 'register_scan: local memory in PTX'; exit 1; }
      echo \"register kernel entries: \$(grep -c '^.visible .entry' '$BUILD/register_scan_sm86.ptx')\""
  else
    skip dry-kernel-ptx "set CLANG_CUDA_PATH to a CUDA toolkit (include/, nvvm/libdevice/) to compile the kernel with clang" no
  fi
  if have_ort; then
    # Syntax only: no CUDA headers here, so a throwaway header declares the two CUDA runtime names the front end
    # uses. Real compilation and linking happen in the GPU run's ort-op stage.
    mkdir -p "$BUILD/fake-cuda"
    printf '%s\n' '#pragma once' 'struct CUstream_st;' 'typedef struct CUstream_st* cudaStream_t;' \
      'enum cudaError_t { cudaSuccess = 0, cudaErrorInvalidValue = 1 };' \
      'inline const char* cudaGetErrorString(cudaError_t) { return ""; }' > "$BUILD/fake-cuda/cuda_runtime_api.h"
    stage dry-ort-op 120 g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I"$BUILD/fake-cuda" -isystem "$ORT_INCLUDE_DIR" \
      "$HERE/cuda/cuda_ops.cc"
  else
    skip dry-ort-op "no ORT headers at $ORT_INCLUDE_DIR" no
  fi
  python3 "$HERE/cuda/summarize.py" "$OUT"
  if [[ ${#FAILED[@]} -gt 0 ]]; then echo "FAILED stages: ${FAILED[*]}"; exit 1; fi
  exit 0
fi

# ------------------------------------------------------------------------------------------------- GPU run
NVCC="${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
CUDA_HOME="${CUDA_HOME:-$(cd "$(dirname "$NVCC")/.." && pwd)}"
SANITIZER="$(command -v compute-sanitizer || echo "$CUDA_HOME/bin/compute-sanitizer")"
NCU="$(command -v ncu || echo "$CUDA_HOME/bin/ncu")"
echo "device-check.sh on $(hostname) at $(date -u +%FT%TZ); nvcc=$NVCC"
{
  echo "mode=gpu"
  echo "gpu_name=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)"
  echo "gpu_info=$(nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.memory,power.limit \
    --format=csv,noheader 2>/dev/null | head -1)"
  echo "nvcc_version=$("$NVCC" --version 2>/dev/null | grep -o 'release [0-9.]*' | head -1)"
  echo "torch_version=$(python3 -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda)' 2>/dev/null)"
  echo "gxx_version=$(g++ --version 2>/dev/null | head -1)"
} > "$OUT/env.txt"
cat "$OUT/env.txt"

export NVCC HERE BUILD CUDA_HOME
export NVFLAGS="-O3 -std=c++17 -lineinfo -Xcompiler=-fPIC,-pthread"
build_gpu() {  # both kernels for sm_87 and sm_90 (nvcc) in parallel with the host-only harness (g++); then link
  set -e
  local jobs=() src arch
  for src in selective_scan register_scan; do
    for arch in 87 90; do
      "$NVCC" $NVFLAGS -gencode arch=compute_$arch,code=sm_$arch $([[ $arch == 90 ]] && echo --resource-usage) \
        -c "$HERE/cuda/$src.cu" -o "$BUILD/${src}_sm$arch.o" &
      jobs+=($!)
    done
  done
  for src in "$HERE"/cuda/harness*.cc; do
    g++ -std=c++17 -O2 -Wall -Wextra -pthread -I"$CUDA_HOME/include" -c "$src" -o "$BUILD/$(basename "$src" .cc).o" &
    jobs+=($!)
  done
  for job in "${jobs[@]}"; do wait "$job"; done
  g++ -pthread "$BUILD"/harness*.o "$BUILD/selective_scan_sm90.o" "$BUILD/register_scan_sm90.o" -L"$CUDA_HOME/lib64" \
    -lcudart -Wl,-rpath,"$CUDA_HOME/lib64" -o "$BUILD/harness"
  for src in selective_scan register_scan; do
    echo "sm_87 object built: $src $(du -h "$BUILD/${src}_sm87.o" | cut -f1)"
    "$CUDA_HOME/bin/cuobjdump" --list-elf "$BUILD/${src}_sm87.o" 2>/dev/null | head -3 || true
  done
}
export -f build_gpu
rm -f "$BUILD/harness" "$BUILD"/harness*.o "$BUILD"/*_sm90.o "$BUILD"/*_sm87.o
stage build 300 bash -c build_gpu

if have_ort; then
  stage ort-op 120 bash -c "set -e
    g++ -std=c++17 -O2 -Wall -Wextra -fPIC -isystem '$ORT_INCLUDE_DIR' -I'$CUDA_HOME/include' -c '$HERE/cuda/cuda_ops.cc' \
      -o '$BUILD/cuda_ops.o'
    g++ -shared -o '$BUILD/libmfuser_cuda_ops_check.so' '$BUILD/cuda_ops.o' \
      '$BUILD/selective_scan_sm90.o' '$BUILD/register_scan_sm90.o' -L'$CUDA_HOME/lib64' -lcudart
    ! nm -C -u '$BUILD/libmfuser_cuda_ops_check.so' | grep 'mfuser::' || { echo 'unresolved mfuser:: symbols'; exit 1; }
    echo 'linked $BUILD/libmfuser_cuda_ops_check.so (compile/link check only: no ORT CUDA runtime on this host)'"
else
  skip ort-op "no ORT headers at $ORT_INCLUDE_DIR (carry native/third_party/ort-include to compile the ORT CUDA op)" no
fi

# Priority order: correctness, kernel timings, PyTorch baselines, sanitizers, then optional stages while time lasts.
HAVE_HARNESS=no
[[ -x "$BUILD/harness" ]] && HAVE_HARNESS=yes
for kernel in "${KERNELS[@]}"; do
  if [[ $HAVE_HARNESS == yes ]]; then
    stage "matrix-$kernel" 120 "$BUILD/harness" --matrix full --kernel "$kernel" --json "$OUT/harness-matrix-$kernel.json"
  else
    skip "matrix-$kernel" "build failed"
  fi
done
if [[ $HAVE_HARNESS == yes ]]; then
  stage bench 150 "$BUILD/harness" --no-matrix --bench --bench-set "$([[ $QUICK == yes ]] && echo quick || echo full)" \
    --json "$OUT/harness-bench.json"
else
  skip bench "build failed"
fi

if python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
  stage torch-eager 180 python3 -u "$HERE/cuda/bench_torch.py" --methods sequential,chunked --budget-s 120 \
    $([[ $QUICK == yes ]] && echo --batches 1,8) --json "$OUT/torch-eager.json"
else
  skip torch-eager "PyTorch with CUDA not importable"
fi

for tool in memcheck racecheck; do
  for kernel in "${KERNELS[@]}"; do
    if [[ $HAVE_HARNESS == yes && -x "$SANITIZER" ]]; then
      stage "sanitize-$tool-$kernel" 120 "$SANITIZER" --tool "$tool" --error-exitcode 9 \
        "$BUILD/harness" --matrix sanitize --kernel "$kernel" --json "$OUT/harness-sanitize-$tool-$kernel.json"
    else
      skip "sanitize-$tool-$kernel" "no harness or compute-sanitizer not found"
    fi
  done
done

if [[ $QUICK == yes ]]; then
  skip torch-compiled "--quick" no
elif python3 -c 'import torch' 2>/dev/null && (( SECONDS < BUDGET_S - 160 )); then
  info_stage torch-compiled 160 python3 -u "$HERE/cuda/bench_torch.py" --methods compiled,assoc_scan --budget-s 110 \
    --json "$OUT/torch-compiled.json"
else
  skip torch-compiled "no torch or time budget (elapsed ${SECONDS}s)" no
fi

if ! have_ort; then
  skip cmake "no ORT headers at $ORT_INCLUDE_DIR" no
elif ! command -v cmake >/dev/null || ! command -v ninja >/dev/null; then
  skip cmake "cmake or ninja not found"
elif (( SECONDS < BUDGET_S - 150 )); then
  # The real integration: ../CMakeLists.txt (the CPU library, owned by the CPU op) with MFUSER_WITH_CUDA, i.e.
  # libmfuser_ops.so holding the CPU and the CUDA kernels; then cuda/CMakeLists.txt standalone (configure only).
  # sm_90 only: the sm_87 build was proven by the build stage.
  stage cmake 150 bash -c "set -e
    cmake -S '$HERE' -B '$BUILD/cmake-ops' -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_COMPILER='$NVCC' \
      -DORT_INCLUDE_DIR='$ORT_INCLUDE_DIR' -DMFUSER_BUILD_TESTS=OFF -DMFUSER_BUILD_BENCH=OFF -DMFUSER_CUDA_ARCHITECTURES=90
    cmake --build '$BUILD/cmake-ops'
    grep -q -- '-DMFUSER_WITH_CUDA' '$BUILD/cmake-ops/build.ninja'
    nm -D --defined-only '$BUILD/cmake-ops/libmfuser_ops.so' | grep RegisterCustomOps
    ldd '$BUILD/cmake-ops/libmfuser_ops.so' | grep cudart
    cmake -S '$HERE/cuda' -B '$BUILD/cmake-cuda' -G Ninja -DCMAKE_CUDA_COMPILER='$NVCC' \
      -DORT_INCLUDE_DIR='$ORT_INCLUDE_DIR' -DMFUSER_CUDA_ARCHITECTURES=90"
else
  skip cmake "time budget (elapsed ${SECONDS}s)" no
fi

for kernel in RegisterScanKernel SelectiveScanKernel; do
  if [[ $HAVE_HARNESS == yes && -x "$NCU" ]] && (( SECONDS < BUDGET_S - 60 )); then
    info_stage "ncu-$kernel" 60 "$NCU" --section SpeedOfLight --kernel-name "regex:$kernel" --launch-skip 3 \
      --launch-count 1 "$BUILD/harness" --no-matrix --bench --bench-set quick --bench-filter paper-l/B=8/fp32
  else
    skip "ncu-$kernel" "ncu missing, no harness, or time budget (elapsed ${SECONDS}s)" no
  fi
done

python3 "$HERE/cuda/summarize.py" "$OUT"
echo "total ${SECONDS}s"
if [[ ${#FAILED[@]} -gt 0 ]]; then echo "FAILED stages: ${FAILED[*]}"; exit 1; fi
exit 0
