// AArch64 NEON traits: 4 float lanes (Jetson Orin's Cortex-A78AE). Included only by scan_isa_neon.cc on arm64.
// Not exercised by this repository's x86 CI: it compiles from the same template as the tested paths, but its
// numerics are only verified when the tests run on an arm64 machine.
#pragma once
#include <arm_neon.h>

#include <cstdint>

#include "half.h"

namespace mfuser::cpu::detail {

struct SimdNeon {
  using V = float32x4_t;
  static constexpr int kLanes = 4;
  static constexpr bool kScalesAnyExponent = false;  // exponent-field add: n must stay in [-126, 127]
  static constexpr bool kHasTranspose8x8 = false;
  static V Set1(float x) { return vdupq_n_f32(x); }
  static V Zero() { return vdupq_n_f32(0.0f); }
  static V Load(const float* p) { return vld1q_f32(p); }
  static void Store(float* p, V v) { vst1q_f32(p, v); }
  static V Add(V a, V b) { return vaddq_f32(a, b); }
  static V Sub(V a, V b) { return vsubq_f32(a, b); }
  static V Mul(V a, V b) { return vmulq_f32(a, b); }
  static V Div(V a, V b) { return vdivq_f32(a, b); }
  static V Fma(V a, V b, V c) { return vfmaq_f32(c, a, b); }
  static V Max(V a, V b) { return vmaxq_f32(a, b); }
  static V Min(V a, V b) { return vminq_f32(a, b); }
  static V Abs(V a) { return vabsq_f32(a); }
  static V IfGreater(V x, V threshold, V then_v, V else_v) { return vbslq_f32(vcgtq_f32(x, threshold), then_v, else_v); }
  static V Round(V x) { return vrndnq_f32(x); }
  static V ScalePow2(V p, V n) {
    const int32x4_t e = vshlq_n_s32(vcvtq_s32_f32(n), 23);
    return vreinterpretq_f32_s32(vaddq_s32(vreinterpretq_s32_f32(p), e));
  }
  static void HalfRowToFloat(const uint16_t* src, float* dst, int64_t n) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(dst + i, vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(src + i))));
    for (; i < n; ++i) dst[i] = HalfToFloat(src[i]);
  }
  static void FloatRowToHalf(const float* src, uint16_t* dst, int64_t n) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) vst1_u16(dst + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(src + i))));
    for (; i < n; ++i) dst[i] = FloatToHalf(src[i]);
  }
};

}  // namespace mfuser::cpu::detail
