// The kernel instantiated for SimdScalar. Compile flags: none beyond the baseline.
#include "simd_scalar.h"
#include "scan_kernel.h"

namespace mfuser::cpu::detail {

const IsaKernels* ScalarKernels() {
  static const IsaKernels kernels = MakeKernels<SimdScalar>();
  return &kernels;
}

}  // namespace mfuser::cpu::detail
