// The fp64 oracle and the comparison (see harness_oracle.h).
#include "harness_oracle.h"

#include <algorithm>
#include <thread>

#include "../src/reference.h"
#include "harness_exec.h"

namespace mfuser::harness {

void RunOracle(const Case& c, const HostData& h, std::vector<double>& y, std::vector<double>& last) {
  const Shape& s = h.s;
  auto to_d = [](const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); };
  const std::vector<double> u = to_d(h.u), delta = to_d(h.delta), A = to_d(h.A), Bm = to_d(h.Bm), Cm = to_d(h.Cm),
                            D = to_d(h.D), z = to_d(h.z), bias = to_d(h.bias), init = to_d(h.init);
  y.assign(s.B * s.D * s.L, 0.0);
  last.assign(s.B * s.D * s.N, 0.0);
  const int64_t per_group = s.D / s.G, tasks = s.B * s.G;
  auto work = [&](int64_t task) {
    const int64_t b = task / s.G, g = task % s.G, d0 = g * per_group, row0 = b * s.D + d0;
    mfuser::reference::ScanArgs a;
    a.batch = 1;
    a.channels = per_group;
    a.length = s.L;
    a.state = s.N;
    a.groups = 1;
    a.u = u.data() + row0 * s.L;
    a.delta = delta.data() + row0 * s.L;
    a.A = A.data() + d0 * s.N;
    a.Bm = Bm.data() + (b * s.G + g) * s.N * s.L;
    a.Cm = Cm.data() + (b * s.G + g) * s.N * s.L;
    a.D = D.empty() ? nullptr : D.data() + d0;
    a.z = z.empty() ? nullptr : z.data() + row0 * s.L;
    a.delta_bias = bias.empty() ? nullptr : bias.data() + d0;
    a.initial_state = init.empty() ? nullptr : init.data() + row0 * s.N;
    a.delta_softplus = c.softplus;
    mfuser::reference::selective_scan(a, y.data() + row0 * s.L, last.data() + row0 * s.N);
  };
  const int64_t workers = std::max<int64_t>(1, std::min<int64_t>(tasks, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (int64_t w = 0; w < workers; ++w)
    pool.emplace_back([&, w] {
      for (int64_t t = w; t < tasks; t += workers) work(t);
    });
  for (auto& t : pool) t.join();
}

double ScaledError(const std::vector<float>& got, const std::vector<double>& ref) {
  if (got.size() != ref.size() || ref.empty()) return INFINITY;
  double sq = 0;
  for (double r : ref) sq += r * r;
  const double rms = std::max(std::sqrt(sq / ref.size()), 1e-30);
  double worst = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (!std::isfinite(got[i])) return INFINITY;
    worst = std::max(worst, std::fabs(got[i] - ref[i]) / std::max(std::fabs(ref[i]), rms));
  }
  return worst;
}

Outcome RunCase(const Case& c, mfuser::cuda::ScanKernel kernel) {
  Outcome o;
  o.name = c.Name();
  o.seed = c.seed;
  o.tol = c.Tolerance();
  const HostData h = Generate(c);
  std::vector<double> ref_y, ref_last;
  RunOracle(c, h, ref_y, ref_last);
  std::vector<float> y, last;
  if (c.split == 0) {
    o.error = RunImpl(c, kernel, h, nullptr, c.want_last, y, last);
  } else {  // scan(x[:split]) -> s1; scan(x[split:], initial_state = s1) must equal the whole scan
    const HostData first = SliceL(h, 0, c.split), second = SliceL(h, c.split, h.s.L);
    std::vector<float> y1, s1, y2;
    o.error = RunImpl(c, kernel, first, nullptr, true, y1, s1);
    if (o.error.empty()) o.error = RunImpl(c, kernel, second, &s1, true, y2, last);
    if (o.error.empty()) {
      y.resize(ref_y.size());
      const int64_t rows = h.s.B * h.s.D, L1 = c.split, L2 = h.s.L - c.split;
      for (int64_t r = 0; r < rows; ++r) {
        std::copy(y1.begin() + r * L1, y1.begin() + (r + 1) * L1, y.begin() + r * h.s.L);
        std::copy(y2.begin() + r * L2, y2.begin() + (r + 1) * L2, y.begin() + r * h.s.L + L1);
      }
    }
  }
  if (!o.error.empty()) return o;
  o.err_y = ScaledError(y, ref_y);
  const bool check_last = c.want_last || c.split;
  o.err_last = check_last ? ScaledError(last, ref_last) : 0.0;
  o.pass = o.err_y <= o.tol && o.err_last <= o.tol;
  return o;
}

}  // namespace mfuser::harness
