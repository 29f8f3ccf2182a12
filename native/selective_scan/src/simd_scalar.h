// One-lane "vector" traits: the portable kernel for CPUs without a vector path (and the template's simplest case).
#pragma once
#include <cstdint>
#include <cstring>

#include "half.h"

namespace mfuser::cpu::detail {

struct SimdScalar {
  using V = float;
  static constexpr int kLanes = 1;
  static constexpr bool kScalesAnyExponent = false;  // exponent-field add: n must stay in [-126, 127]
  static constexpr bool kHasTranspose8x8 = false;
  static V Set1(float x) { return x; }
  static V Zero() { return 0.0f; }
  static V Load(const float* p) { return *p; }
  static void Store(float* p, V v) { *p = v; }
  static V Add(V a, V b) { return a + b; }
  static V Sub(V a, V b) { return a - b; }
  static V Mul(V a, V b) { return a * b; }
  static V Div(V a, V b) { return a / b; }
#ifdef __FP_FAST_FMAF
  static V Fma(V a, V b, V c) { return __builtin_fmaf(a, b, c); }  // hardware FMA: one rounding like the vector paths
#else
  static V Fma(V a, V b, V c) { return a * b + c; }  // fmaf would be a slow software call here; two roundings
#endif
  static V Max(V a, V b) { return a > b ? a : b; }
  static V Min(V a, V b) { return a < b ? a : b; }
  static V Abs(V a) { return __builtin_fabsf(a); }
  static V IfGreater(V x, V threshold, V then_v, V else_v) { return x > threshold ? then_v : else_v; }
  /// Round to nearest even for |x| < 2^22 (the kernel's arguments are clamped to [-126, 127]).
  static V Round(V x) {
    return (x + 12582912.0f) - 12582912.0f;  // 1.5 * 2^23 (not folded: no -ffast-math)
  }
  /// p * 2^n for integral n in [-126, 127], by adding n to the exponent field (p in [0.7, 1.5)).
  static V ScalePow2(V p, V n) {
    uint32_t bits;
    std::memcpy(&bits, &p, sizeof bits);
    bits += static_cast<uint32_t>(static_cast<int32_t>(n)) << 23;
    std::memcpy(&p, &bits, sizeof p);
    return p;
  }
  static void HalfRowToFloat(const uint16_t* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n; ++i) dst[i] = HalfToFloat(src[i]);
  }
  static void FloatRowToHalf(const float* src, uint16_t* dst, int64_t n) {
    for (int64_t i = 0; i < n; ++i) dst[i] = FloatToHalf(src[i]);
  }
};

}  // namespace mfuser::cpu::detail
