// The fp64 oracle (../src/reference.h) and the comparison of the implementation under test against it.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "harness_cases.h"
#include "register_scan.h"

namespace mfuser::harness {

/// y (B, D, L) and last_state (B, D, N) of `h` by reference.h in double, one thread per (batch, group) slice.
void RunOracle(const Case& c, const HostData& h, std::vector<double>& y, std::vector<double>& last);

/// max_i |got_i - ref_i| / max(|ref_i|, rms(ref)): the scale-aware bound (inf when got is not finite).
double ScaledError(const std::vector<float>& got, const std::vector<double>& ref);

/// Result of one case (one row of the JSON report's "cases").
struct Outcome {
  std::string name, error;
  double err_y = INFINITY, err_last = 0, tol = 0;
  bool pass = false;
  uint64_t seed = 0;
};

/// Runs case `c` (whole, or split into two chained calls) on the implementation under test, with `kernel` for cases
/// that force none, and compares y and last_state with the oracle.
Outcome RunCase(const Case& c, mfuser::cuda::ScanKernel kernel);

}  // namespace mfuser::harness
