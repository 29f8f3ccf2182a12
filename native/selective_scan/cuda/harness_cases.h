// The harness's test-case matrix (docs/gpu-kernel.md, "Verifying"): case description, the named matrices
// (full, quick, sanitize) and the generation of each case's inputs.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace mfuser::harness {

struct Shape {
  int64_t B, D, L, N, G;
};

/// kZeroDeltaHugeA, kTinyDeltaHugeA: dt = 0 or ~1e-38 (delta 0 or 1.2e-38..2.4e-38; with softplus -200 or
/// -87..-86.5) while A is -3e38 or -FLT_MAX for half the (channel, state) pairs: A·log2 e overflows fp32 there.
enum class Values { kNormal, kLargeDelta, kSmallDelta, kTinyA, kZeroDeltaHugeA, kTinyDeltaHugeA };
const char* ValuesName(Values v);

struct Case {
  std::string group;
  Shape s;
  bool fp16 = false;
  bool has_D = true, has_z = true, has_bias = true, has_init = true, softplus = true, want_last = true;
  Values values = Values::kNormal;
  uint64_t seed = 0;
  int64_t split = 0;  // > 0: two chained calls [0, split) and [split, L)
  int threads = 0, items = 0;  // forced block-scan launch shape; 0: not forced
  int states = 0;               // forced register kernel with this many states per thread; 0: not forced

  std::string Name() const;
  /// Tolerances. When nothing decays (A -> 0-, or dt -> 0), fp32 rounding of the L-term state sum is never
  /// forgotten, so these long-memory cases get the summation bound 2·L·2^-24 in fp32 (a sequential fp32 scan
  /// reaches 5e-5 at L = 2049 and 2.4e-4 at L = 4100 there).
  bool LongMemory() const { return values == Values::kTinyA || values == Values::kSmallDelta; }
  double Tolerance() const {
    if (fp16) return 2e-3;
    return LongMemory() ? std::max(1e-5, 2.0 * s.L * 5.9604644775390625e-8) : 1e-5;
  }
};

/// The cases of matrix "full", "quick" or "sanitize"; each gets a distinct seed.
std::vector<Case> BuildMatrix(const std::string& which);

/// Host inputs of one case, already rounded to the I/O type (so the oracle sees exactly what the kernel sees).
struct HostData {
  Shape s;
  std::vector<float> u, delta, A, Bm, Cm, D, z, bias, init;
};

HostData Generate(const Case& c);

/// The token range [l0, l1) of every L-indexed tensor; per-channel tensors are shared.
HostData SliceL(const HostData& h, int64_t l0, int64_t l1);

}  // namespace mfuser::harness
