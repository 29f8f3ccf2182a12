// The kernel instantiated for SimdNeon. Compile flags: aarch64 baseline (NEON is mandatory there).
#include "simd_neon.h"
#include "scan_kernel.h"

namespace mfuser::cpu::detail {

const IsaKernels* NeonKernels() {
  static const IsaKernels kernels = MakeKernels<SimdNeon>();
  return &kernels;
}

}  // namespace mfuser::cpu::detail
