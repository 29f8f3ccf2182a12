// Standalone correctness and throughput harness for the CUDA SelectiveScan kernels, driven by
// ../device-check.sh. Host code only (the kernels live in selective_scan.cu and register_scan.cu); two builds of
// these files:
//  * with CUDA (g++ + cudart, linked with the nvcc-built kernels): every case of the matrix runs through the kernel
//    named by --kernel (plus cases forcing block-scan launch shapes or register states-per-thread) and is compared
//    with the fp64 oracle ../src/reference.h; --bench times both kernels side by side on MFuser shapes.
//  * -DMFUSER_HARNESS_CPU_ONLY (device-check.sh --cpu-dry-run, no CUDA needed): the register kernel's phase
//    functions (register_scan.h) run thread by thread on the CPU, the block-scan kernel is replaced by a sequential
//    fp32 CPU scan, so the register kernel's indexing/staging/padding logic, the dispatch rule, the matrix, data
//    generation, fp16 rounding, parameter packing, oracle, error metric and JSON output are exercised on a machine
//    without a GPU. Shuffles, barriers, races and the nvcc build are only checked on the device.
// The parts:
//   harness_cases      the case matrix (full, quick, sanitize) and each case's inputs
//   harness_exec       the implementation under test: device buffers and launches, or the CPU stand-ins
//   harness_oracle     the fp64 oracle and the scale-aware comparison of one case
//   harness_self_test  the harness's own host pieces (fp16 rounding, validation, register plans, dispatch rule)
//   harness_bench      kernel timings (GPU build only)
//   harness_json       the JSON report summarize.py reads
//
// Usage: harness [--matrix full|quick|sanitize|none] [--kernel auto|blockscan|register] [--only SUBSTRING]
//                [--bench [--bench-filter S] [--bench-set full|quick]] [--json PATH]
//                [--self-test]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness_bench.h"
#include "harness_cases.h"
#include "harness_exec.h"
#include "harness_json.h"
#include "harness_oracle.h"
#include "harness_self_test.h"

using namespace mfuser::harness;

namespace {

struct Options {
  std::string matrix = "full", only, json, bench_filter, bench_set = "full";
  bool bench = false, self_test_only = false;
  ScanKernel kernel = ScanKernel::kAuto;  // for cases that force none; the "launch" and "register" groups force theirs
};

/// Fills `o` from the command line; 0, or the exit status 2 after printing what is wrong.
int ParseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "harness: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--matrix") o.matrix = value();
    else if (a == "--only") o.only = value();
    else if (a == "--json") o.json = value();
    else if (a == "--bench") o.bench = true;
    else if (a == "--bench-filter") o.bench_filter = value();
    else if (a == "--bench-set") o.bench_set = value();
    else if (a == "--self-test") o.self_test_only = true;
    else if (a == "--no-matrix") o.matrix = "none";
    else if (a == "--kernel") {
      const std::string k = value();
      if (k == "auto") o.kernel = ScanKernel::kAuto;
      else if (k == "blockscan") o.kernel = ScanKernel::kBlockScan;
      else if (k == "register") o.kernel = ScanKernel::kRegister;
      else {
        std::fprintf(stderr, "harness: --kernel must be auto, blockscan or register, got '%s'\n", k.c_str());
        return 2;
      }
    }
    else {
      std::fprintf(stderr, "harness: unknown argument '%s' (expected --matrix full|quick|sanitize|none, --only S, "
                   "--kernel auto|blockscan|register, --json PATH, --bench, --bench-filter S, --bench-set full|quick, "
                   "--self-test)\n", a.c_str());
      return 2;
    }
  }
  if (o.bench_set != "full" && o.bench_set != "quick") {
    std::fprintf(stderr, "harness: --bench-set must be full or quick, got '%s'\n", o.bench_set.c_str());
    return 2;
  }
  if (o.matrix != "full" && o.matrix != "quick" && o.matrix != "sanitize" && o.matrix != "none") {
    std::fprintf(stderr, "harness: --matrix must be full, quick, sanitize or none, got '%s'\n", o.matrix.c_str());
    return 2;
  }
  return 0;
}

/// Runs the matrix's cases (those whose name contains --only), printing each failure and a summary line.
std::vector<Outcome> RunMatrix(const Options& opt, int& failed) {
  std::vector<Outcome> outcomes;
  for (const Case& c : BuildMatrix(opt.matrix)) {
    if (!opt.only.empty() && c.Name().find(opt.only) == std::string::npos) continue;
    const Outcome o = RunCase(c, opt.kernel);
    outcomes.push_back(o);
    if (!o.pass) {
      ++failed;
      std::printf("FAIL %s seed=0x%llx err_y=%.3g err_last=%.3g tol=%.0e %s\n", o.name.c_str(),
                  (unsigned long long)o.seed, o.err_y, o.err_last, o.tol, o.error.c_str());
    }
  }
  double worst32 = 0, worst_long = 0, worst16 = 0;
  for (const Outcome& o : outcomes) {
    double& w = o.tol == 1e-5 ? worst32 : o.tol < 1e-3 ? worst_long : worst16;
    w = std::max({w, o.err_y, o.err_last});
  }
  std::printf("matrix %s: %zu cases, %d failed; worst scaled error fp32 %.3g (tol 1e-5), fp32 long-memory %.3g "
              "(tol 2L*2^-24), fp16 %.3g (tol 2e-3)\n",
              opt.matrix.c_str(), outcomes.size(), failed, worst32, worst_long, worst16);
  return outcomes;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // line-buffered: a crash or time limit keeps what was printed
  Options opt;
  if (const int rc = ParseArgs(argc, argv, opt)) return rc;
  std::printf("implementation under test: %s; matrix kernel: %s\n", kImplementation, KernelName(opt.kernel));
  const bool self_ok = SelfTest() == 0;
  if (opt.self_test_only) return self_ok ? 0 : 1;

  DeviceInfo dev;
#ifndef MFUSER_HARNESS_CPU_ONLY
  dev = QueryDevice();
  std::printf("device: %s (sm_%d%d, %d SMs), peak %.0f GB/s [%s], SM clock %.2f GHz [%s]\n", dev.name.c_str(),
              dev.cc_major, dev.cc_minor, dev.sm_count, dev.peak_bytes_per_s / 1e9, dev.bw_source.c_str(),
              dev.sm_clock_hz / 1e9, dev.clock_source.c_str());
#endif
  int failed = 0;
  std::vector<Outcome> outcomes;
  if (opt.matrix != "none") outcomes = RunMatrix(opt, failed);
  std::vector<BenchResult> bench_results;
  if (opt.bench) bench_results = RunBench(dev, opt.bench_filter, opt.bench_set == "quick");
  if (!opt.json.empty()) WriteJson(opt.json, opt.kernel, outcomes, bench_results, dev, self_ok);
  return (failed == 0 && self_ok) ? 0 : 1;
}
