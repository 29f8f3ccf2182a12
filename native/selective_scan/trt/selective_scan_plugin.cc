// TensorRT plugin SelectiveScan: see selective_scan_plugin.h for the node contract.
// UNVERIFIED: syntax-checked against TensorRT headers only, never linked or run; see the header.
#include "selective_scan_plugin.h"

#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "selective_scan.cuh"

namespace mfuser::trt {
namespace {

using nvinfer1::DataType;
using nvinfer1::TensorFormat;

constexpr const char* kPluginName = "SelectiveScan";
constexpr const char* kPluginVersion = "1";
constexpr const char* kPluginNamespace = "mfuser";
constexpr int32_t kRequiredInputs = 5;  // u, delta, A, B, C
enum Required : int32_t { kU, kDelta, kA, kB, kC };

void Report(const std::string& message) { std::fprintf(stderr, "[mfuser SelectiveScan plugin] %s\n", message.c_str()); }

int32_t PopCount(int32_t mask) {
  int32_t n = 0;
  for (; mask; mask &= mask - 1) ++n;
  return n;
}

}  // namespace

SelectiveScanPlugin::SelectiveScanPlugin(int32_t delta_softplus, int32_t present_mask)
    : delta_softplus_(delta_softplus), present_mask_(present_mask), namespace_(kPluginNamespace) {}

SelectiveScanPlugin::SelectiveScanPlugin(const void* data, size_t length) : namespace_(kPluginNamespace) {
  int32_t fields[2] = {1, 0};
  if (length == sizeof fields) std::memcpy(fields, data, sizeof fields);
  else Report("serialized plugin has " + std::to_string(length) + " bytes; expected " + std::to_string(sizeof fields));
  delta_softplus_ = fields[0];
  present_mask_ = fields[1];
}

int32_t SelectiveScanPlugin::ExpectedInputs() const { return kRequiredInputs + PopCount(present_mask_); }

int32_t SelectiveScanPlugin::InputIndex(PresentBit bit) const {
  if (!(present_mask_ & bit)) return -1;
  return kRequiredInputs + PopCount(present_mask_ & (bit - 1));  // present optional inputs before this one
}

nvinfer1::IPluginV2DynamicExt* SelectiveScanPlugin::clone() const noexcept {
  auto* copy = new (std::nothrow) SelectiveScanPlugin(delta_softplus_, present_mask_);
  if (copy) copy->setPluginNamespace(namespace_.c_str());
  return copy;
}

nvinfer1::DimsExprs SelectiveScanPlugin::getOutputDimensions(int32_t output_index, const nvinfer1::DimsExprs* inputs,
                                                             int32_t /*nb_inputs*/,
                                                             nvinfer1::IExprBuilder& /*builder*/) noexcept {
  if (output_index == 0) return inputs[kU];  // y: (B, D, L)
  nvinfer1::DimsExprs last;                  // last_state: (B, D, N)
  last.nbDims = 3;
  last.d[0] = inputs[kU].d[0];
  last.d[1] = inputs[kU].d[1];
  last.d[2] = inputs[kA].d[1];
  return last;
}

bool SelectiveScanPlugin::supportsFormatCombination(int32_t pos, const nvinfer1::PluginTensorDesc* in_out,
                                                    int32_t nb_inputs, int32_t nb_outputs) noexcept {
  if (nb_inputs != ExpectedInputs() || nb_outputs != 2) {
    Report("node has " + std::to_string(nb_inputs) + " inputs and " + std::to_string(nb_outputs) +
           " outputs; present_mask=" + std::to_string(present_mask_) + " requires " +
           std::to_string(ExpectedInputs()) + " inputs and 2 outputs");
    return false;
  }
  const nvinfer1::PluginTensorDesc& desc = in_out[pos];
  if (desc.format != TensorFormat::kLINEAR) return false;
  const bool io_typed = pos == kU || pos == kDelta || pos == kB || pos == kC || pos == InputIndex(kHasZ) ||
                        pos == nb_inputs;  // y
  if (!io_typed) return desc.type == DataType::kFLOAT;
  if (pos == kU) return desc.type == DataType::kFLOAT || desc.type == DataType::kHALF;
  return desc.type == in_out[kU].type;
}

void SelectiveScanPlugin::configurePlugin(const nvinfer1::DynamicPluginTensorDesc* /*in*/, int32_t /*nb_inputs*/,
                                          const nvinfer1::DynamicPluginTensorDesc* /*out*/,
                                          int32_t /*nb_outputs*/) noexcept {}

size_t SelectiveScanPlugin::getWorkspaceSize(const nvinfer1::PluginTensorDesc* /*inputs*/, int32_t /*nb_inputs*/,
                                             const nvinfer1::PluginTensorDesc* /*outputs*/,
                                             int32_t /*nb_outputs*/) const noexcept {
  return 0;
}

int32_t SelectiveScanPlugin::enqueue(const nvinfer1::PluginTensorDesc* input_desc,
                                     const nvinfer1::PluginTensorDesc* /*output_desc*/, const void* const* inputs,
                                     void* const* outputs, void* /*workspace*/, cudaStream_t stream) noexcept {
  const nvinfer1::Dims& u = input_desc[kU].dims;
  const nvinfer1::Dims& a = input_desc[kA].dims;
  const nvinfer1::Dims& bm = input_desc[kB].dims;
  if (u.nbDims != 3 || a.nbDims != 2 || bm.nbDims != 4) {
    Report("expected u (B, D, L), A (D, N), B (B, G, N, L); got ranks " + std::to_string(u.nbDims) + ", " +
           std::to_string(a.nbDims) + ", " + std::to_string(bm.nbDims));
    return 1;
  }
  cuda::ScanParams p;
  p.batch = u.d[0];
  p.channels = u.d[1];
  p.length = u.d[2];
  p.state = a.d[1];
  p.groups = bm.d[1];
  if (a.d[0] != p.channels || bm.d[0] != p.batch || bm.d[2] != p.state || bm.d[3] != p.length) {
    Report("inconsistent shapes: A must be (D, N) and B (B, G, N, L) for u (B, D, L)");
    return 1;
  }
  p.io_type = input_desc[kU].type == DataType::kHALF ? cuda::IoType::kFloat16 : cuda::IoType::kFloat32;
  p.delta_softplus = delta_softplus_ != 0;
  p.u = inputs[kU];
  p.delta = inputs[kDelta];
  p.A = static_cast<const float*>(inputs[kA]);
  p.Bm = inputs[kB];
  p.Cm = inputs[kC];
  auto optional = [&](PresentBit bit) -> const void* {
    const int32_t i = InputIndex(bit);
    return i < 0 ? nullptr : inputs[i];
  };
  p.D = static_cast<const float*>(optional(kHasD));
  p.z = optional(kHasZ);
  p.delta_bias = static_cast<const float*>(optional(kHasDeltaBias));
  p.initial_state = static_cast<const float*>(optional(kHasInitialState));
  p.y = outputs[0];
  p.last_state = static_cast<float*>(outputs[1]);
  const std::string invalid = cuda::ValidateScanParams(p);
  if (!invalid.empty()) {
    Report(invalid);
    return 1;
  }
  const cudaError_t err = cuda::LaunchSelectiveScan(p, stream);
  if (err != cudaSuccess) {
    Report(std::string("kernel launch failed: ") + cudaGetErrorString(err));
    return 1;
  }
  return 0;
}

nvinfer1::DataType SelectiveScanPlugin::getOutputDataType(int32_t index, const nvinfer1::DataType* input_types,
                                                          int32_t /*nb_inputs*/) const noexcept {
  return index == 0 ? input_types[kU] : DataType::kFLOAT;
}

const char* SelectiveScanPlugin::getPluginType() const noexcept { return kPluginName; }
const char* SelectiveScanPlugin::getPluginVersion() const noexcept { return kPluginVersion; }
int32_t SelectiveScanPlugin::getNbOutputs() const noexcept { return 2; }
int32_t SelectiveScanPlugin::initialize() noexcept { return 0; }
void SelectiveScanPlugin::terminate() noexcept {}
size_t SelectiveScanPlugin::getSerializationSize() const noexcept { return 2 * sizeof(int32_t); }

void SelectiveScanPlugin::serialize(void* buffer) const noexcept {
  const int32_t fields[2] = {delta_softplus_, present_mask_};
  std::memcpy(buffer, fields, sizeof fields);
}

void SelectiveScanPlugin::destroy() noexcept { delete this; }
void SelectiveScanPlugin::setPluginNamespace(const char* plugin_namespace) noexcept {
  namespace_ = plugin_namespace ? plugin_namespace : "";
}
const char* SelectiveScanPlugin::getPluginNamespace() const noexcept { return namespace_.c_str(); }

// ------------------------------------------------------------------------------------------------------------------
SelectiveScanPluginCreator::SelectiveScanPluginCreator() : namespace_(kPluginNamespace) {
  field_specs_.emplace_back("delta_softplus", nullptr, nvinfer1::PluginFieldType::kINT32, 1);
  field_specs_.emplace_back("present_mask", nullptr, nvinfer1::PluginFieldType::kINT32, 1);
  fields_.nbFields = static_cast<int32_t>(field_specs_.size());
  fields_.fields = field_specs_.data();
}

const char* SelectiveScanPluginCreator::getPluginName() const noexcept { return kPluginName; }
const char* SelectiveScanPluginCreator::getPluginVersion() const noexcept { return kPluginVersion; }
const nvinfer1::PluginFieldCollection* SelectiveScanPluginCreator::getFieldNames() noexcept { return &fields_; }

nvinfer1::IPluginV2* SelectiveScanPluginCreator::createPlugin(const char* /*name*/,
                                                              const nvinfer1::PluginFieldCollection* fields) noexcept {
  int32_t delta_softplus = 1, present_mask = 0;
  for (int32_t i = 0; fields && i < fields->nbFields; ++i) {
    const nvinfer1::PluginField& f = fields->fields[i];
    int32_t* target = std::strcmp(f.name, "delta_softplus") == 0 ? &delta_softplus
                      : std::strcmp(f.name, "present_mask") == 0 ? &present_mask
                                                                  : nullptr;
    if (!target) continue;  // plugin_namespace / plugin_version and unknown attributes
    if (f.type != nvinfer1::PluginFieldType::kINT32 || f.length != 1 || !f.data) {
      Report(std::string("attribute '") + f.name + "' must be one int32 value");
      return nullptr;
    }
    *target = *static_cast<const int32_t*>(f.data);
  }
  if (delta_softplus != 0 && delta_softplus != 1) {
    Report("attribute 'delta_softplus' must be 0 or 1; got " + std::to_string(delta_softplus));
    return nullptr;
  }
  if (present_mask < 0 || present_mask > 15) {
    Report("attribute 'present_mask' must be in [0, 15]; got " + std::to_string(present_mask));
    return nullptr;
  }
  auto* plugin = new (std::nothrow) SelectiveScanPlugin(delta_softplus, present_mask);
  if (plugin) plugin->setPluginNamespace(namespace_.c_str());
  return plugin;
}

nvinfer1::IPluginV2* SelectiveScanPluginCreator::deserializePlugin(const char* /*name*/, const void* data,
                                                                   size_t length) noexcept {
  auto* plugin = new (std::nothrow) SelectiveScanPlugin(data, length);
  if (plugin) plugin->setPluginNamespace(namespace_.c_str());
  return plugin;
}

void SelectiveScanPluginCreator::setPluginNamespace(const char* plugin_namespace) noexcept {
  namespace_ = plugin_namespace ? plugin_namespace : "";
}
const char* SelectiveScanPluginCreator::getPluginNamespace() const noexcept { return namespace_.c_str(); }

namespace {
/// Registers the creator under namespace "mfuser" when the library is loaded (the ORT TensorRT EP dlopens it via
/// trt_extra_plugin_lib_paths). REGISTER_TENSORRT_PLUGIN would register under the empty library namespace instead.
struct Registrar {
  SelectiveScanPluginCreator creator;
  Registrar() {
    if (!getPluginRegistry()->registerCreator(creator, kPluginNamespace))
      Report("registering plugin creator mfuser::SelectiveScan v1 failed (already registered?)");
  }
};
Registrar g_registrar;
}  // namespace

}  // namespace mfuser::trt
