// Host API of the CUDA SelectiveScan forward kernels (block-scan: selective_scan.cu; register-state:
// register_scan.cu), shared by the ONNX Runtime CUDA custom op (cuda_ops.cc) and
// the TensorRT plugin (../trt). Semantics: docs/selective-scan.md §1; fp32 state and math for both
// I/O types.
#pragma once
#include <cuda_runtime_api.h>

#include "register_scan.h"
#include "scan_params.h"

namespace mfuser::cuda {

/// Enqueues one scan on `stream` (asynchronous; no allocation, no synchronisation). Returns
/// cudaErrorInvalidValue when ValidateScanParams(p) is not empty (call it first for the message), else the launch
/// status. Pointers must be device pointers valid until the work on `stream` completes. Runs the kernel that
/// ChooseScanKernel (register_scan.h) picks for the shape on the current device.
cudaError_t LaunchSelectiveScan(const ScanParams& p, cudaStream_t stream);

/// LaunchSelectiveScan with the kernel named: kBlockScan (this file's mamba-style kernel, default launch shape),
/// kRegister (register_scan.h, automatic states per thread) or kAuto.
cudaError_t LaunchSelectiveScanWith(const ScanParams& p, ScanKernel kernel, cudaStream_t stream);

/// The register-state kernel with `states_per_thread` (1, 4 or 16; 0: ChooseStatesPerThread). cudaErrorInvalidValue
/// when that value cannot cover N (MakeRegisterPlan).
cudaError_t LaunchRegisterScan(const ScanParams& p, int states_per_thread, cudaStream_t stream);

/// Multiprocessor count of the current device (1 when it cannot be queried).
int CurrentDeviceSmCount();

/// Launch shape: threads per block x tokens per thread (one chunk = threads * items tokens).
struct LaunchShape {
  int threads;
  int items;
};

/// The shape LaunchSelectiveScan uses for sequence length `length` (mamba_ssm's table).
LaunchShape DefaultLaunchShape(int64_t length);

/// Benchmark hook: LaunchSelectiveScan with a forced shape, one of 32x4, 32x8, 32x16, 64x16, 128x16 (any length);
/// other shapes give cudaErrorInvalidValue.
cudaError_t LaunchSelectiveScanWithShape(const ScanParams& p, LaunchShape shape, cudaStream_t stream);

}  // namespace mfuser::cuda
