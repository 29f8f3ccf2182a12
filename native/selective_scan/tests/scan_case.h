// Random test cases for the selective scan (docs/selective-scan.md §4): value generation, the fp64 oracle
// (src/reference.h), the kernel under test, and the scale-aware error metric. Shared by the kernel and ORT tests.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "half.h"
#include "reference.h"
#include "selective_scan_cpu.h"

namespace mfuser::test {

struct ScanCase {
  cpu::ScanShape shape;
  bool has_D = true, has_z = true, has_bias = true, has_init = false, softplus = true, want_last = true;
  cpu::IoType io = cpu::IoType::kFloat32;
  uint64_t seed = 1;

  std::string Describe() const {
    std::ostringstream s;
    s << "seed=" << seed << " B=" << shape.batch << " D=" << shape.channels << " G=" << shape.groups
      << " N=" << shape.state << " L=" << shape.length << " io=" << (io == cpu::IoType::kFloat16 ? "f16" : "f32")
      << " D?" << has_D << " z?" << has_z << " bias?" << has_bias << " init?" << has_init << " softplus=" << softplus
      << " last?" << want_last;
    return s.str();
  }
};

/// Input values of a case, as float; for fp16 I/O the I/O-typed tensors are already rounded to binary16.
struct ScanData {
  std::vector<float> u, delta, A, B, C, D, z, bias, init;
};

/// Value ranges (docs/selective-scan.md §4): A = -exp(U(-1, 3)); delta ~ N(-3, 1) with 1% spikes of +6 (with softplus; without it,
/// delta is a positive step size exp(N(-3, 1))); u, B, C, z, D, initial_state ~ N(0, 1).
inline ScanData MakeData(const ScanCase& c) {
  std::mt19937_64 rng(c.seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  const auto& s = c.shape;
  const size_t bdl = static_cast<size_t>(s.batch * s.channels * s.length);
  const size_t bgnl = static_cast<size_t>(s.batch * s.groups * s.state * s.length);
  const bool half = c.io == cpu::IoType::kFloat16;
  auto io = [&](float v) { return half ? RoundToHalf(v) : v; };
  ScanData d;
  d.u.resize(bdl);
  d.delta.resize(bdl);
  for (size_t i = 0; i < bdl; ++i) {
    d.u[i] = io(normal(rng));
    float x = normal(rng) - 3.0f;
    if (uniform(rng) < 0.01f) x = 6.0f;
    d.delta[i] = io(c.softplus ? x : std::exp(x));
  }
  d.A.resize(static_cast<size_t>(s.channels * s.state));
  for (auto& a : d.A) a = -std::exp(-1.0f + 4.0f * uniform(rng));
  d.B.resize(bgnl);
  d.C.resize(bgnl);
  for (auto& v : d.B) v = io(normal(rng));
  for (auto& v : d.C) v = io(normal(rng));
  if (c.has_D) {
    d.D.resize(static_cast<size_t>(s.channels));
    for (auto& v : d.D) v = normal(rng);
  }
  if (c.has_z) {
    d.z.resize(bdl);
    for (auto& v : d.z) v = io(normal(rng));
  }
  if (c.has_bias) {
    d.bias.resize(static_cast<size_t>(s.channels));
    for (auto& v : d.bias) v = c.softplus ? uniform(rng) - 0.5f : 0.1f * uniform(rng);
  }
  if (c.has_init) {
    d.init.resize(static_cast<size_t>(s.batch * s.channels * s.state));
    for (auto& v : d.init) v = normal(rng);
  }
  return d;
}

struct ScanResult {
  std::vector<double> y, last;  // last empty when not requested
};

inline std::vector<double> ToDouble(const std::vector<float>& v) { return {v.begin(), v.end()}; }

inline ScanResult RunOracle(const ScanCase& c, const ScanData& d) {
  const std::vector<double> u = ToDouble(d.u), delta = ToDouble(d.delta), A = ToDouble(d.A), B = ToDouble(d.B),
                            C = ToDouble(d.C), D = ToDouble(d.D), z = ToDouble(d.z), bias = ToDouble(d.bias),
                            init = ToDouble(d.init);
  reference::ScanArgs a;
  a.batch = c.shape.batch;
  a.channels = c.shape.channels;
  a.length = c.shape.length;
  a.state = c.shape.state;
  a.groups = c.shape.groups;
  a.u = u.data();
  a.delta = delta.data();
  a.A = A.data();
  a.Bm = B.data();
  a.Cm = C.data();
  a.D = c.has_D ? D.data() : nullptr;
  a.z = c.has_z ? z.data() : nullptr;
  a.delta_bias = c.has_bias ? bias.data() : nullptr;
  a.initial_state = c.has_init ? init.data() : nullptr;
  a.delta_softplus = c.softplus;
  ScanResult r;
  r.y.resize(u.size());
  if (c.want_last) r.last.resize(static_cast<size_t>(c.shape.batch * c.shape.channels * c.shape.state));
  reference::selective_scan(a, r.y.data(), c.want_last ? r.last.data() : nullptr);
  return r;
}

/// I/O-typed buffer: float values or their binary16 encodings.
struct IoBuffer {
  std::vector<float> f32;
  std::vector<uint16_t> f16;
  IoBuffer(const std::vector<float>& v, cpu::IoType io) {
    if (io == cpu::IoType::kFloat32) {
      f32 = v;
    } else {
      f16.resize(v.size());
      std::transform(v.begin(), v.end(), f16.begin(), [](float x) { return FloatToHalf(x); });
    }
  }
  const void* data() const { return f32.empty() ? static_cast<const void*>(f16.data()) : f32.data(); }
  void* data() { return f32.empty() ? static_cast<void*>(f16.data()) : f32.data(); }
  std::vector<double> ToDouble() const {
    if (!f32.empty()) return {f32.begin(), f32.end()};
    std::vector<double> out(f16.size());
    std::transform(f16.begin(), f16.end(), out.begin(), [](uint16_t h) { return double{HalfToFloat(h)}; });
    return out;
  }
};

/// Runs the kernel function directly.
inline ScanResult RunKernel(const ScanCase& c, const ScanData& d, cpu::Isa isa, const cpu::TaskRunner& runner = {}) {
  const IoBuffer u(d.u, c.io), delta(d.delta, c.io), B(d.B, c.io), C(d.C, c.io), z(d.z, c.io);
  IoBuffer y(std::vector<float>(d.u.size()), c.io);
  std::vector<float> last(c.want_last ? static_cast<size_t>(c.shape.batch * c.shape.channels * c.shape.state) : 0);
  cpu::ScanArgs a;
  a.shape = c.shape;
  a.io_type = c.io;
  a.u = u.data();
  a.delta = delta.data();
  a.A = d.A.data();
  a.B = B.data();
  a.C = C.data();
  a.D = c.has_D ? d.D.data() : nullptr;
  a.z = c.has_z ? z.data() : nullptr;
  a.delta_bias = c.has_bias ? d.bias.data() : nullptr;
  a.initial_state = c.has_init ? d.init.data() : nullptr;
  a.delta_softplus = c.softplus;
  a.y = y.data();
  a.last_state = c.want_last ? last.data() : nullptr;
  cpu::ScanOptions options;
  options.isa = isa;
  cpu::SelectiveScan(a, options, runner);
  return ScanResult{y.ToDouble(), ToDouble(last)};
}

/// Scale-aware error (docs/selective-scan.md §4): max_i |got_i - ref_i| / max(|ref_i|, rms(ref)). NaN/Inf in `got` give +inf.
inline double ScaledError(const std::vector<double>& got, const std::vector<double>& ref) {
  if (got.size() != ref.size()) return INFINITY;
  double sq = 0.0;
  for (double r : ref) sq += r * r;
  const double rms = ref.empty() ? 0.0 : std::sqrt(sq / static_cast<double>(ref.size()));
  double worst = 0.0;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (!std::isfinite(got[i])) return INFINITY;
    const double scale = std::max(std::fabs(ref[i]), rms);
    const double diff = std::fabs(got[i] - ref[i]);
    if (diff == 0.0) continue;
    worst = std::max(worst, scale > 0.0 ? diff / scale : INFINITY);
  }
  return worst;
}

inline double Tolerance(cpu::IoType io) { return io == cpu::IoType::kFloat16 ? 2e-3 : 1e-5; }

}  // namespace mfuser::test
