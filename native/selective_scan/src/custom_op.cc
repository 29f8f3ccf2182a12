// ONNX Runtime custom-op library: registers com.mfuser::SelectiveScan (since_version 1) for float32 and float16 I/O
// on the CPU execution provider, and the CUDA kernels when built with MFUSER_WITH_CUDA.
// The library does not link libonnxruntime: it uses the API table ORT passes to RegisterCustomOps.
#define ORT_API_MANUAL_INIT
#include "onnxruntime_cxx_api.h"
#undef ORT_API_MANUAL_INIT

#include <algorithm>
#include <cstdint>
#include <exception>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "selective_scan_cpu.h"

#ifdef MFUSER_WITH_CUDA
#include "cuda/cuda_ops.h"
#endif

#define MFUSER_EXPORT extern "C" __attribute__((visibility("default")))

namespace mfuser {
namespace {

constexpr const char* kDomain = "com.mfuser";
constexpr const char* kOpName = "SelectiveScan";
constexpr const char* kInputNames[] = {"u", "delta", "A", "B", "C", "D", "z", "delta_bias", "initial_state"};
enum Input : size_t { kU, kDelta, kA, kB, kC, kD, kZ, kDeltaBias, kInitialState, kInputCount };
constexpr size_t kRequiredInputs = 5;

template <typename T>
struct IoTraits;
template <>
struct IoTraits<float> {
  static constexpr ONNXTensorElementDataType kOnnxType = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
  static constexpr cpu::IoType kIoType = cpu::IoType::kFloat32;
};
template <>
struct IoTraits<Ort::Float16_t> {
  static constexpr ONNXTensorElementDataType kOnnxType = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
  static constexpr cpu::IoType kIoType = cpu::IoType::kFloat16;
};

/// Inputs whose element type follows T (the others are always float32).
bool IsIoTyped(size_t input) { return input == kU || input == kDelta || input == kB || input == kC || input == kZ; }

/// A tensor shape held inline: every operand has rank <= 4, so validation allocates nothing per call.
struct Dims {
  size_t rank = 0;
  int64_t d[4] = {};
  bool operator==(const Dims& o) const { return rank == o.rank && std::equal(d, d + rank, o.d); }
  bool operator!=(const Dims& o) const { return !(*this == o); }
};

std::string ShapeString(const Dims& shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.rank; ++i) s << (i ? ", " : "") << shape.d[i];
  s << ']';
  return s.str();
}

[[noreturn]] void Fail(const std::string& message) {
  throw Ort::Exception(std::string(kOpName) + ": " + message, ORT_INVALID_ARGUMENT);
}

Dims ShapeOf(const Ort::TensorTypeAndShapeInfo& info, size_t input) {
  Dims s;
  s.rank = info.GetDimensionsCount();
  if (s.rank > 4)
    Fail(std::string("input '") + kInputNames[input] + "' has rank " + std::to_string(s.rank) + "; at most 4 expected");
  Ort::ThrowOnError(Ort::GetApi().GetDimensions(info, s.d, s.rank));
  return s;
}

/// Throws unless `shape` equals `expected`; `what` describes the expected dims, e.g. "(B, D, L)".
void ExpectShape(size_t input, const Dims& shape, const Dims& expected, const char* what) {
  if (shape != expected)
    Fail(std::string("input '") + kInputNames[input] + "' must have shape " + what + " = " + ShapeString(expected) +
         "; got " + ShapeString(shape));
}

template <typename T>
struct SelectiveScanKernel {
  bool delta_softplus = true;

  OrtStatusPtr ComputeV2(OrtKernelContext* context) noexcept {
    try {
      Compute(Ort::KernelContext(context));
      return nullptr;
    } catch (const Ort::Exception& e) {
      return Ort::GetApi().CreateStatus(e.GetOrtErrorCode(), e.what());
    } catch (const std::exception& e) {
      return Ort::GetApi().CreateStatus(ORT_FAIL, (std::string(kOpName) + ": " + e.what()).c_str());
    }
  }

 private:
  void Compute(const Ort::KernelContext& ctx) const {
    const size_t present = ctx.GetInputCount();
    Ort::ConstValue in[kInputCount];
    Dims shape[kInputCount];
    for (size_t i = 0; i < kInputCount; ++i) {
      in[i] = i < present ? ctx.GetInput(i) : Ort::ConstValue{nullptr};
      if (in[i] == nullptr) {
        if (i < kRequiredInputs) Fail(std::string("required input '") + kInputNames[i] + "' is missing");
        continue;
      }
      const auto info = in[i].GetTensorTypeAndShapeInfo();
      const ONNXTensorElementDataType want = IsIoTyped(i) ? IoTraits<T>::kOnnxType : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
      if (info.GetElementType() != want)
        Fail(std::string("input '") + kInputNames[i] + "' has element type " + std::to_string(info.GetElementType()) +
             "; expected " + std::to_string(want));
      shape[i] = ShapeOf(info, i);
    }

    if (shape[kU].rank != 3) Fail("input 'u' must be rank 3 (B, D, L); got " + ShapeString(shape[kU]));
    if (shape[kA].rank != 2) Fail("input 'A' must be rank 2 (D, N); got " + ShapeString(shape[kA]));
    if (shape[kB].rank != 4) Fail("input 'B' must be rank 4 (B, G, N, L); got " + ShapeString(shape[kB]));
    cpu::ScanShape s;
    s.batch = shape[kU].d[0];
    s.channels = shape[kU].d[1];
    s.length = shape[kU].d[2];
    s.state = shape[kA].d[1];
    s.groups = shape[kB].d[1];
    if (s.batch < 1 || s.channels < 1 || s.length < 1 || s.state < 1 || s.groups < 1)
      Fail("B, D, L, N and G must all be >= 1; got u " + ShapeString(shape[kU]) + ", A " + ShapeString(shape[kA]) +
           ", B " + ShapeString(shape[kB]));
    if (s.channels % s.groups != 0)
      Fail("D = " + std::to_string(s.channels) + " (u's dim 1) must be a multiple of G = " + std::to_string(s.groups) +
           " (B's dim 1)");
    const Dims bdl = shape[kU];
    const Dims bgnl{4, {s.batch, s.groups, s.state, s.length}};
    ExpectShape(kDelta, shape[kDelta], bdl, "(B, D, L) like u");
    ExpectShape(kA, shape[kA], Dims{2, {s.channels, s.state}}, "(D, N)");
    ExpectShape(kB, shape[kB], bgnl, "(B, G, N, L)");
    ExpectShape(kC, shape[kC], bgnl, "(B, G, N, L)");
    if (in[kD] != nullptr) ExpectShape(kD, shape[kD], Dims{1, {s.channels}}, "(D)");
    if (in[kZ] != nullptr) ExpectShape(kZ, shape[kZ], bdl, "(B, D, L) like u");
    if (in[kDeltaBias] != nullptr) ExpectShape(kDeltaBias, shape[kDeltaBias], Dims{1, {s.channels}}, "(D)");
    if (in[kInitialState] != nullptr)
      ExpectShape(kInitialState, shape[kInitialState], Dims{3, {s.batch, s.channels, s.state}}, "(B, D, N)");

    cpu::ScanArgs a;
    a.shape = s;
    a.io_type = IoTraits<T>::kIoType;
    a.u = in[kU].GetTensorRawData();
    a.delta = in[kDelta].GetTensorRawData();
    a.A = in[kA].GetTensorData<float>();
    a.B = in[kB].GetTensorRawData();
    a.C = in[kC].GetTensorRawData();
    a.D = in[kD] != nullptr ? in[kD].GetTensorData<float>() : nullptr;
    a.z = in[kZ] != nullptr ? in[kZ].GetTensorRawData() : nullptr;
    a.delta_bias = in[kDeltaBias] != nullptr ? in[kDeltaBias].GetTensorData<float>() : nullptr;
    a.initial_state = in[kInitialState] != nullptr ? in[kInitialState].GetTensorData<float>() : nullptr;
    a.delta_softplus = delta_softplus;
    a.y = ctx.GetOutput(0, bdl.d, bdl.rank).GetTensorMutableRawData();
    if (ctx.GetOutputCount() > 1) {
      const int64_t bdn[] = {s.batch, s.channels, s.state};
      Ort::UnownedValue last = ctx.GetOutput(1, bdn, 3);
      if (last != nullptr) a.last_state = last.GetTensorMutableData<float>();
    }

    cpu::TaskRunner runner;
    runner.runner_state = const_cast<Ort::KernelContext*>(&ctx);
    runner.parallel_for = [](void* state, cpu::TaskRunner::Task task, void* task_ctx, size_t total) {
      static_cast<const Ort::KernelContext*>(state)->ParallelFor(task, total, 0, task_ctx);
    };
    cpu::SelectiveScan(a, cpu::ScanOptions{}, runner);
  }
};

template <typename T>
struct SelectiveScanOp : Ort::CustomOpBase<SelectiveScanOp<T>, SelectiveScanKernel<T>, true> {
  OrtStatusPtr CreateKernelV2(const OrtApi& api, const OrtKernelInfo* info, void** kernel) const noexcept {
    int64_t softplus = 1;
    if (OrtStatus* status = api.KernelInfoGetAttribute_int64(info, "delta_softplus", &softplus)) {
      api.ReleaseStatus(status);  // absent: the default, 1
      softplus = 1;
    }
    if (softplus != 0 && softplus != 1)
      return api.CreateStatus(ORT_INVALID_ARGUMENT,
                              ("SelectiveScan: attribute 'delta_softplus' must be 0 or 1; got " + std::to_string(softplus)).c_str());
    auto* k = new SelectiveScanKernel<T>();
    k->delta_softplus = softplus != 0;
    *kernel = k;
    return nullptr;
  }
  const char* GetName() const { return kOpName; }
  const char* GetExecutionProviderType() const { return "CPUExecutionProvider"; }
  size_t GetInputTypeCount() const { return kInputCount; }
  ONNXTensorElementDataType GetInputType(size_t i) const {
    return IsIoTyped(i) ? IoTraits<T>::kOnnxType : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
  }
  OrtCustomOpInputOutputCharacteristic GetInputCharacteristic(size_t i) const {
    return i < kRequiredInputs ? INPUT_OUTPUT_REQUIRED : INPUT_OUTPUT_OPTIONAL;
  }
  size_t GetOutputTypeCount() const { return 2; }
  ONNXTensorElementDataType GetOutputType(size_t i) const {
    return i == 0 ? IoTraits<T>::kOnnxType : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
  }
  OrtCustomOpInputOutputCharacteristic GetOutputCharacteristic(size_t i) const {
    return i == 0 ? INPUT_OUTPUT_REQUIRED : INPUT_OUTPUT_OPTIONAL;
  }
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
