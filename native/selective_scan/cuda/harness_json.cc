// The JSON report (see harness_json.h).
#include "harness_json.h"

#include <cmath>
#include <cstdio>

#include "harness_exec.h"

namespace mfuser::harness {
namespace {

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (static_cast<unsigned char>(ch) < 0x20) continue;
    out += ch;
  }
  return out;
}

std::string Num(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

void WriteJson(const std::string& path, mfuser::cuda::ScanKernel kernel, const std::vector<Outcome>& outcomes,
               const std::vector<BenchResult>& bench, const DeviceInfo& dev, bool self_test_ok) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    return;
  }
  std::fprintf(f, "{\n  \"implementation\": \"%s\",\n  \"matrix_kernel\": \"%s\",\n  \"self_test_ok\": %s,\n",
               kImplementation, KernelName(kernel), self_test_ok ? "true" : "false");
  std::fprintf(f, "  \"device\": {\"name\": \"%s\", \"sm_count\": %d, \"compute_capability\": \"%d.%d\", "
               "\"peak_bytes_per_s\": %s, \"peak_source\": \"%s\", \"sm_clock_hz\": %s, \"clock_source\": \"%s\", "
               "\"exp2_per_sm_per_clock\": %s},\n",
               JsonEscape(dev.name).c_str(), dev.sm_count, dev.cc_major, dev.cc_minor,
               Num(dev.peak_bytes_per_s).c_str(), dev.bw_source.c_str(), Num(dev.sm_clock_hz).c_str(),
               dev.clock_source.c_str(), Num(kExp2PerSmPerClock).c_str());
  std::fprintf(f, "  \"cases\": [\n");
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& o = outcomes[i];
    std::fprintf(f, "    {\"name\": \"%s\", \"seed\": %llu, \"err_y\": %s, \"err_last_state\": %s, \"tol\": %s, "
                 "\"pass\": %s, \"error\": \"%s\"}%s\n",
                 JsonEscape(o.name).c_str(), (unsigned long long)o.seed, Num(o.err_y).c_str(), Num(o.err_last).c_str(),
                 Num(o.tol).c_str(), o.pass ? "true" : "false", JsonEscape(o.error).c_str(),
                 i + 1 < outcomes.size() ? "," : "");
  }
  std::fprintf(f, "  ],\n  \"bench\": [\n");
  for (size_t i = 0; i < bench.size(); ++i) {
    const BenchResult& r = bench[i];
    std::fprintf(f, "    {\"shape\": \"%s\", \"kernel\": \"%s\", \"default\": %s, \"auto\": %s, \"launch\": \"%s\", "
                 "\"B\": %lld, \"D\": %lld, \"L\": %lld, \"N\": %lld, \"io\": \"%s\", "
                 "\"ms\": %s, \"bytes\": %s, \"gb_per_s\": %s, \"frac_mem_bound\": %s, \"frac_exp_bound\": %s}%s\n",
                 r.name.c_str(), r.kernel.c_str(), r.is_default ? "true" : "false", r.is_auto ? "true" : "false",
                 r.launch.c_str(), (long long)r.s.B, (long long)r.s.D, (long long)r.s.L, (long long)r.s.N,
                 r.fp16 ? "fp16" : "fp32", Num(r.ms).c_str(), Num(r.bytes).c_str(), Num(r.gbps).c_str(),
                 Num(r.frac_mem).c_str(), Num(r.frac_exp).c_str(), i + 1 < bench.size() ? "," : "");
  }
  std::fprintf(f, "  ]\n}\n");
  std::fclose(f);
}

}  // namespace mfuser::harness
