// The CPU kernel function vs the fp64 oracle over the randomised matrix of docs/selective-scan.md §4,
// for every ISA this machine can run, plus split invariance, extremes and threading.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <set>
#include <thread>
#include <vector>

#include "scan_case.h"

namespace mfuser::test {
namespace {

using cpu::Isa;
using cpu::IoType;

std::vector<Isa> AvailableIsas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kNeon})
    if (cpu::IsaAvailable(isa)) isas.push_back(isa);
  return isas;
}

/// Largest scaled errors seen by the matrix, printed at the end of the run (the figure the docs quote).
struct MaxErrors {
  double f32 = 0.0, f16 = 0.0;
  ~MaxErrors() { std::printf("[matrix] max scaled error vs fp64 oracle: fp32 %.3g, fp16 %.3g\n", f32, f16); }
} g_max_errors;

/// The sampled matrix: each of the 64 combinations of (D, z, delta_bias, initial_state, delta_softplus, io type)
/// gets a shape; every value of each dimension list occurs across the cases (lists are cycled with coprime
/// strides), and the oracle work B*D*L*N is capped so the suite stays fast on 2 cores.
std::vector<ScanCase> Matrix() {
  const int64_t batches[] = {1, 2}, groups[] = {1, 4}, per_group[] = {1, 7, 8, 64, 96}, states[] = {1, 4, 16, 64};
  const int64_t lengths[] = {1, 2, 15, 16, 17, 255, 2047, 2048, 2049, 4100};
  constexpr int64_t kWorkCap = 3'000'000;
  std::vector<ScanCase> cases;
  for (int i = 0; i < 64; ++i) {
    ScanCase c;
    c.has_D = i & 1;
    c.has_z = i & 2;
    c.has_bias = i & 4;
    c.has_init = i & 8;
    c.softplus = !(i & 16);
    c.io = (i & 32) ? IoType::kFloat16 : IoType::kFloat32;
    c.want_last = (i % 3) != 0;
    c.seed = 1000 + static_cast<uint64_t>(i);
    c.shape.batch = batches[i % 2];
    c.shape.groups = groups[(i / 2) % 2];
    c.shape.length = lengths[(i * 3) % 10];
    int pg = (i * 7) % 5, st = (i * 3) % 4;
    auto work = [&] { return c.shape.batch * c.shape.groups * per_group[pg] * states[st] * c.shape.length; };
    while (work() > kWorkCap && (pg > 0 || st > 0)) (pg >= st && pg > 0 ? pg : st)--;
    c.shape.channels = c.shape.groups * per_group[pg];
    c.shape.state = states[st];
    cases.push_back(c);
  }
  return cases;
}

TEST(Matrix, CoversEveryDimensionValueAndOptionCombination) {
  std::set<int64_t> batches, groups, per_group, states, lengths;
  std::set<int> options;
  for (const ScanCase& c : Matrix()) {
    batches.insert(c.shape.batch);
    groups.insert(c.shape.groups);
    per_group.insert(c.shape.channels / c.shape.groups);
    states.insert(c.shape.state);
    lengths.insert(c.shape.length);
    options.insert(c.has_D | c.has_z << 1 | c.has_bias << 2 | c.has_init << 3 | c.softplus << 4 |
                   (c.io == IoType::kFloat16) << 5);
  }
  EXPECT_EQ(batches, (std::set<int64_t>{1, 2}));
  EXPECT_EQ(groups, (std::set<int64_t>{1, 4}));
  EXPECT_EQ(per_group, (std::set<int64_t>{1, 7, 8, 64, 96}));
  EXPECT_EQ(states, (std::set<int64_t>{1, 4, 16, 64}));
  EXPECT_EQ(lengths, (std::set<int64_t>{1, 2, 15, 16, 17, 255, 2047, 2048, 2049, 4100}));
  EXPECT_EQ(options.size(), 64u);
}

class MatrixTest : public ::testing::TestWithParam<Isa> {};

TEST_P(MatrixTest, MatchesOracleOverRandomisedMatrix) {
  for (const ScanCase& c : Matrix()) {
    const ScanData data = MakeData(c);
    const ScanResult ref = RunOracle(c, data);
    const ScanResult got = RunKernel(c, data, GetParam());
    const double ey = ScaledError(got.y, ref.y), el = c.want_last ? ScaledError(got.last, ref.last) : 0.0;
    double& worst = c.io == IoType::kFloat16 ? g_max_errors.f16 : g_max_errors.f32;
    worst = std::max({worst, ey, el});
    // last_state is fp32 even with fp16 I/O, but its inputs were fp16-rounded just like the oracle's.
    EXPECT_LE(ey, Tolerance(c.io)) << "y: " << c.Describe() << " isa=" << cpu::IsaName(GetParam());
    EXPECT_LE(el, Tolerance(c.io)) << "last_state: " << c.Describe() << " isa=" << cpu::IsaName(GetParam());
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, MatrixTest, ::testing::ValuesIn(AvailableIsas()),
                         [](const auto& param_info) { return std::string(cpu::IsaName(param_info.param)); });

/// Copies tokens [from, to) of every row of a (rows, L) tensor.
std::vector<float> Tokens(const std::vector<float>& x, int64_t L, int64_t from, int64_t to) {
  std::vector<float> out;
  if (x.empty()) return out;
  for (size_t r = 0; r < x.size() / static_cast<size_t>(L); ++r)
    out.insert(out.end(), x.begin() + static_cast<int64_t>(r) * L + from, x.begin() + static_cast<int64_t>(r) * L + to);
  return out;
}

ScanData SliceData(const ScanData& d, int64_t L, int64_t from, int64_t to) {
  ScanData s = d;
  s.u = Tokens(d.u, L, from, to);
  s.delta = Tokens(d.delta, L, from, to);
  s.B = Tokens(d.B, L, from, to);
  s.C = Tokens(d.C, L, from, to);
  s.z = Tokens(d.z, L, from, to);
  return s;
}

TEST(SplitInvariance, TwoCallsThroughLastAndInitialStateEqualOneCall) {
  for (IoType io : {IoType::kFloat32, IoType::kFloat16})
    for (int64_t split : {1, 63, 64, 100, 299}) {
      ScanCase full;
      full.shape = {2, 24, 300, 16, 4};
      full.io = io;
      full.has_init = true;
      full.seed = 77 + static_cast<uint64_t>(split);
      const ScanData d = MakeData(full);
      const ScanResult whole = RunKernel(full, d, Isa::kAuto);

      ScanCase first = full, second = full;
      first.shape.length = split;
      second.shape.length = full.shape.length - split;
      const ScanResult r1 = RunKernel(first, SliceData(d, full.shape.length, 0, split), Isa::kAuto);
      ScanData d2 = SliceData(d, full.shape.length, split, full.shape.length);
      d2.init.assign(r1.last.begin(), r1.last.end());
      const ScanResult r2 = RunKernel(second, d2, Isa::kAuto);

      std::vector<double> joined;
      for (int64_t row = 0; row < full.shape.batch * full.shape.channels; ++row) {
        joined.insert(joined.end(), r1.y.begin() + row * split, r1.y.begin() + (row + 1) * split);
        joined.insert(joined.end(), r2.y.begin() + row * second.shape.length, r2.y.begin() + (row + 1) * second.shape.length);
      }
      // The recurrence runs the same operations per token either way, so the split must agree to rounding.
      EXPECT_LE(ScaledError(joined, whole.y), 1e-6) << full.Describe() << " split=" << split;
      EXPECT_LE(ScaledError(r2.last, whole.last), 1e-6) << full.Describe() << " split=" << split;
      EXPECT_LE(ScaledError(whole.y, RunOracle(full, d).y), Tolerance(io)) << full.Describe();
    }
}

/// Extremes (docs/selective-scan.md §4): huge delta (a -> 0, state reset), very negative delta (a -> 1, long memory),
/// A -> 0-, and delta_softplus=0 with dt = 0 (a = 1 exactly). All must stay finite and match the oracle.
/// A -> 0- has its own bound: there a = exp(dt*A) lies within a few ulp of 1, and fp32 can only represent it to
/// 2^-25 relative, the same rounding every step, so the error grows linearly with L (about L * 2^-24; it is the
/// precision floor of any fp32 recurrence, mamba's CUDA kernel included).
/// Huge |A| (a checkerboard over channels and states, the rest random): A * log2(e) overflows fp32 from
/// A <= -2.36e38, so exp(dt*A) must not be formed from a pre-scaled A (0 * -inf = NaN at dt = 0, and 0 instead of
/// e^-6 at dt = 2e-38); dt*A itself may overflow to -inf, which must give a = 0, and dt*log2(e) may overflow too,
/// which must not make A = -0 a NaN. Through softplus, a tiny dt must be exact (not flushed: softplus(-87) =
/// 1.6e-38 gives a = e^-5.6) and a negligible one exactly 0.
TEST(Extremes, StayFiniteAndMatchOracle) {
  struct Extreme {
    const char* name;
    float delta;
    float a_scale;  // A multiplied by this
    float huge_a;   // when non-zero, A[d, n] = huge_a wherever d + n is even
    float u_scale;  // u multiplied by this
    bool softplus;
    double tolerance;
  };
  constexpr double kLinearInL = 4.0 * 2049 / 16777216.0;
  constexpr float kMax = std::numeric_limits<float>::max();
  const Extreme extremes[] = {{"huge delta", 60.0f, 1.0f, 0.0f, 1.0f, true, 1e-5},
                              {"very negative delta", -60.0f, 1.0f, 0.0f, 1.0f, true, 1e-5},
                              {"A -> 0-", -3.0f, 1e-7f, 0.0f, 1.0f, true, kLinearInL},
                              {"dt = 0 without softplus", 0.0f, 1.0f, 0.0f, 1.0f, false, 1e-5},
                              {"huge dt without softplus", 1e4f, 1.0f, 0.0f, 1.0f, false, 1e-5},
                              {"dt = 0, A = -3e38", 0.0f, 1.0f, -3e38f, 1.0f, false, 1e-5},
                              {"dt = 0, A = -FLT_MAX", 0.0f, 1.0f, -kMax, 1.0f, false, 1e-5},
                              {"softplus(-200) = 0 in fp32, A = -FLT_MAX", -200.0f, 1.0f, -kMax, 1.0f, true, 1e-5},
                              {"softplus(-87) = 1.6e-38, A = -FLT_MAX", -87.0f, 1.0f, -kMax, 1.0f, true, 1e-5},
                              {"dt = 2e-38, A = -3e38", 2e-38f, 1.0f, -3e38f, 1.0f, false, 1e-5},
                              {"dt = 2e-38, A = -FLT_MAX", 2e-38f, 1.0f, -kMax, 1.0f, false, 1e-5},
                              {"dt * A overflows, A = -FLT_MAX", 1e4f, 1.0f, -kMax, 1.0f, false, 1e-5},
                              {"dt * A overflows, A = -1e36", 1e4f, 1.0f, -1e36f, 1.0f, false, 1e-5},
                              {"dt = 3e38 (dt * log2e overflows), A = -0, u = 0", 3e38f, 0.0f, 0.0f, 0.0f, false, 1e-5}};
  for (const Extreme& e : extremes)
    for (Isa isa : AvailableIsas()) {
      ScanCase c;
      c.shape = {1, 16, 2049, 16, 1};
      c.has_init = true;
      c.has_bias = false;
      c.softplus = e.softplus;
      c.seed = 5;
      ScanData d = MakeData(c);
      std::fill(d.delta.begin(), d.delta.end(), e.delta);
      for (auto& a : d.A) a *= e.a_scale;
      for (auto& u : d.u) u *= e.u_scale;
      if (e.huge_a != 0.0f)
        for (int64_t i = 0; i < c.shape.channels * c.shape.state; ++i)
          if ((i / c.shape.state + i % c.shape.state) % 2 == 0) d.A[i] = e.huge_a;
      const ScanResult ref = RunOracle(c, d), got = RunKernel(c, d, isa);
      EXPECT_LE(ScaledError(got.y, ref.y), e.tolerance) << e.name << " " << c.Describe() << " isa=" << cpu::IsaName(isa);
      EXPECT_LE(ScaledError(got.last, ref.last), e.tolerance) << e.name << " " << c.Describe() << " isa=" << cpu::IsaName(isa);
    }
}

/// The task split must not change results: a runner that executes tasks on several threads in reverse order
/// gives bit-identical output to the serial run.
TEST(Threading, ParallelRunnerGivesIdenticalResults) {
  ScanCase c;
  c.shape = {2, 4 * 40, 257, 16, 4};
  c.has_init = true;
  const ScanData d = MakeData(c);
  const ScanResult serial = RunKernel(c, d, Isa::kAuto);
  cpu::TaskRunner runner;
  runner.parallel_for = [](void*, cpu::TaskRunner::Task task, void* ctx, size_t total) {
    std::vector<std::thread> threads;
    for (size_t w = 0; w < 3; ++w)
      threads.emplace_back([=] {
        for (size_t i = total; i-- > 0;)
          if (i % 3 == w) task(ctx, i);
      });
    for (auto& t : threads) t.join();
  };
  const ScanResult parallel = RunKernel(c, d, Isa::kAuto, runner);
  EXPECT_EQ(parallel.y, serial.y);
  EXPECT_EQ(parallel.last, serial.last);
}

TEST(Validation, RejectsInconsistentArguments) {
  cpu::ScanArgs a;
  a.shape = {1, 6, 4, 2, 4};
  EXPECT_STREQ(cpu::ValidateArgs(a), "channels (D) must be a multiple of groups (G)");
  a.shape.groups = 3;
  EXPECT_STREQ(cpu::ValidateArgs(a), "u, delta, A, B and C are required");
  a.shape.length = 0;
  EXPECT_NE(cpu::ValidateArgs(a), nullptr);
}

}  // namespace
}  // namespace mfuser::test
