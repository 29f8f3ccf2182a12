// 8x8 float transpose in AVX registers, shared by the AVX2 and AVX-512 traits (both units are built with -mavx2).
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace mfuser::cpu::detail {

/// dst[j * dst_stride + i] = src[i * src_stride + j] for i, j in [0, 8): 8 loads, 24 shuffles, 8 stores.
/// The loops are fully unrolled so the arrays live in registers (GCC -O2 would otherwise keep them on the stack).
__attribute__((always_inline)) static inline void Transpose8x8Avx(const float* src, int64_t src_stride, float* dst, int64_t dst_stride) {
  __m256 r[8], t[8], s[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * src_stride);
#pragma GCC unroll 4
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);      // r_i0 r_j0 r_i1 r_j1 | r_i4 r_j4 r_i5 r_j5
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);  // r_i2 r_j2 r_i3 r_j3 | r_i6 r_j6 r_i7 r_j7
  }
#pragma GCC unroll 2
  for (int h = 0; h < 8; h += 4) {  // rows 0-3, then 4-7
    s[h + 0] = _mm256_shuffle_ps(t[h + 0], t[h + 2], _MM_SHUFFLE(1, 0, 1, 0));  // columns 0 | 4
    s[h + 1] = _mm256_shuffle_ps(t[h + 0], t[h + 2], _MM_SHUFFLE(3, 2, 3, 2));  // columns 1 | 5
    s[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(1, 0, 1, 0));  // columns 2 | 6
    s[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(3, 2, 3, 2));  // columns 3 | 7
  }
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    _mm256_storeu_ps(dst + j * dst_stride, _mm256_permute2f128_ps(s[j], s[j + 4], 0x20));
    _mm256_storeu_ps(dst + (j + 4) * dst_stride, _mm256_permute2f128_ps(s[j], s[j + 4], 0x31));
  }
}

}  // namespace mfuser::cpu::detail
