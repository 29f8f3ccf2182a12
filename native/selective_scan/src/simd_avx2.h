// AVX2 + FMA + F16C traits: 8 float lanes. Included only by scan_isa_avx2.cc, which is compiled with those flags.
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "half.h"
#include "transpose_avx.h"

namespace mfuser::cpu::detail {

struct SimdAvx2 {
  using V = __m256;
  static constexpr int kLanes = 8;
  static constexpr bool kScalesAnyExponent = false;  // exponent-field add: n must stay in [-126, 127]
  static constexpr bool kHasTranspose8x8 = true;
  static void Transpose8x8(const float* src, int64_t src_stride, float* dst, int64_t dst_stride) {
    Transpose8x8Avx(src, src_stride, dst, dst_stride);
  }
  static V Set1(float x) { return _mm256_set1_ps(x); }
  static V Zero() { return _mm256_setzero_ps(); }
  static V Load(const float* p) { return _mm256_loadu_ps(p); }
  static void Store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V Add(V a, V b) { return _mm256_add_ps(a, b); }
  static V Sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V Mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V Div(V a, V b) { return _mm256_div_ps(a, b); }
  static V Fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V Max(V a, V b) { return _mm256_max_ps(a, b); }
  static V Min(V a, V b) { return _mm256_min_ps(a, b); }
  static V Abs(V a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static V IfGreater(V x, V threshold, V then_v, V else_v) {
    return _mm256_blendv_ps(else_v, then_v, _mm256_cmp_ps(x, threshold, _CMP_GT_OQ));
  }
  static V Round(V x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V ScalePow2(V p, V n) {
    const __m256i e = _mm256_slli_epi32(_mm256_cvtps_epi32(n), 23);
    return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(p), e));
  }
  static void HalfRowToFloat(const uint16_t* src, float* dst, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
      _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
    for (; i < n; ++i) dst[i] = HalfToFloat(src[i]);
  }
  static void FloatRowToHalf(const float* src, uint16_t* dst, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i),
                       _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    for (; i < n; ++i) dst[i] = FloatToHalf(src[i]);
  }
};

}  // namespace mfuser::cpu::detail
