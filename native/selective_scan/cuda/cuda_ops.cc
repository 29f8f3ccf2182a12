// ONNX Runtime front end of the CUDA SelectiveScan kernel (see cuda_ops.h). Schema, input binding and validation
// are the CPU op's (../src/op_binding.h, docs/selective-scan.md §1); the work is enqueued on the
// stream ORT hands the kernel (KernelContext::GetGPUComputeStream), so it is ordered with ORT's own CUDA kernels.
#define ORT_API_MANUAL_INIT
#include "cuda_ops.h"
#undef ORT_API_MANUAL_INIT

#include <string>
#include <type_traits>

#include "../src/op_binding.h"
#include "selective_scan.cuh"

namespace mfuser::cuda {
namespace {

using namespace binding;

template <typename T>
struct CudaScanKernel : ScanKernelBase<CudaScanKernel<T>> {
  static constexpr const char* kLabel = "SelectiveScan (CUDA)";

  void Compute(const Ort::KernelContext& ctx) const {
    ScanInputs in(kLabel);
    in.Bind(ctx, kOnnxIoType<T>);
    in.ExpectShapes();
    const ScanDims& s = in.dims();

    ScanParams p;
    p.batch = s.batch;
    p.channels = s.channels;
    p.length = s.length;
    p.state = s.state;
    p.groups = s.groups;
    p.io_type = std::is_same_v<T, float> ? IoType::kFloat32 : IoType::kFloat16;
    p.delta_softplus = this->delta_softplus;
    in.SetOperands(ctx, p, &ScanParams::Bm, &ScanParams::Cm);
    const std::string invalid = ValidateScanParams(p);
    if (!invalid.empty()) Fail(kLabel, invalid);

    const cudaError_t err = LaunchSelectiveScan(p, static_cast<cudaStream_t>(ctx.GetGPUComputeStream()));
    if (err != cudaSuccess)
      Fail(kLabel, std::string("kernel launch failed: ") + cudaGetErrorString(err), ORT_RUNTIME_EXCEPTION);
  }
};

template <typename T>
struct CudaScanOp : ScanOpBase<CudaScanOp<T>, CudaScanKernel<T>, T> {
  const char* GetExecutionProviderType() const { return "CUDAExecutionProvider"; }
};

}  // namespace

void AddCudaOps(Ort::CustomOpDomain& domain) {
  static CudaScanOp<float> op_f32;
  static CudaScanOp<Ort::Float16_t> op_f16;
  domain.Add(&op_f32);
  domain.Add(&op_f16);
}

}  // namespace mfuser::cuda
