// Parameters of one com.mfuser::SelectiveScan call on the GPU (docs/selective-scan.md §1), shared by the
// CUDA kernel, the ONNX Runtime CUDA custom op and the TensorRT plugin. Plain C++ (no CUDA headers) so that the
// validation below compiles and is tested on machines without a CUDA toolkit.
#pragma once
#include <cstdint>
#include <string>

namespace mfuser::cuda {

/// Element type of u, delta, B, C, z and y. A, D, delta_bias and both states are always float32.
enum class IoType { kFloat32, kFloat16 };

/// Largest state size N the CUDA kernel supports (one float2 running prefix per state in shared memory).
constexpr int64_t kMaxState = 256;

/// One scan call. Device pointers; optional inputs/outputs are null when absent.
/// Layouts (row-major): u, delta, z, y: (B, D, L); A: (D, N); Bm, Cm: (B, G, N, L); D, delta_bias: (D);
/// initial_state, last_state: (B, D, N). Channel d reads group d / (D / G).
struct ScanParams {
  int64_t batch = 0, channels = 0, length = 0, state = 0, groups = 1;
  IoType io_type = IoType::kFloat32;
  bool delta_softplus = true;  // softplus(delta + delta_bias) with threshold 20, as mamba_ssm
  const void* u = nullptr;
  const void* delta = nullptr;
  const float* A = nullptr;
  const void* Bm = nullptr;
  const void* Cm = nullptr;
  const float* D = nullptr;            // optional skip term y += D[d]·u
  const void* z = nullptr;             // optional gate y *= silu(z)
  const float* delta_bias = nullptr;   // optional, added before softplus
  const float* initial_state = nullptr;  // optional, default zero
  void* y = nullptr;
  float* last_state = nullptr;         // optional output
};

/// Empty string when `p` describes a call the kernel can run, else a message naming the offending field with the
/// expected and actual values. batch == 0 is valid (nothing to do).
inline std::string ValidateScanParams(const ScanParams& p) {
  auto dim = [](const char* name, int64_t v, int64_t min) -> std::string {
    if (v >= min) return {};
    return std::string("SelectiveScan: ") + name + " must be >= " + std::to_string(min) + ", got " +
           std::to_string(v);
  };
  for (const std::string& e : {dim("batch B", p.batch, 0), dim("channels D", p.channels, 1),
                               dim("length L", p.length, 1), dim("state N", p.state, 1), dim("groups G", p.groups, 1)})
    if (!e.empty()) return e;
  if (p.state > kMaxState)
    return "SelectiveScan: state N=" + std::to_string(p.state) + " exceeds the CUDA kernel limit " +
           std::to_string(kMaxState);
  if (p.channels % p.groups != 0)
    return "SelectiveScan: channels D=" + std::to_string(p.channels) + " is not a multiple of groups G=" +
           std::to_string(p.groups);
  if (p.batch * p.channels > INT32_MAX)
    return "SelectiveScan: B*D=" + std::to_string(p.batch * p.channels) + " exceeds the grid limit 2^31-1";
  const struct { const char* name; const void* ptr; } required[] = {
      {"u", p.u}, {"delta", p.delta}, {"A", p.A}, {"B", p.Bm}, {"C", p.Cm}, {"y", p.y}};
  if (p.batch > 0)
    for (const auto& r : required)
      if (r.ptr == nullptr) return std::string("SelectiveScan: required tensor '") + r.name + "' is null";
  return {};
}

}  // namespace mfuser::cuda
