// Internal interface between the ISA-independent dispatcher (selective_scan_cpu.cc) and the per-ISA translation
// units (scan_isa_*.cc), each of which instantiates the kernel template of scan_kernel.h with its SIMD traits.
#pragma once
#include <cstddef>

#include "selective_scan_cpu.h"

namespace mfuser::cpu::detail {

/// Entry points one ISA provides. A task is one (batch, group, block of `lanes` channels) for all L tokens.
struct IsaKernels {
  int lanes;
  void (*run_task_f32)(const ScanArgs& args, size_t task);
  void (*run_task_f16)(const ScanArgs& args, size_t task);
  void (*exp2_array)(const float* x, float* out, size_t n);
  float (*exp2_sum)(const float* x, size_t n);
  void (*softplus_array)(const float* x, float* out, size_t n);
};

const IsaKernels* ScalarKernels();
#if defined(__x86_64__) || defined(_M_X64)
const IsaKernels* Avx2Kernels();
const IsaKernels* Avx512Kernels();
#endif
#if defined(__aarch64__)
const IsaKernels* NeonKernels();
#endif

/// Per-thread scratch of at least `floats` floats, reused across calls (allocates only when a call needs more
/// than any earlier call on this thread). Defined in the baseline translation unit on purpose: the ISA units
/// must not instantiate std:: templates (see half.h on ODR across target flags).
float* ThreadScratch(size_t floats);

}  // namespace mfuser::cpu::detail
