// Kernel-side API of the CPU implementation of com.mfuser::SelectiveScan (docs/selective-scan.md).
// Independent of ONNX Runtime: the custom op (custom_op.cc), the tests and scan_bench all call this.
//
// Semantics (docs/selective-scan.md §1), per batch b, channel d, group g = d / (D/G), token t:
//   dt = delta[b,d,t] + delta_bias[d];  dt = softplus(dt) (threshold 20) if delta_softplus
//   h[n] = exp(dt * A[d,n]) * h[n] + dt * u[b,d,t] * B[b,g,n,t]         (h starts at initial_state or 0)
//   y[b,d,t] = (sum_n h[n] * C[b,g,n,t] + D[d] * u[b,d,t]) * silu(z[b,d,t])
// Layouts: u, delta, z, y (B,D,L); A (D,N); B, C (B,G,N,L); D, delta_bias (D); states (B,D,N). All math is fp32.
#pragma once
#include <cstddef>
#include <cstdint>

namespace mfuser::cpu {

/// Element type of u, delta, B, C, z and y. A, D, delta_bias and the states are always float32.
enum class IoType { kFloat32, kFloat16 };

/// Instruction-set variant of the kernel. kAuto picks the best one the running CPU supports.
enum class Isa { kAuto, kScalar, kAvx2, kAvx512, kNeon };

struct ScanShape {
  int64_t batch = 1;     // B
  int64_t channels = 1;  // D
  int64_t length = 1;    // L
  int64_t state = 1;     // N
  int64_t groups = 1;    // G (channels % groups == 0)
};

/// Pointers to the operands. Optional ones are null when absent. For IoType::kFloat16 the `const void*`
/// tensors hold uint16_t binary16 values; for kFloat32 they hold float.
struct ScanArgs {
  ScanShape shape;
  IoType io_type = IoType::kFloat32;
  const void* u = nullptr;
  const void* delta = nullptr;
  const float* A = nullptr;
  const void* B = nullptr;
  const void* C = nullptr;
  const float* D = nullptr;             // optional
  const void* z = nullptr;              // optional
  const float* delta_bias = nullptr;    // optional
  const float* initial_state = nullptr; // optional
  bool delta_softplus = true;
  void* y = nullptr;                    // required output, io_type
  float* last_state = nullptr;          // optional output
};

/// Runs `total` independent tasks, task(ctx, i) for i in [0, total), possibly in parallel, and returns when all
/// are done. The custom op forwards this to ORT's intra-op pool (KernelContext::ParallelFor).
struct TaskRunner {
  using Task = void (*)(void* ctx, size_t index);
  void (*parallel_for)(void* runner_state, Task task, void* task_ctx, size_t total) = nullptr;  // null: serial
  void* runner_state = nullptr;
};

struct ScanOptions {
  Isa isa = Isa::kAuto;
  /// Set FTZ/DAZ (x86 MXCSR, AArch64 FPCR.FZ) while a task runs and restore the caller's mode after.
  /// Decaying states otherwise spend long stretches as denormals. Off only for benchmarks.
  bool flush_denormals = true;
};

/// Checks shapes/pointers; returns null when valid, else a static message naming the problem.
const char* ValidateArgs(const ScanArgs& args);

/// Computes y (and last_state). Precondition: ValidateArgs(args) == nullptr. An ISA the CPU lacks runs as kAuto.
/// Work is split into independent tasks over (batch, group, block of channels); each task runs the whole L.
void SelectiveScan(const ScanArgs& args, const ScanOptions& options = {}, const TaskRunner& runner = {});

/// True when this build contains the ISA and the running CPU supports it (kAuto and kScalar: always).
bool IsaAvailable(Isa isa);
/// The ISA kAuto resolves to on this CPU.
Isa BestIsa();
const char* IsaName(Isa isa);
/// Number of float lanes (channels per vector) of an ISA's kernel.
int IsaLanes(Isa isa);

/// Vectorised exp2 of the kernel (what the scan evaluates N times per token and channel), over n floats:
/// out[i] = 2^x[i] for x in [-126, 127] (clamped outside). Exposed for the error test and the bench bound.
void Exp2Array(Isa isa, const float* x, float* out, size_t n);
/// Sum of exp2 over n floats with no stores: the "bare exp" throughput bound used by scan_bench.
float Exp2Sum(Isa isa, const float* x, size_t n);
/// The kernel's softplus (threshold 20) over n floats, for the error test.
void SoftplusArray(Isa isa, const float* x, float* out, size_t n);

}  // namespace mfuser::cpu
