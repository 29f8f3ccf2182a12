// fp16 conversion (IEEE binary16, round to nearest even) for the harness, host-only so both builds (CUDA and the
// CPU dry run) produce the same bits.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace mfuser::harness {

inline uint16_t FloatToHalfBits(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) return static_cast<uint16_t>(sign | (absx > 0x7f800000u ? 0x7e00u : 0x7c00u));
  if (absx >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520 rounds to infinity
  if (absx < 0x38800000u) {                                                // below 2^-14: subnormal half
    float af;
    std::memcpy(&af, &absx, 4);
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(std::nearbyint(af * 16777216.0f)));
  }
  uint32_t h = (absx >> 13) - (112u << 10);
  const uint32_t rest = absx & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;
  return static_cast<uint16_t>(sign | h);
}

inline float HalfBitsToFloat(uint16_t h) {
  const uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  float r;
  if (e == 0) {
    r = std::ldexp(static_cast<float>(m), -24);
  } else if (e == 31) {
    r = m ? NAN : INFINITY;
  } else {
    const uint32_t x = ((e + 112u) << 23) | (m << 13);
    std::memcpy(&r, &x, 4);
  }
  return (h & 0x8000u) ? -r : r;
}

inline float RoundToHalf(float f) { return HalfBitsToFloat(FloatToHalfBits(f)); }

}  // namespace mfuser::harness
