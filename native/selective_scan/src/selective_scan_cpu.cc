// ISA dispatch, argument validation, denormal mode and task fan-out of the CPU selective scan.
#include "selective_scan_cpu.h"

#include <cstdint>
#include <vector>

#include "scan_isa.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#endif

namespace mfuser::cpu {
namespace detail {

float* ThreadScratch(size_t floats) {
  thread_local std::vector<float> scratch;
  if (scratch.size() < floats) scratch.resize(floats);
  return scratch.data();
}

}  // namespace detail

namespace {

using detail::IsaKernels;

/// An ISA this CPU lacks resolves like kAuto, so a forced choice can never execute illegal instructions.
const IsaKernels* KernelsFor(Isa isa) {
  switch (isa == Isa::kAuto || !IsaAvailable(isa) ? BestIsa() : isa) {
#if defined(__x86_64__) || defined(_M_X64)
    case Isa::kAvx2: return detail::Avx2Kernels();
    case Isa::kAvx512: return detail::Avx512Kernels();
#endif
#if defined(__aarch64__)
    case Isa::kNeon: return detail::NeonKernels();
#endif
    default: return detail::ScalarKernels();
  }
}

/// Sets flush-to-zero / denormals-are-zero for its lifetime and restores the thread's previous mode.
/// ORT's pool threads are shared with other kernels, so the mode must not leak out of a task.
class DenormalsFlushed {
 public:
  explicit DenormalsFlushed(bool enable) : enabled_(enable) {
    if (!enabled_) return;
#if defined(__x86_64__) || defined(_M_X64)
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ | 0x8040u);  // FTZ (bit 15) | DAZ (bit 6)
#elif defined(__aarch64__)
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(saved_));
    const uint64_t fz = saved_ | (uint64_t{1} << 24);  // FPCR.FZ
    __asm__ __volatile__("msr fpcr, %0" : : "r"(fz));
#endif
  }
  ~DenormalsFlushed() {
    if (!enabled_) return;
#if defined(__x86_64__) || defined(_M_X64)
    _mm_setcsr(saved_);
#elif defined(__aarch64__)
    __asm__ __volatile__("msr fpcr, %0" : : "r"(saved_));
#endif
  }
  DenormalsFlushed(const DenormalsFlushed&) = delete;
  DenormalsFlushed& operator=(const DenormalsFlushed&) = delete;

 private:
  bool enabled_;
#if defined(__aarch64__)
  uint64_t saved_ = 0;
#else
  unsigned saved_ = 0;
#endif
};

struct TaskContext {
  const ScanArgs* args;
  void (*run_task)(const ScanArgs&, size_t);
  bool flush_denormals;
};

void RunOneTask(void* ctx, size_t index) {
  const auto* c = static_cast<const TaskContext*>(ctx);
  DenormalsFlushed mode(c->flush_denormals);
  c->run_task(*c->args, index);
}

}  // namespace

const char* ValidateArgs(const ScanArgs& a) {
  const ScanShape& s = a.shape;
  if (s.batch < 1 || s.channels < 1 || s.length < 1 || s.state < 1 || s.groups < 1)
    return "every dimension (batch, channels, length, state, groups) must be >= 1";
  if (s.channels % s.groups != 0) return "channels (D) must be a multiple of groups (G)";
  if (!a.u || !a.delta || !a.A || !a.B || !a.C) return "u, delta, A, B and C are required";
  if (!a.y) return "the y output buffer is required";
  return nullptr;
}

void SelectiveScan(const ScanArgs& args, const ScanOptions& options, const TaskRunner& runner) {
  const IsaKernels* k = KernelsFor(options.isa);
  const ScanShape& s = args.shape;
  const int64_t blocks = (s.channels / s.groups + k->lanes - 1) / k->lanes;
  const size_t total = static_cast<size_t>(s.batch * s.groups * blocks);
  TaskContext ctx{&args, args.io_type == IoType::kFloat16 ? k->run_task_f16 : k->run_task_f32,
                  options.flush_denormals};
  if (runner.parallel_for && total > 1) {
    runner.parallel_for(runner.runner_state, &RunOneTask, &ctx, total);
  } else {
    for (size_t i = 0; i < total; ++i) RunOneTask(&ctx, i);
  }
}

bool IsaAvailable(Isa isa) {
  switch (isa) {
    case Isa::kAuto:
    case Isa::kScalar: return true;
#if defined(__x86_64__) || defined(_M_X64)
    case Isa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    case Isa::kAvx512: return IsaAvailable(Isa::kAvx2) && __builtin_cpu_supports("avx512f");
#endif
#if defined(__aarch64__)
    case Isa::kNeon: return true;
#endif
    default: return false;
  }
}

Isa BestIsa() {
  static const Isa best = [] {
    for (Isa isa : {Isa::kAvx512, Isa::kAvx2, Isa::kNeon})
      if (IsaAvailable(isa)) return isa;
    return Isa::kScalar;
  }();
  return best;
}

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kAuto: return "auto";
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kNeon: return "neon";
  }
  return "unknown";
}

int IsaLanes(Isa isa) { return KernelsFor(isa)->lanes; }

void Exp2Array(Isa isa, const float* x, float* out, size_t n) { KernelsFor(isa)->exp2_array(x, out, n); }
float Exp2Sum(Isa isa, const float* x, size_t n) { return KernelsFor(isa)->exp2_sum(x, n); }
void SoftplusArray(Isa isa, const float* x, float* out, size_t n) { KernelsFor(isa)->softplus_array(x, out, n); }

}  // namespace mfuser::cpu
