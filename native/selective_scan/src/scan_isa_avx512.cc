// The kernel instantiated for SimdAvx512. Compile flags: -mavx512f (plus AVX2/FMA/F16C).
#include "simd_avx512.h"
#include "scan_kernel.h"

namespace mfuser::cpu::detail {

const IsaKernels* Avx512Kernels() {
  static const IsaKernels kernels = MakeKernels<SimdAvx512>();
  return &kernels;
}

}  // namespace mfuser::cpu::detail
