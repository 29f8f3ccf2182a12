// libmfuser_ops.so loaded into a real ONNX Runtime session (the NuGet package's libonnxruntime) running one-node
// models written by onnx_model.h: outputs vs the fp64 oracle, and the errors users see for bad models/inputs.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <onnxruntime_cxx_api.h>

#include <cstdio>
#include <string>
#include <vector>

#include "onnx_model.h"
#include "scan_case.h"

namespace mfuser::test {
namespace {

using cpu::IoType;
constexpr int32_t kFloat = 1, kFloat16 = 10, kDouble = 11;

Ort::Env& Env() {
  static Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "selective_scan_test");
  return env;
}

Ort::SessionOptions Options(bool register_library = true) {
  Ort::SessionOptions options;
  options.SetIntraOpNumThreads(2);
  if (register_library) options.RegisterCustomOpsLibrary(MFUSER_OPS_PATH);
  return options;
}

Ort::Session OpenModel(const std::string& bytes, const Ort::SessionOptions& options) {
  return Ort::Session(Env(), bytes.data(), bytes.size(), options);
}

/// The model for a case: graph inputs for the present operands, "" for the absent optional ones.
std::string ModelFor(const ScanCase& c, int32_t io_type, int64_t softplus_attr) {
  const std::vector<std::string> bdl{"batch", "channels", "length"}, bgnl{"batch", "groups", "state", "length"};
  std::vector<onnx::ValueInfo> inputs{{"u", io_type, bdl}, {"delta", io_type, bdl}, {"A", kFloat, {"channels", "state"}},
                                      {"B", io_type, bgnl}, {"C", io_type, bgnl}};
  onnx::Node node{"SelectiveScan", "com.mfuser", {"u", "delta", "A", "B", "C"}, {"y"}, {{"delta_softplus", softplus_attr}}};
  const std::pair<bool, onnx::ValueInfo> optional[] = {
      {c.has_D, {"D", kFloat, {"channels"}}},
      {c.has_z, {"z", io_type, bdl}},
      {c.has_bias, {"delta_bias", kFloat, {"channels"}}},
      {c.has_init, {"initial_state", kFloat, {"batch", "channels", "state"}}}};
  for (const auto& [present, info] : optional) {
    node.inputs.push_back(present ? info.name : "");
    if (present) inputs.push_back(info);
  }
  while (node.inputs.back().empty()) node.inputs.pop_back();
  std::vector<onnx::ValueInfo> outputs{{"y", io_type, bdl}};
  if (c.want_last) {
    node.outputs.push_back("last_state");
    outputs.push_back({"last_state", kFloat, {"batch", "channels", "state"}});
  }
  return onnx::EncodeModel(node, inputs, outputs);
}

/// Runs a case through a session and returns y / last_state as double.
ScanResult RunSession(const ScanCase& c, const ScanData& d, std::vector<float> A_override = {}) {
  const bool half = c.io == IoType::kFloat16;
  Ort::Session session = OpenModel(ModelFor(c, half ? kFloat16 : kFloat, c.softplus ? 1 : 0), Options());
  const auto mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  const auto& s = c.shape;
  const std::vector<int64_t> bdl{s.batch, s.channels, s.length}, bgnl{s.batch, s.groups, s.state, s.length},
      dn{s.channels, s.state}, dd{s.channels}, bdn{s.batch, s.channels, s.state};
  std::vector<IoBuffer> io_buffers;
  io_buffers.reserve(5);
  std::vector<std::vector<float>> f32_buffers;
  f32_buffers.reserve(4);
  std::vector<const char*> names;
  std::vector<Ort::Value> values;
  auto add_io = [&](const char* name, const std::vector<float>& v, const std::vector<int64_t>& shape) {
    io_buffers.emplace_back(v, c.io);
    IoBuffer& b = io_buffers.back();
    const size_t bytes = v.size() * (half ? 2 : 4);
    values.push_back(Ort::Value::CreateTensor(mem, b.data(), bytes, shape.data(), shape.size(),
                                              half ? ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT));
    names.push_back(name);
  };
  auto add_f32 = [&](const char* name, const std::vector<float>& v, const std::vector<int64_t>& shape) {
    f32_buffers.push_back(v);
    values.push_back(Ort::Value::CreateTensor<float>(mem, f32_buffers.back().data(), v.size(), shape.data(), shape.size()));
    names.push_back(name);
  };
  add_io("u", d.u, bdl);
  add_io("delta", d.delta, bdl);
  add_f32("A", A_override.empty() ? d.A : A_override, A_override.empty() ? dn : std::vector<int64_t>{s.channels + 1, s.state});
  add_io("B", d.B, bgnl);
  add_io("C", d.C, bgnl);
  if (c.has_D) add_f32("D", d.D, dd);
  if (c.has_z) add_io("z", d.z, bdl);
  if (c.has_bias) add_f32("delta_bias", d.bias, dd);
  if (c.has_init) add_f32("initial_state", d.init, bdn);
  std::vector<const char*> out_names{"y"};
  if (c.want_last) out_names.push_back("last_state");
  auto outputs = session.Run(Ort::RunOptions{nullptr}, names.data(), values.data(), values.size(), out_names.data(),
                             out_names.size());
  ScanResult r;
  const size_t ny = d.u.size();
  r.y.resize(ny);
  if (half) {
    const auto* y = outputs[0].GetTensorData<Ort::Float16_t>();
    for (size_t i = 0; i < ny; ++i) r.y[i] = y[i].ToFloat();
  } else {
    const float* y = outputs[0].GetTensorData<float>();
    r.y.assign(y, y + ny);
  }
  if (c.want_last) {
    const float* last = outputs[1].GetTensorData<float>();
    r.last.assign(last, last + static_cast<size_t>(s.batch * s.channels * s.state));
  }
  return r;
}

TEST(OrtSession, MatchesOracleForEveryOptionalInputPattern) {
  for (int i = 0; i < 32; ++i) {
    ScanCase c;
    c.has_D = i & 1;
    c.has_z = i & 2;
    c.has_bias = i & 4;
    c.has_init = i & 8;
    c.io = (i & 16) ? IoType::kFloat16 : IoType::kFloat32;
    c.softplus = (i % 3) != 2;
    c.want_last = (i % 5) != 0;
    c.shape = {1 + i % 2, 4 * (3 + i % 11), 17 + 31 * i, 16, 4};
    c.seed = 500 + static_cast<uint64_t>(i);
    const ScanData d = MakeData(c);
    const ScanResult ref = RunOracle(c, d), got = RunSession(c, d);
    EXPECT_LE(ScaledError(got.y, ref.y), Tolerance(c.io)) << c.Describe();
    if (c.want_last) {
      EXPECT_LE(ScaledError(got.last, ref.last), Tolerance(c.io)) << c.Describe();
    }
  }
}

/// last_state named "" (present in the node's output list but not produced) is the same as leaving it out.
TEST(OrtSession, EmptyLastStateOutputNameIsSkipped) {
  const std::vector<std::string> bdl{"b", "d", "l"}, bgnl{"b", "g", "n", "l"};
  onnx::Node node{"SelectiveScan", "com.mfuser", {"u", "delta", "A", "B", "C"}, {"y", ""}, {}};
  const std::string model = onnx::EncodeModel(
      node, {{"u", kFloat, bdl}, {"delta", kFloat, bdl}, {"A", kFloat, {"d", "n"}}, {"B", kFloat, bgnl}, {"C", kFloat, bgnl}},
      {{"y", kFloat, bdl}});
  Ort::Session session = OpenModel(model, Options());
  ScanCase c;
  c.shape = {1, 4, 9, 2, 1};
  c.has_D = c.has_z = c.has_bias = false;
  c.want_last = false;
  const ScanData d = MakeData(c);
  const auto mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  const int64_t su[] = {1, 4, 9}, sa[] = {4, 2}, sb[] = {1, 1, 2, 9};
  auto in = [&](const std::vector<float>& v, const int64_t* shape, size_t rank) {
    return Ort::Value::CreateTensor<float>(mem, const_cast<float*>(v.data()), v.size(), shape, rank);
  };
  Ort::Value values[] = {in(d.u, su, 3), in(d.delta, su, 3), in(d.A, sa, 2), in(d.B, sb, 4), in(d.C, sb, 4)};
  const char* names[] = {"u", "delta", "A", "B", "C"};
  const char* out[] = {"y"};
  auto outputs = session.Run(Ort::RunOptions{nullptr}, names, values, 5, out, 1);
  const float* y = outputs[0].GetTensorData<float>();
  EXPECT_LE(ScaledError(std::vector<double>(y, y + d.u.size()), RunOracle(c, d).y), 1e-5);
}

/// Session creation must fail with `expected` somewhere in ORT's message.
void ExpectSessionError(const std::string& model, const std::string& expected, bool register_library = true) {
  try {
    OpenModel(model, Options(register_library));
    ADD_FAILURE() << "session creation succeeded; expected an error containing: " << expected;
  } catch (const Ort::Exception& e) {
    std::printf("[expected error] %s\n", e.what());
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << "message: " << e.what();
  }
}

TEST(OrtSession, RejectsMissingRequiredInput) {
  const std::vector<std::string> bdl{"b", "d", "l"}, bgnl{"b", "g", "n", "l"};
  onnx::Node node{"SelectiveScan", "com.mfuser", {"u", "delta", "A", "B"}, {"y"}, {}};
  ExpectSessionError(onnx::EncodeModel(node,
                                       {{"u", kFloat, bdl}, {"delta", kFloat, bdl}, {"A", kFloat, {"d", "n"}}, {"B", kFloat, bgnl}},
                                       {{"y", kFloat, bdl}}),
                     "with schema(com.mfuser::SelectiveScan:1) has input size 4 not in range [min=5, max=9]");
}

/// A required input given as "" is refused when the model loads.
TEST(OrtSession, RejectsEmptyRequiredInput) {
  const std::vector<std::string> bdl{"b", "d", "l"}, bgnl{"b", "g", "n", "l"};
  onnx::Node node{"SelectiveScan", "com.mfuser", {"u", "", "A", "B", "C"}, {"y"}, {}};
  ExpectSessionError(onnx::EncodeModel(node,
                                       {{"u", kFloat, bdl}, {"A", kFloat, {"d", "n"}}, {"B", kFloat, bgnl}, {"C", kFloat, bgnl}},
                                       {{"y", kFloat, bdl}}),
                     "Node (node0)'s input 1 is marked single but has an empty string in the graph");
}

TEST(OrtSession, RejectsWrongElementType) {
  ScanCase c;
  ExpectSessionError(ModelFor(c, kDouble, 1),
                     "Type 'tensor(double)' of input parameter (u) of operator (SelectiveScan) in node (node0) is invalid");
}

TEST(OrtSession, RejectsBadDeltaSoftplusAttribute) {
  ScanCase c;
  ExpectSessionError(ModelFor(c, kFloat, 3), "attribute 'delta_softplus' must be 0 or 1; got 3");
}

TEST(OrtSession, UnregisteredLibraryNamesTheOp) {
  ScanCase c;
  ExpectSessionError(ModelFor(c, kFloat, 1), "com.mfuser:SelectiveScan", /*register_library=*/false);
}

TEST(OrtSession, RunRejectsInconsistentShapesWithNamedInput) {
  ScanCase c;
  c.shape = {1, 8, 5, 4, 2};
  const ScanData d = MakeData(c);
  std::vector<float> bad_A(static_cast<size_t>((c.shape.channels + 1) * c.shape.state), -1.0f);
  try {
    RunSession(c, d, bad_A);
    ADD_FAILURE() << "Run succeeded with A of shape (D+1, N)";
  } catch (const Ort::Exception& e) {
    EXPECT_NE(std::string(e.what()).find("input 'A' must have shape (D, N) = [8, 4]; got [9, 4]"), std::string::npos)
        << e.what();
  }
}

/// Loading into a runtime older than the headers: GetApi(ORT_API_VERSION) returns null there. A fake API base that
/// behaves like such a runtime must get a clear error status, not a crash.
TEST(Library, OlderRuntimeGetsClearError) {
  void* lib = dlopen(MFUSER_OPS_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  using Register = OrtStatus* (*)(OrtSessionOptions*, const OrtApiBase*);
  auto reg = reinterpret_cast<Register>(dlsym(lib, "RegisterCustomOps"));
  ASSERT_NE(reg, nullptr);
  static const OrtApiBase old_runtime{
      [](uint32_t version) noexcept -> const OrtApi* { return version >= ORT_API_VERSION ? nullptr : OrtGetApiBase()->GetApi(version); },
      []() noexcept { return "1.20.0"; }};
  OrtStatus* status = reg(nullptr, &old_runtime);
  ASSERT_NE(status, nullptr);
  const std::string message = Ort::GetApi().GetErrorMessage(status);
  Ort::GetApi().ReleaseStatus(status);
  EXPECT_NE(message.find("API version " + std::to_string(ORT_API_VERSION)), std::string::npos) << message;
  EXPECT_NE(message.find("ONNX Runtime 1.20.0 does not provide"), std::string::npos) << message;
  dlclose(lib);
}

TEST(Library, ExportsVersion) {
  void* lib = dlopen(MFUSER_OPS_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  auto version = reinterpret_cast<const char* (*)()>(dlsym(lib, "MfuserOpsVersion"));
  ASSERT_NE(version, nullptr);
  EXPECT_STREQ(version(), MFUSER_OPS_VERSION);
  dlclose(lib);
}

}  // namespace
}  // namespace mfuser::test
