// The harness's JSON report (read by summarize.py): implementation, device, one row per case and per bench launch.
#pragma once
#include <string>
#include <vector>

#include "harness_bench.h"
#include "harness_oracle.h"
#include "register_scan.h"

namespace mfuser::harness {

/// Writes the report to `path`; `kernel` is the matrix's --kernel. Prints to stderr when the file cannot be opened.
void WriteJson(const std::string& path, mfuser::cuda::ScanKernel kernel, const std::vector<Outcome>& outcomes,
               const std::vector<BenchResult>& bench, const DeviceInfo& dev, bool self_test_ok);

}  // namespace mfuser::harness
