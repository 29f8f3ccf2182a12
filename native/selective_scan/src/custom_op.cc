// ONNX Runtime custom-op library: registers com.mfuser::SelectiveScan (since_version 1) for float32 and float16 I/O
// on the CPU execution provider, and the CUDA kernels when built with MFUSER_WITH_CUDA.
// The library does not link libonnxruntime: it uses the API table ORT passes to RegisterCustomOps.
#define ORT_API_MANUAL_INIT
#include "onnxruntime_cxx_api.h"
#undef ORT_API_MANUAL_INIT

#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "op_binding.h"
#include "selective_scan_cpu.h"

#ifdef MFUSER_WITH_CUDA
#include "cuda/cuda_ops.h"
#endif

#define MFUSER_EXPORT extern "C" __attribute__((visibility("default")))

namespace mfuser {
namespace {

using namespace binding;

constexpr const char* kDomain = "com.mfuser";

template <typename T>
struct SelectiveScanKernel : ScanKernelBase<SelectiveScanKernel<T>> {
  static constexpr const char* kLabel = "SelectiveScan";

  void Compute(const Ort::KernelContext& ctx) const {
    ScanInputs in(kLabel);
    in.Bind(ctx, kOnnxIoType<T>);
    const ScanDims& s = in.dims();
    if (s.batch < 1 || s.channels < 1 || s.length < 1 || s.state < 1 || s.groups < 1)
      Fail(kLabel, "B, D, L, N and G must all be >= 1; got u " + ShapeString(in.shape(kU)) + ", A " +
                       ShapeString(in.shape(kA)) + ", B " + ShapeString(in.shape(kB)));
    if (s.channels % s.groups != 0)
      Fail(kLabel, "D = " + std::to_string(s.channels) + " (u's dim 1) must be a multiple of G = " +
                       std::to_string(s.groups) + " (B's dim 1)");
    in.ExpectShapes();

    cpu::ScanArgs a;
    a.shape = cpu::ScanShape{s.batch, s.channels, s.length, s.state, s.groups};
    a.io_type = std::is_same_v<T, float> ? cpu::IoType::kFloat32 : cpu::IoType::kFloat16;
    a.delta_softplus = this->delta_softplus;
    in.SetOperands(ctx, a, &cpu::ScanArgs::B, &cpu::ScanArgs::C);

    cpu::TaskRunner runner;
    runner.runner_state = const_cast<Ort::KernelContext*>(&ctx);
    runner.parallel_for = [](void* state, cpu::TaskRunner::Task task, void* task_ctx, size_t total) {
      static_cast<const Ort::KernelContext*>(state)->ParallelFor(task, total, 0, task_ctx);
    };
    cpu::SelectiveScan(a, cpu::ScanOptions{}, runner);
  }
};

template <typename T>
struct SelectiveScanOp : ScanOpBase<SelectiveScanOp<T>, SelectiveScanKernel<T>, T> {
  const char* GetExecutionProviderType() const { return "CPUExecutionProvider"; }
};

std::mutex g_domains_mutex;
std::vector<Ort::CustomOpDomain> g_domains;  // must outlive every session that registered them

OrtStatus* Register(OrtSessionOptions* options) {
  static SelectiveScanOp<float> op_f32;
  static SelectiveScanOp<Ort::Float16_t> op_f16;
  Ort::CustomOpDomain domain{kDomain};
  domain.Add(&op_f32);
  domain.Add(&op_f16);
#ifdef MFUSER_WITH_CUDA
  mfuser::cuda::AddCudaOps(domain);
#endif
  Ort::UnownedSessionOptions(options).Add(domain);
  std::lock_guard<std::mutex> lock(g_domains_mutex);
  g_domains.push_back(std::move(domain));
  return nullptr;
}

}  // namespace
}  // namespace mfuser

/// Entry point ORT calls from SessionOptions::RegisterCustomOpsLibrary. Fails cleanly (no crash) when the runtime
/// is older than the headers this library was built with: its API table of our version does not exist there.
MFUSER_EXPORT OrtStatus* ORT_API_CALL RegisterCustomOps(OrtSessionOptions* options, const OrtApiBase* api_base) {
  const OrtApi* api = api_base->GetApi(ORT_API_VERSION);
  if (api == nullptr) {
    const std::string message = std::string("libmfuser_ops ") + MFUSER_OPS_VERSION +
                                " was built against ONNX Runtime API version " + std::to_string(ORT_API_VERSION) +
                                ", which the loaded ONNX Runtime " + api_base->GetVersionString() +
                                " does not provide; use ONNX Runtime 1." + std::to_string(ORT_API_VERSION) +
                                " or newer, or rebuild the library against this runtime's headers";
    const OrtApi* oldest = api_base->GetApi(1);
    return oldest != nullptr ? oldest->CreateStatus(ORT_FAIL, message.c_str()) : nullptr;
  }
  Ort::InitApi(api);
  try {
    return mfuser::Register(options);
  } catch (const Ort::Exception& e) {
    return api->CreateStatus(e.GetOrtErrorCode(), e.what());
  } catch (const std::exception& e) {
    return api->CreateStatus(ORT_FAIL, e.what());
  }
}

/// Semantic version of this library (the model manifest's custom-op minimum version is checked against it).
MFUSER_EXPORT const char* MfuserOpsVersion() { return MFUSER_OPS_VERSION; }
