// ONNX Runtime front end of the CUDA SelectiveScan kernel (see cuda_ops.h). Inputs and attributes follow
// research/scan-kernels.md §6.1 exactly as the CPU op in ../src/custom_op.cc does; the work is enqueued on the
// stream ORT hands the kernel (KernelContext::GetGPUComputeStream), so it is ordered with ORT's own CUDA kernels.
#define ORT_API_MANUAL_INIT
#include "cuda_ops.h"
#undef ORT_API_MANUAL_INIT

#include <cstdint>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "selective_scan.cuh"

namespace mfuser::cuda {
namespace {

constexpr const char* kOpName = "SelectiveScan";
constexpr const char* kInputNames[] = {"u", "delta", "A", "B", "C", "D", "z", "delta_bias", "initial_state"};
enum Input : size_t { kU, kDelta, kA, kB, kC, kD, kZ, kDeltaBias, kInitialState, kInputCount };
constexpr size_t kRequiredInputs = 5;

template <typename T>
struct IoTraits;
template <>
struct IoTraits<float> {
  static constexpr ONNXTensorElementDataType kOnnxType = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
  static constexpr IoType kIoType = IoType::kFloat32;
};
template <>
struct IoTraits<Ort::Float16_t> {
  static constexpr ONNXTensorElementDataType kOnnxType = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
  static constexpr IoType kIoType = IoType::kFloat16;
};

/// Inputs whose element type follows T (A, D, delta_bias and initial_state are always float32).
bool IsIoTyped(size_t input) { return input == kU || input == kDelta || input == kB || input == kC || input == kZ; }

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  s << ']';
  return s.str();
}

[[noreturn]] void Fail(const std::string& message, OrtErrorCode code = ORT_INVALID_ARGUMENT) {
  throw Ort::Exception(std::string(kOpName) + " (CUDA): " + message, code);
}

void ExpectShape(size_t input, const std::vector<int64_t>& shape, const std::vector<int64_t>& expected,
                 const char* what) {
  if (shape != expected)
    Fail(std::string("input '") + kInputNames[input] + "' must have shape " + what + " = " + ShapeString(expected) +
         "; got " + ShapeString(shape));
}

template <typename T>
struct CudaScanKernel {
  bool delta_softplus = true;

  OrtStatusPtr ComputeV2(OrtKernelContext* context) noexcept {
    try {
      Compute(Ort::KernelContext(context));
      return nullptr;
    } catch (const Ort::Exception& e) {
      return Ort::GetApi().CreateStatus(e.GetOrtErrorCode(), e.what());
    } catch (const std::exception& e) {
      return Ort::GetApi().CreateStatus(ORT_FAIL, (std::string(kOpName) + " (CUDA): " + e.what()).c_str());
    }
  }

 private:
  void Compute(const Ort::KernelContext& ctx) const {
    const size_t present = ctx.GetInputCount();
    Ort::ConstValue in[kInputCount];
    std::vector<int64_t> shape[kInputCount];
    for (size_t i = 0; i < kInputCount; ++i) {
      in[i] = i < present ? ctx.GetInput(i) : Ort::ConstValue{nullptr};
      if (in[i] == nullptr) {
        if (i < kRequiredInputs) Fail(std::string("required input '") + kInputNames[i] + "' is missing");
        continue;
      }
      const auto info = in[i].GetTensorTypeAndShapeInfo();
      const ONNXTensorElementDataType want =
          IsIoTyped(i) ? IoTraits<T>::kOnnxType : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
      if (info.GetElementType() != want)
        Fail(std::string("input '") + kInputNames[i] + "' has element type " +
             std::to_string(info.GetElementType()) + "; expected " + std::to_string(want));
      shape[i] = info.GetShape();
    }
    if (shape[kU].size() != 3) Fail("input 'u' must be rank 3 (B, D, L); got " + ShapeString(shape[kU]));
    if (shape[kA].size() != 2) Fail("input 'A' must be rank 2 (D, N); got " + ShapeString(shape[kA]));
    if (shape[kB].size() != 4) Fail("input 'B' must be rank 4 (B, G, N, L); got " + ShapeString(shape[kB]));

    ScanParams p;
    p.batch = shape[kU][0];
    p.channels = shape[kU][1];
    p.length = shape[kU][2];
    p.state = shape[kA][1];
    p.groups = shape[kB][1];
    const std::vector<int64_t> bdl = shape[kU];
    const std::vector<int64_t> bgnl{p.batch, p.groups, p.state, p.length};
    ExpectShape(kDelta, shape[kDelta], bdl, "(B, D, L) like u");
    ExpectShape(kA, shape[kA], {p.channels, p.state}, "(D, N)");
    ExpectShape(kB, shape[kB], bgnl, "(B, G, N, L)");
    ExpectShape(kC, shape[kC], bgnl, "(B, G, N, L)");
    if (in[kD] != nullptr) ExpectShape(kD, shape[kD], {p.channels}, "(D)");
    if (in[kZ] != nullptr) ExpectShape(kZ, shape[kZ], bdl, "(B, D, L) like u");
    if (in[kDeltaBias] != nullptr) ExpectShape(kDeltaBias, shape[kDeltaBias], {p.channels}, "(D)");
    if (in[kInitialState] != nullptr)
      ExpectShape(kInitialState, shape[kInitialState], {p.batch, p.channels, p.state}, "(B, D, N)");

    p.io_type = IoTraits<T>::kIoType;
    p.delta_softplus = delta_softplus;
    p.u = in[kU].GetTensorRawData();
    p.delta = in[kDelta].GetTensorRawData();
    p.A = in[kA].GetTensorData<float>();
    p.Bm = in[kB].GetTensorRawData();
    p.Cm = in[kC].GetTensorRawData();
    p.D = in[kD] != nullptr ? in[kD].GetTensorData<float>() : nullptr;
    p.z = in[kZ] != nullptr ? in[kZ].GetTensorRawData() : nullptr;
    p.delta_bias = in[kDeltaBias] != nullptr ? in[kDeltaBias].GetTensorData<float>() : nullptr;
    p.initial_state = in[kInitialState] != nullptr ? in[kInitialState].GetTensorData<float>() : nullptr;
    p.y = ctx.GetOutput(0, bdl).GetTensorMutableRawData();
    if (ctx.GetOutputCount() > 1) {
      Ort::UnownedValue last = ctx.GetOutput(1, {p.batch, p.channels, p.state});
      if (last != nullptr) p.last_state = last.GetTensorMutableData<float>();
    }
    const std::string invalid = ValidateScanParams(p);
    if (!invalid.empty()) Fail(invalid);

    const cudaError_t err = LaunchSelectiveScan(p, static_cast<cudaStream_t>(ctx.GetGPUComputeStream()));
    if (err != cudaSuccess) Fail(std::string("kernel launch failed: ") + cudaGetErrorString(err), ORT_RUNTIME_EXCEPTION);
  }
};

template <typename T>
struct CudaScanOp : Ort::CustomOpBase<CudaScanOp<T>, CudaScanKernel<T>, true> {
  OrtStatusPtr CreateKernelV2(const OrtApi& api, const OrtKernelInfo* info, void** kernel) const noexcept {
    int64_t softplus = 1;
    if (OrtStatus* status = api.KernelInfoGetAttribute_int64(info, "delta_softplus", &softplus)) {
      api.ReleaseStatus(status);  // absent: the default, 1
      softplus = 1;
    }
    if (softplus != 0 && softplus != 1)
      return api.CreateStatus(ORT_INVALID_ARGUMENT, ("SelectiveScan (CUDA): attribute 'delta_softplus' must be 0 or 1; got " +
                                                     std::to_string(softplus)).c_str());
    auto* k = new CudaScanKernel<T>();
    k->delta_softplus = softplus != 0;
    *kernel = k;
    return nullptr;
  }
  const char* GetName() const { return kOpName; }
  const char* GetExecutionProviderType() const { return "CUDAExecutionProvider"; }
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

}  // namespace

void AddCudaOps(Ort::CustomOpDomain& domain) {
  static CudaScanOp<float> op_f32;
  static CudaScanOp<Ort::Float16_t> op_f16;
  domain.Add(&op_f32);
  domain.Add(&op_f16);
}

}  // namespace mfuser::cuda
