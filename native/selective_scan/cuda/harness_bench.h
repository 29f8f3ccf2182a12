// Throughput of the CUDA kernels on MFuser shapes (GPU build only; the CPU dry run returns no rows).
#pragma once
#include <string>
#include <vector>

#include "harness_cases.h"

namespace mfuser::harness {

/// The card and the peaks the bench reports its fractions against.
struct DeviceInfo {
  std::string name;
  int sm_count = 0, cc_major = 0, cc_minor = 0;
  double peak_bytes_per_s = 0, sm_clock_hz = 0;
  std::string bw_source, clock_source;
};

#ifndef MFUSER_HARNESS_CPU_ONLY
/// Device 0's properties, peak HBM bandwidth and SM clock (with where each came from).
DeviceInfo QueryDevice();
#endif

/// One timed launch variant on one shape.
struct BenchResult {
  std::string name, launch, kernel;
  bool is_default, is_auto;  // the kernel's own default launch; the one LaunchSelectiveScan picks
  Shape s;
  bool fp16;
  double ms, bytes, exps, gbps, frac_mem, frac_exp;
};

constexpr double kExp2PerSmPerClock = 16.0;  // MUFU.EX2 throughput, CUDA C++ Programming Guide (cc 8.x/9.0)

/// Both kernels side by side (plus launch sweeps) on the shapes whose label contains `filter`; median of 20 launches.
std::vector<BenchResult> RunBench(const DeviceInfo& dev, const std::string& filter, bool quick);

}  // namespace mfuser::harness
