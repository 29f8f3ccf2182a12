// AVX-512F traits: 16 float lanes. Included only by scan_isa_avx512.cc, which is compiled with -mavx512f.
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "half.h"
#include "transpose_avx.h"

namespace mfuser::cpu::detail {

struct SimdAvx512 {
  using V = __m512;
  static constexpr int kLanes = 16;
  /// scalef saturates correctly (to 0 / inf) for any n, so Exp2 needs no range clamp.
  static constexpr bool kScalesAnyExponent = true;
  static constexpr bool kHasTranspose8x8 = true;
  static void Transpose8x8(const float* src, int64_t src_stride, float* dst, int64_t dst_stride) {
    Transpose8x8Avx(src, src_stride, dst, dst_stride);
  }
  static V Set1(float x) { return _mm512_set1_ps(x); }
  static V Zero() { return _mm512_setzero_ps(); }
  static V Load(const float* p) { return _mm512_loadu_ps(p); }
  static void Store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V Add(V a, V b) { return _mm512_add_ps(a, b); }
  static V Sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V Mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V Div(V a, V b) { return _mm512_div_ps(a, b); }
  static V Fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V Max(V a, V b) { return _mm512_max_ps(a, b); }
  static V Min(V a, V b) { return _mm512_min_ps(a, b); }
  static V Abs(V a) { return _mm512_abs_ps(a); }
  static V IfGreater(V x, V threshold, V then_v, V else_v) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, threshold, _CMP_GT_OQ), else_v, then_v);
  }
  static V Round(V x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  /// scalef computes p * 2^floor(n) exactly; n is already integral here.
  static V ScalePow2(V p, V n) { return _mm512_scalef_ps(p, n); }
  static void HalfRowToFloat(const uint16_t* src, float* dst, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
      _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i))));
    for (; i < n; ++i) dst[i] = HalfToFloat(src[i]);
  }
  static void FloatRowToHalf(const float* src, uint16_t* dst, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i),
                          _mm512_cvtps_ph(_mm512_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    for (; i < n; ++i) dst[i] = FloatToHalf(src[i]);
  }
};

}  // namespace mfuser::cpu::detail
