// Writes the protobuf bytes of a one-node ONNX model directly (no onnx/protobuf library is available to the tests):
// just the ModelProto / GraphProto / NodeProto / ValueInfoProto fields a session needs.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mfuser::test::onnx {

/// A graph input or output: name, ONNX element type (1 float, 10 float16, 11 double) and dims, where a dim is
/// either a number or a symbolic name.
struct ValueInfo {
  std::string name;
  int32_t elem_type;
  std::vector<std::string> dims;
};

struct Node {
  std::string op_type, domain;
  std::vector<std::string> inputs, outputs;  // "" marks an omitted optional input/output
  std::vector<std::pair<std::string, int64_t>> int_attributes;
};

class Writer {
 public:
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      bytes_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    bytes_.push_back(static_cast<char>(v));
  }
  void Int(int field, int64_t v) {
    Varint(static_cast<uint64_t>(field) << 3);
    Varint(static_cast<uint64_t>(v));
  }
  void Bytes(int field, const std::string& s) {
    Varint((static_cast<uint64_t>(field) << 3) | 2);
    Varint(s.size());
    bytes_ += s;
  }
  const std::string& str() const { return bytes_; }

 private:
  std::string bytes_;
};

inline std::string EncodeValueInfo(const ValueInfo& v) {
  Writer shape;
  for (const std::string& d : v.dims) {
    Writer dim;
    if (!d.empty() && d.find_first_not_of("0123456789") == std::string::npos)
      dim.Int(1, std::stoll(d));  // dim_value
    else
      dim.Bytes(2, d);  // dim_param
    shape.Bytes(1, dim.str());
  }
  Writer tensor;
  tensor.Int(1, v.elem_type);
  tensor.Bytes(2, shape.str());
  Writer type;
  type.Bytes(1, tensor.str());  // TypeProto.tensor_type
  Writer info;
  info.Bytes(1, v.name);
  info.Bytes(2, type.str());
  return info.str();
}

/// ModelProto (IR 8) with opsets "" 17 and the node's domain 1, one node, the given graph inputs and outputs.
inline std::string EncodeModel(const Node& node, const std::vector<ValueInfo>& inputs, const std::vector<ValueInfo>& outputs) {
  Writer n;
  for (const auto& i : node.inputs) n.Bytes(1, i);
  for (const auto& o : node.outputs) n.Bytes(2, o);
  n.Bytes(3, "node0");
  n.Bytes(4, node.op_type);
  for (const auto& [name, value] : node.int_attributes) {
    Writer attr;
    attr.Bytes(1, name);
    attr.Int(3, value);   // i
    attr.Int(20, 2);      // type = INT
    n.Bytes(5, attr.str());
  }
  n.Bytes(7, node.domain);
  Writer graph;
  graph.Bytes(1, n.str());
  graph.Bytes(2, "selective_scan_test");
  for (const auto& v : inputs) graph.Bytes(11, EncodeValueInfo(v));
  for (const auto& v : outputs) graph.Bytes(12, EncodeValueInfo(v));
  Writer model;
  model.Int(1, 8);  // ir_version
  model.Bytes(2, "mfuser-selective-scan-tests");
  model.Bytes(7, graph.str());
  for (const auto& [domain, version] : {std::pair<std::string, int64_t>{"", 17}, {node.domain, 1}}) {
    Writer opset;
    opset.Bytes(1, domain);
    opset.Int(2, version);
    model.Bytes(8, opset.str());
  }
  return model.str();
}

}  // namespace mfuser::test::onnx
