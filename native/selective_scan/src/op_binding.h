// The ONNX Runtime side of com.mfuser::SelectiveScan shared by its CPU (custom_op.cc) and CUDA (../cuda/cuda_ops.cc)
// front ends: the input table, the per-call input binding and validation with its error messages, the kernel's
// error-to-status wrapper and the op schema. A front end differs only in its label (the prefix of every message,
// e.g. "SelectiveScan" or "SelectiveScan (CUDA)"), its execution provider and what it does with the bound inputs.
// Include after defining ORT_API_MANUAL_INIT, as both front ends do.
#pragma once
#include "onnxruntime_cxx_api.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <sstream>
#include <string>

namespace mfuser::binding {

constexpr const char* kOpName = "SelectiveScan";
constexpr const char* kInputNames[] = {"u", "delta", "A", "B", "C", "D", "z", "delta_bias", "initial_state"};
enum Input : size_t { kU, kDelta, kA, kB, kC, kD, kZ, kDeltaBias, kInitialState, kInputCount };
constexpr size_t kRequiredInputs = 5;

/// ONNX element type of the I/O-typed tensors for the op instance of element type T (float or Ort::Float16_t).
template <typename T>
constexpr ONNXTensorElementDataType kOnnxIoType = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
template <>
constexpr ONNXTensorElementDataType kOnnxIoType<Ort::Float16_t> = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;

/// Inputs whose element type follows the op's I/O type (A, D, delta_bias and initial_state are always float32).
inline bool IsIoTyped(size_t input) {
  return input == kU || input == kDelta || input == kB || input == kC || input == kZ;
}

/// A tensor shape held inline: every operand has rank <= 4, so validation allocates nothing per call.
struct Dims {
  size_t rank = 0;
  int64_t d[4] = {};
  bool operator==(const Dims& o) const { return rank == o.rank && std::equal(d, d + rank, o.d); }
  bool operator!=(const Dims& o) const { return !(*this == o); }
};

inline std::string ShapeString(const Dims& shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.rank; ++i) s << (i ? ", " : "") << shape.d[i];
  s << ']';
  return s.str();
}

/// Throws an Ort::Exception whose message is "<label>: <message>".
[[noreturn]] inline void Fail(const char* label, const std::string& message,
                              OrtErrorCode code = ORT_INVALID_ARGUMENT) {
  throw Ort::Exception(std::string(label) + ": " + message, code);
}

/// The problem size read from u (B, D, L), A (D, N) and B (B, G, N, L).
struct ScanDims {
  int64_t batch = 0, channels = 0, length = 0, state = 0, groups = 1;
};

/// The inputs of one call, bound in two steps so that a front end may add its own checks on the sizes between
/// them: Bind (presence, element types, ranks, sizes), then ExpectShapes (every operand against the sizes).
class ScanInputs {
 public:
  explicit ScanInputs(const char* label) : label_(label) {}

  /// Binds every input, checking required ones are present, element types (io_type for the I/O-typed ones,
  /// float32 for the rest), rank <= 4, and the ranks of u, A and B; then reads the sizes from them.
  void Bind(const Ort::KernelContext& ctx, ONNXTensorElementDataType io_type) {
    const size_t present = ctx.GetInputCount();
    for (size_t i = 0; i < kInputCount; ++i) {
      value_[i] = i < present ? ctx.GetInput(i) : Ort::ConstValue{nullptr};
      if (value_[i] == nullptr) {
        if (i < kRequiredInputs) Fail(label_, std::string("required input '") + kInputNames[i] + "' is missing");
        continue;
      }
      const auto info = value_[i].GetTensorTypeAndShapeInfo();
      const ONNXTensorElementDataType want = IsIoTyped(i) ? io_type : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
      if (info.GetElementType() != want)
        Fail(label_, std::string("input '") + kInputNames[i] + "' has element type " +
                         std::to_string(info.GetElementType()) + "; expected " + std::to_string(want));
      Dims& s = shape_[i];
      s.rank = info.GetDimensionsCount();
      if (s.rank > 4)
        Fail(label_, std::string("input '") + kInputNames[i] + "' has rank " + std::to_string(s.rank) +
                         "; at most 4 expected");
      Ort::ThrowOnError(Ort::GetApi().GetDimensions(info, s.d, s.rank));
    }
    if (shape_[kU].rank != 3) Fail(label_, "input 'u' must be rank 3 (B, D, L); got " + ShapeString(shape_[kU]));
    if (shape_[kA].rank != 2) Fail(label_, "input 'A' must be rank 2 (D, N); got " + ShapeString(shape_[kA]));
    if (shape_[kB].rank != 4) Fail(label_, "input 'B' must be rank 4 (B, G, N, L); got " + ShapeString(shape_[kB]));
    dims_.batch = shape_[kU].d[0];
    dims_.channels = shape_[kU].d[1];
    dims_.length = shape_[kU].d[2];
    dims_.state = shape_[kA].d[1];
    dims_.groups = shape_[kB].d[1];
  }

  /// Throws unless every present operand has the shape the sizes imply.
  void ExpectShapes() const {
    const ScanDims& s = dims_;
    const Dims bdl = shape_[kU];
    const Dims bgnl{4, {s.batch, s.groups, s.state, s.length}};
    const Dims d{1, {s.channels}};
    ExpectShape(kDelta, bdl, "(B, D, L) like u");
    ExpectShape(kA, Dims{2, {s.channels, s.state}}, "(D, N)");
    ExpectShape(kB, bgnl, "(B, G, N, L)");
    ExpectShape(kC, bgnl, "(B, G, N, L)");
    if (Has(kD)) ExpectShape(kD, d, "(D)");
    if (Has(kZ)) ExpectShape(kZ, bdl, "(B, D, L) like u");
    if (Has(kDeltaBias)) ExpectShape(kDeltaBias, d, "(D)");
    if (Has(kInitialState)) ExpectShape(kInitialState, Dims{3, {s.batch, s.channels, s.state}}, "(B, D, N)");
  }

  /// Points p (a front end's parameter struct) at the bound operands and at outputs y (B, D, L) and, when the
  /// graph uses it, last_state (B, D, N), allocated here. b and c name p's members for operands B and C.
  template <typename P>
  void SetOperands(const Ort::KernelContext& ctx, P& p, const void* P::*b, const void* P::*c) const {
    p.u = Raw(kU);
    p.delta = Raw(kDelta);
    p.A = Floats(kA);
    p.*b = Raw(kB);
    p.*c = Raw(kC);
    p.D = Floats(kD);
    p.z = Raw(kZ);
    p.delta_bias = Floats(kDeltaBias);
    p.initial_state = Floats(kInitialState);
    const Dims& bdl = shape_[kU];
    p.y = ctx.GetOutput(0, bdl.d, bdl.rank).GetTensorMutableRawData();
    p.last_state = nullptr;
    if (ctx.GetOutputCount() > 1) {
      const int64_t bdn[] = {dims_.batch, dims_.channels, dims_.state};
      Ort::UnownedValue last = ctx.GetOutput(1, bdn, 3);
      if (last != nullptr) p.last_state = last.GetTensorMutableData<float>();
    }
  }

  const ScanDims& dims() const { return dims_; }
  const Dims& shape(Input input) const { return shape_[input]; }
  bool Has(Input input) const { return value_[input] != nullptr; }
  /// The tensor's data, or null when the (optional) input is absent.
  const void* Raw(Input input) const { return Has(input) ? value_[input].GetTensorRawData() : nullptr; }
  /// The float32 tensor's data, or null when the (optional) input is absent.
  const float* Floats(Input input) const { return Has(input) ? value_[input].GetTensorData<float>() : nullptr; }

 private:
  /// Throws unless input's shape equals `expected`; `what` describes the expected dims, e.g. "(B, D, L)".
  void ExpectShape(Input input, const Dims& expected, const char* what) const {
    if (shape_[input] != expected)
      Fail(label_, std::string("input '") + kInputNames[input] + "' must have shape " + what + " = " +
                       ShapeString(expected) + "; got " + ShapeString(shape_[input]));
  }

  const char* label_;
  Ort::ConstValue value_[kInputCount];
  Dims shape_[kInputCount];
  ScanDims dims_;
};

/// Base of a front end's kernel: Derived provides `static constexpr const char* kLabel` and
/// `void Compute(const Ort::KernelContext&) const`, which throws on failure; this turns the throw into a status.
template <typename Derived>
struct ScanKernelBase {
  bool delta_softplus = true;

  OrtStatusPtr ComputeV2(OrtKernelContext* context) noexcept {
    try {
      static_cast<const Derived*>(this)->Compute(Ort::KernelContext(context));
      return nullptr;
    } catch (const Ort::Exception& e) {
      return Ort::GetApi().CreateStatus(e.GetOrtErrorCode(), e.what());
    } catch (const std::exception& e) {
      return Ort::GetApi().CreateStatus(ORT_FAIL, (std::string(Derived::kLabel) + ": " + e.what()).c_str());
    }
  }
};

/// The op schema (docs/selective-scan.md §1) for I/O element type T, shared by both front ends: nine inputs
/// (five required), outputs y (required) and last_state (optional), attribute delta_softplus (0 or 1, default 1).
/// Op adds GetExecutionProviderType; Kernel derives from ScanKernelBase<Kernel>.
template <typename Op, typename Kernel, typename T>
struct ScanOpBase : Ort::CustomOpBase<Op, Kernel, true> {
  OrtStatusPtr CreateKernelV2(const OrtApi& api, const OrtKernelInfo* info, void** kernel) const noexcept {
    int64_t softplus = 1;
    if (OrtStatus* status = api.KernelInfoGetAttribute_int64(info, "delta_softplus", &softplus)) {
      api.ReleaseStatus(status);  // absent: the default, 1
      softplus = 1;
    }
    if (softplus != 0 && softplus != 1)
      return api.CreateStatus(ORT_INVALID_ARGUMENT, (std::string(Kernel::kLabel) +
                                                     ": attribute 'delta_softplus' must be 0 or 1; got " +
                                                     std::to_string(softplus)).c_str());
    auto* k = new Kernel();
    k->delta_softplus = softplus != 0;
    *kernel = k;
    return nullptr;
  }
  const char* GetName() const { return kOpName; }
  size_t GetInputTypeCount() const { return kInputCount; }
  ONNXTensorElementDataType GetInputType(size_t i) const {
    return IsIoTyped(i) ? kOnnxIoType<T> : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
  }
  OrtCustomOpInputOutputCharacteristic GetInputCharacteristic(size_t i) const {
    return i < kRequiredInputs ? INPUT_OUTPUT_REQUIRED : INPUT_OUTPUT_OPTIONAL;
  }
  size_t GetOutputTypeCount() const { return 2; }
  ONNXTensorElementDataType GetOutputType(size_t i) const {
    return i == 0 ? kOnnxIoType<T> : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
  }
  OrtCustomOpInputOutputCharacteristic GetOutputCharacteristic(size_t i) const {
    return i == 0 ? INPUT_OUTPUT_REQUIRED : INPUT_OUTPUT_OPTIONAL;
  }
};

}  // namespace mfuser::binding
