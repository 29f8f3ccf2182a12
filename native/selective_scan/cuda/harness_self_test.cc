// Self-test of the harness's own host pieces (see harness_self_test.h).
#include "harness_self_test.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include "harness_half.h"
#include "register_scan.h"
#include "scan_params.h"

namespace mfuser::harness {

using mfuser::cuda::ScanKernel;
using mfuser::cuda::ScanParams;

int SelfTest() {
  int failures = 0;
  auto expect = [&](bool ok, const std::string& what) {
    if (!ok) {
      std::printf("SELF-TEST FAIL: %s\n", what.c_str());
      ++failures;
    }
  };
  const struct { float f; uint16_t h; } known[] = {{1.f, 0x3c00}, {-2.f, 0xc000}, {65504.f, 0x7bff},
                                                    {65520.f, 0x7c00}, {0.1f, 0x2e66}, {5.960464477539063e-08f, 0x0001},
                                                    {2.9802322387695312e-08f, 0x0000}, {6.103515625e-05f, 0x0400},
                                                    {1.0009765625f, 0x3c01}, {1.00048828125f, 0x3c00}};
  for (const auto& k : known) {
    char msg[96];
    std::snprintf(msg, sizeof msg, "FloatToHalfBits(%g) = 0x%04x, expected 0x%04x", k.f, FloatToHalfBits(k.f), k.h);
    expect(FloatToHalfBits(k.f) == k.h, msg);
  }
  for (uint32_t bits = 0; bits < 0x10000u; ++bits) {
    if ((bits & 0x7c00u) == 0x7c00u && (bits & 0x3ffu)) continue;  // NaN payloads
    const uint16_t back = FloatToHalfBits(HalfBitsToFloat(static_cast<uint16_t>(bits)));
    if (back != bits) {
      expect(false, "fp16 round trip of 0x" + std::to_string(bits));
      break;
    }
  }
  ScanParams p;
  float dummy = 0;
  p.batch = 1; p.channels = 6; p.length = 3; p.state = 4; p.groups = 4;
  p.u = p.delta = p.Bm = p.Cm = &dummy;
  p.A = &dummy;
  p.y = &dummy;
  expect(mfuser::cuda::ValidateScanParams(p).find("not a multiple of groups G=4") != std::string::npos,
         "D % G message: " + mfuser::cuda::ValidateScanParams(p));
  p.groups = 2;
  expect(mfuser::cuda::ValidateScanParams(p).empty(), "valid params rejected: " + mfuser::cuda::ValidateScanParams(p));
  p.state = 257;
  expect(mfuser::cuda::ValidateScanParams(p).find("N=257 exceeds the CUDA kernel limit 256") != std::string::npos,
         "N limit message: " + mfuser::cuda::ValidateScanParams(p));
  p.state = 4;
  p.length = 0;
  expect(mfuser::cuda::ValidateScanParams(p).find("length L must be >= 1, got 0") != std::string::npos,
         "L message: " + mfuser::cuda::ValidateScanParams(p));
  p.length = 3;
  p.Cm = nullptr;
  expect(mfuser::cuda::ValidateScanParams(p).find("'C' is null") != std::string::npos,
         "null C message: " + mfuser::cuda::ValidateScanParams(p));
  // Register kernel plans: every N and S that can cover it gets a geometry within the staging capacities.
  for (int64_t N = 1; N <= mfuser::cuda::kMaxState; ++N)
    for (int S : {1, 4, 16}) {
      p.state = N;
      mfuser::cuda::RegisterPlan plan;
      const bool ok = mfuser::cuda::MakeRegisterPlan(p, S, &plan);
      if (ok != ((N + S - 1) / S <= 32)) {
        expect(false, "MakeRegisterPlan(N=" + std::to_string(N) + ", S=" + std::to_string(S) + ") = " +
                          (ok ? "true" : "false"));
        continue;
      }
      if (!ok) continue;
      const bool sane = plan.lanes >= 1 && plan.lanes <= 32 && (plan.lanes & (plan.lanes - 1)) == 0 &&
                        plan.padded_state >= N && plan.lanes * plan.channels_per_block == mfuser::cuda::kRegThreads &&
                        plan.chunk == (1 << plan.chunk_log2) && plan.chunk >= mfuser::cuda::kRegUnroll &&
                        plan.channels_per_block * plan.chunk <= mfuser::cuda::kRegRowCap &&
                        plan.padded_state * plan.chunk <= mfuser::cuda::kRegBcCap &&
                        plan.smem_floats * sizeof(float) <= 48 * 1024 &&
                        plan.grid == p.batch * p.groups * ((p.channels / p.groups + plan.channels_per_block - 1) /
                                                           plan.channels_per_block);
      expect(sane, "register plan N=" + std::to_string(N) + " S=" + std::to_string(S) + " out of bounds");
    }
  // Dispatch rule on the H100's 132 SMs (MFuser shapes, N = 16).
  p.state = 16;
  p.groups = 1;
  auto pick = [&](int64_t B, int64_t D) {
    p.batch = B;
    p.channels = D;
    return std::make_pair(mfuser::cuda::ChooseScanKernel(p, 132), mfuser::cuda::ChooseStatesPerThread(p, 132));
  };
  expect(pick(1, 384).first == ScanKernel::kBlockScan, "tiny-d384 B=1: block-scan kernel");
  expect(pick(1, 2048).first == ScanKernel::kBlockScan, "paper-l-d2048 B=1: block-scan kernel");
  expect(pick(8, 512) == std::make_pair(ScanKernel::kRegister, 4), "paper-l B=8: register kernel, S=4");
  expect(pick(8, 2048) == std::make_pair(ScanKernel::kRegister, 4), "paper-l-d2048 B=8: register kernel, S=4");
  expect(pick(1, 2).first == ScanKernel::kBlockScan, "B=1 D=2: block-scan kernel");
  std::printf("self-test: %s\n", failures ? "FAILED" : "ok");
  return failures;
}

}  // namespace mfuser::harness
