// ONNX Runtime CUDA execution-provider kernels of com.mfuser::SelectiveScan (float32 and float16 I/O), running the
// CUDA kernel of selective_scan.cu on ORT's compute stream. Linked into libmfuser_ops.so by ../CMakeLists.txt when
// a CUDA compiler is found (target mfuser_ops_cuda); src/custom_op.cc calls AddCudaOps under MFUSER_WITH_CUDA.
// Verified so far: compiled and linked by device-check.sh on an H100 host (which has no ORT CUDA runtime to run
// it); not yet run inside an ORT CUDA session.
#pragma once
#include "onnxruntime_cxx_api.h"

namespace mfuser::cuda {

/// Adds the CUDAExecutionProvider SelectiveScan ops (one per I/O type) to `domain`. The op objects are
/// process-lifetime statics, as ORT keeps raw pointers to them.
void AddCudaOps(Ort::CustomOpDomain& domain);

}  // namespace mfuser::cuda
