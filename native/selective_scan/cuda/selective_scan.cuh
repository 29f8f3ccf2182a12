// Host API of the CUDA SelectiveScan forward kernel, shared by the ONNX Runtime CUDA custom op (cuda_ops.cc) and
// the TensorRT plugin (../trt). Semantics: research/scan-kernels.md §1.1 / §6.1; fp32 state and math for both
// I/O types.
#pragma once
#include <cuda_runtime_api.h>

#include "scan_params.h"

namespace mfuser::cuda {

/// Enqueues one scan on `stream` (asynchronous; no allocation, no synchronisation). Returns
/// cudaErrorInvalidValue when ValidateScanParams(p) is not empty (call it first for the message), else the launch
/// status. Pointers must be device pointers valid until the work on `stream` completes.
cudaError_t LaunchSelectiveScan(const ScanParams& p, cudaStream_t stream);

}  // namespace mfuser::cuda
