// Error bounds of the kernel's vector math (exp2, softplus) against double precision, and the binary16 conversion.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "half.h"
#include "selective_scan_cpu.h"

namespace mfuser::test {
namespace {

using cpu::Isa;

double UlpError(float got, double want) {
  const double ulp = std::ldexp(1.0, std::ilogb(want) - 23);
  return std::fabs(static_cast<double>(got) - want) / ulp;
}

std::vector<Isa> Isas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kNeon})
    if (cpu::IsaAvailable(isa)) isas.push_back(isa);
  return isas;
}

TEST(FastExp2, WithinOneUlpOverTheScanRange) {
  // Dense grid over [-126, 127] (every argument the scan can produce after clamping), including the reduced range.
  std::vector<float> x;
  for (double v = -126.0; v <= 127.0; v += 1.0 / 4096.0 + 1e-7) x.push_back(static_cast<float>(v));
  for (int i = 0; i <= 200000; ++i) x.push_back(-0.5f + static_cast<float>(i) / 200000.0f);
  std::vector<float> y(x.size());
  for (Isa isa : Isas()) {
    cpu::Exp2Array(isa, x.data(), y.data(), x.size());
    double worst = 0.0;
    for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, UlpError(y[i], std::exp2(static_cast<double>(x[i]))));
    std::printf("[exp2] %s: max error %.3f ulp over %zu arguments\n", cpu::IsaName(isa), worst, x.size());
    EXPECT_LE(worst, 1.5) << cpu::IsaName(isa);
  }
}

/// Below the normal range the result is 2^-126 (clamped ISAs) or the exact underflow to 0 (AVX-512's scalef);
/// either way tiny, finite and non-negative, as the scan needs for huge dt * |A| (which overflows to -inf).
TEST(FastExp2, UnderflowsToAtMostSmallestNormal) {
  const float x[] = {-126.0f, -200.0f, -1e30f, -INFINITY, 0.0f, -0.0f};
  float y[6];
  for (Isa isa : Isas()) {
    cpu::Exp2Array(isa, x, y, 6);
    EXPECT_EQ(y[0], std::ldexp(1.0f, -126)) << cpu::IsaName(isa);
    for (int i : {1, 2, 3}) {
      EXPECT_GE(y[i], 0.0f) << cpu::IsaName(isa) << " x=" << x[i];
      EXPECT_LE(y[i], std::ldexp(1.0f, -126)) << cpu::IsaName(isa) << " x=" << x[i];
    }
    EXPECT_EQ(y[4], 1.0f) << cpu::IsaName(isa);
    EXPECT_EQ(y[5], 1.0f) << cpu::IsaName(isa);
  }
}

/// Down to ln(FLT_MIN) = -87.34, below which softplus(x) ~ e^x is subnormal and the kernel returns 0: a tiny dt stays
/// exact (it matters where |A| is huge) and a negligible one is exactly 0.
TEST(FastSoftplus, RelativeErrorBelow4e7) {
  std::vector<float> x;
  for (double v = -87.33; v <= 40.0; v += 1.0 / 1024.0) x.push_back(static_cast<float>(v));
  std::vector<float> y(x.size());
  for (Isa isa : Isas()) {
    cpu::SoftplusArray(isa, x.data(), y.data(), x.size());
    double worst = 0.0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double xd = x[i];
      const double want = xd <= 20.0 ? std::log1p(std::exp(xd)) : xd;
      worst = std::max(worst, std::fabs(y[i] - want) / want);
    }
    std::printf("[softplus] %s: max relative error %.3g\n", cpu::IsaName(isa), worst);
    EXPECT_LE(worst, 4e-7) << cpu::IsaName(isa);
    const float below[] = {-87.34f, -100.0f, -1e30f};
    float out[3];
    cpu::SoftplusArray(isa, below, out, 3);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(out[i], 0.0f) << cpu::IsaName(isa) << " x=" << below[i];
  }
}

TEST(Half, RoundTripsEveryValueAndRoundsToNearestEven) {
  for (uint32_t h = 0; h < 0x10000u; ++h) {
    const auto bits = static_cast<uint16_t>(h);
    const bool nan = (bits & 0x7C00u) == 0x7C00u && (bits & 0x3FFu) != 0;
    if (!nan) {
      ASSERT_EQ(FloatToHalf(HalfToFloat(bits)), bits) << std::hex << h;
    }
  }
  EXPECT_EQ(HalfToFloat(FloatToHalf(1.0f + 1.0f / 2048.0f)), 1.0f);                  // tie -> even (down)
  EXPECT_EQ(HalfToFloat(FloatToHalf(1.0f + 3.0f / 2048.0f)), 1.0f + 2.0f / 1024.0f);  // tie -> even (up)
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7C00u);                                          // overflow -> inf
  EXPECT_EQ(HalfToFloat(FloatToHalf(std::ldexp(1.0f, -24))), std::ldexp(1.0f, -24));  // smallest subnormal
}

}  // namespace
}  // namespace mfuser::test
