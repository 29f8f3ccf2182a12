// The kernel instantiated for SimdAvx2. Compile flags: -mavx2 -mfma -mf16c.
#include "simd_avx2.h"
#include "scan_kernel.h"

namespace mfuser::cpu::detail {

const IsaKernels* Avx2Kernels() {
  static const IsaKernels kernels = MakeKernels<SimdAvx2>();
  return &kernels;
}

}  // namespace mfuser::cpu::detail
