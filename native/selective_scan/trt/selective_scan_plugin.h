// TensorRT plugin `SelectiveScan` (namespace "mfuser", version "1") running the CUDA kernel of
// ../cuda/selective_scan.cu, for the `trt.plugins::SelectiveScan` node of model.trt.onnx
// (docs/gpu-kernel.md; contract: docs/selective-scan.md §1).
//
// UNVERIFIED: no machine available to this project so far has the TensorRT SDK, so this plugin has never been
// linked, loaded or run. What was checked: selective_scan_plugin.cc passes `g++ -fsyntax-only -Wall -Wextra` against
// the public headers of NVIDIA/TensorRT (include/) at v8.6.1, v10.3.0 (JetPack 6) and 11.1, with deprecation
// warnings only (IPluginV2DynamicExt is deprecated since TensorRT 10 but still present in 11.1). The CUDA kernel it
// calls is the one checked by ../device-check.sh.
//
// Node contract (the exporter's rewrite of com.mfuser::SelectiveScan):
//   attributes  delta_softplus: int (default 1); present_mask: int, bit0 D, bit1 z, bit2 delta_bias,
//               bit3 initial_state (default 0); plugin_namespace = "mfuser", plugin_version = "1"
//   inputs      u, delta, A, B, C, then only the optional inputs present, in the order D, z, delta_bias,
//               initial_state (dense: TensorRT plugins see no empty inputs)
//   outputs     y (B, D, L) in the I/O type; last_state (B, D, N) float32
//   types       u, delta, B, C, z, y: all kFLOAT or all kHALF; A, D, delta_bias, initial_state, last_state:
//               kFLOAT; every tensor kLINEAR. Workspace 0; enqueue runs on TensorRT's stream.
#pragma once
#include <NvInfer.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mfuser::trt {

/// Optional-input bits of the `present_mask` attribute.
enum PresentBit : int32_t { kHasD = 1, kHasZ = 2, kHasDeltaBias = 4, kHasInitialState = 8 };

class SelectiveScanPlugin final : public nvinfer1::IPluginV2DynamicExt {
 public:
  SelectiveScanPlugin(int32_t delta_softplus, int32_t present_mask);
  SelectiveScanPlugin(const void* data, size_t length);  // deserialisation

  // IPluginV2DynamicExt
  nvinfer1::IPluginV2DynamicExt* clone() const noexcept override;
  nvinfer1::DimsExprs getOutputDimensions(int32_t output_index, const nvinfer1::DimsExprs* inputs, int32_t nb_inputs,
                                          nvinfer1::IExprBuilder& builder) noexcept override;
  bool supportsFormatCombination(int32_t pos, const nvinfer1::PluginTensorDesc* in_out, int32_t nb_inputs,
                                 int32_t nb_outputs) noexcept override;
  void configurePlugin(const nvinfer1::DynamicPluginTensorDesc* in, int32_t nb_inputs,
                       const nvinfer1::DynamicPluginTensorDesc* out, int32_t nb_outputs) noexcept override;
  size_t getWorkspaceSize(const nvinfer1::PluginTensorDesc* inputs, int32_t nb_inputs,
                          const nvinfer1::PluginTensorDesc* outputs, int32_t nb_outputs) const noexcept override;
  int32_t enqueue(const nvinfer1::PluginTensorDesc* input_desc, const nvinfer1::PluginTensorDesc* output_desc,
                  const void* const* inputs, void* const* outputs, void* workspace,
                  cudaStream_t stream) noexcept override;
  // IPluginV2Ext
  nvinfer1::DataType getOutputDataType(int32_t index, const nvinfer1::DataType* input_types,
                                       int32_t nb_inputs) const noexcept override;
  // IPluginV2
  const char* getPluginType() const noexcept override;
  const char* getPluginVersion() const noexcept override;
  int32_t getNbOutputs() const noexcept override;
  int32_t initialize() noexcept override;
  void terminate() noexcept override;
  size_t getSerializationSize() const noexcept override;
  void serialize(void* buffer) const noexcept override;
  void destroy() noexcept override;
  void setPluginNamespace(const char* plugin_namespace) noexcept override;
  const char* getPluginNamespace() const noexcept override;

  /// Number of inputs the node must have: 5 required plus one per bit of present_mask.
  int32_t ExpectedInputs() const;

 private:
  /// Index in the dense input list of optional input `bit`, or -1 when absent.
  int32_t InputIndex(PresentBit bit) const;

  int32_t delta_softplus_;
  int32_t present_mask_;
  std::string namespace_;
};

class SelectiveScanPluginCreator final : public nvinfer1::IPluginCreator {
 public:
  SelectiveScanPluginCreator();
  const char* getPluginName() const noexcept override;
  const char* getPluginVersion() const noexcept override;
  const nvinfer1::PluginFieldCollection* getFieldNames() noexcept override;
  nvinfer1::IPluginV2* createPlugin(const char* name, const nvinfer1::PluginFieldCollection* fields) noexcept override;
  nvinfer1::IPluginV2* deserializePlugin(const char* name, const void* data, size_t length) noexcept override;
  void setPluginNamespace(const char* plugin_namespace) noexcept override;
  const char* getPluginNamespace() const noexcept override;

 private:
  std::vector<nvinfer1::PluginField> field_specs_;
  nvinfer1::PluginFieldCollection fields_{};
  std::string namespace_;
};

}  // namespace mfuser::trt
