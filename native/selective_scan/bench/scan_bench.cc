// scan_bench: throughput of the CPU selective scan on MFuser-like shapes (docs/selective-scan.md, "Benchmarks").
// For each shape and ISA it prints ns per (token x channel) of
//   fused   the kernel (selective_scan_cpu.h), 1 thread (thread CPU time) and --threads threads (wall time),
//   oracle  the fp64 scalar reference (src/reference.h), 1 thread,
//   exp     a bare vectorised exp2 loop over N*L*D elements: the compute bound the fused kernel is measured against,
// plus a denormal stress case with FTZ/DAZ on and off.
// Usage: scan_bench [--json PATH] [--threads N] [--quick] [--isa scalar|avx2|avx512|neon]...
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "half.h"
#include "reference.h"
#include "selective_scan_cpu.h"

namespace {

using mfuser::cpu::Isa;
using mfuser::cpu::IoType;
using Clock = std::chrono::steady_clock;

/// CPU time of the calling thread in seconds. Single-thread figures use it rather than wall time: on a shared,
/// oversubscribed machine it excludes the time the thread waited for a core.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
double WallSeconds() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

/// Best-of-runs time in seconds of fn() by `clock`, run at least `min_runs` times and for at least `min_seconds`.
double TimeBest(const std::function<void()>& fn, double (*clock)() = ThreadCpuSeconds, int min_runs = 3,
                double min_seconds = 0.3) {
  fn();  // warm-up: scratch allocation, page faults
  double best = 1e30, total = 0.0;
  for (int run = 0; run < min_runs || total < min_seconds; ++run) {
    const double t0 = clock();
    fn();
    const double s = clock() - t0;
    best = std::min(best, s);
    total += s;
    if (run > 200) break;
  }
  return best;
}

/// A TaskRunner over `threads` std::threads pulling task indices from a shared counter.
struct ThreadRunner {
  int threads;
  mfuser::cpu::TaskRunner Get() {
    mfuser::cpu::TaskRunner r;
    r.runner_state = this;
    r.parallel_for = [](void* state, mfuser::cpu::TaskRunner::Task task, void* ctx, size_t total) {
      const int n = static_cast<ThreadRunner*>(state)->threads;
      std::atomic<size_t> next{0};
      auto work = [&] {
        for (size_t i; (i = next.fetch_add(1)) < total;) task(ctx, i);
      };
      std::vector<std::thread> pool;
      for (int t = 1; t < n; ++t) pool.emplace_back(work);
      work();
      for (auto& t : pool) t.join();
    };
    return r;
  }
};

struct Problem {
  int64_t D, L, N = 16;
  std::vector<float> u, delta, A, B, C, Dskip, z, bias, y, last;
  std::vector<uint16_t> u16, delta16, B16, C16, z16, y16;

  Problem(int64_t d, int64_t l) : D(d), L(l) {
    std::mt19937 rng(42);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    auto fill = [&](std::vector<float>& v, size_t n, const std::function<float()>& gen) {
      v.resize(n);
      for (auto& x : v) x = gen();
    };
    const auto dl = static_cast<size_t>(D * L), nl = static_cast<size_t>(N * L);
    fill(u, dl, [&] { return normal(rng); });
    fill(delta, dl, [&] { return normal(rng) - 3.0f; });
    fill(z, dl, [&] { return normal(rng); });
    fill(A, static_cast<size_t>(D * N), [&] { return -std::exp(-1.0f + 4.0f * uniform(rng)); });
    fill(B, nl, [&] { return normal(rng); });
    fill(C, nl, [&] { return normal(rng); });
    fill(Dskip, static_cast<size_t>(D), [&] { return normal(rng); });
    fill(bias, static_cast<size_t>(D), [&] { return uniform(rng) - 0.5f; });
    y.resize(dl);
    last.resize(static_cast<size_t>(D * N));
    auto half = [](const std::vector<float>& v) {
      std::vector<uint16_t> h(v.size());
      for (size_t i = 0; i < v.size(); ++i) h[i] = mfuser::FloatToHalf(v[i]);
      return h;
    };
    u16 = half(u), delta16 = half(delta), B16 = half(B), C16 = half(C), z16 = half(z);
    y16.resize(dl);
  }

  mfuser::cpu::ScanArgs Args(IoType io) {
    mfuser::cpu::ScanArgs a;
    a.shape = {1, D, L, N, 1};
    a.io_type = io;
    const bool h = io == IoType::kFloat16;
    a.u = h ? static_cast<const void*>(u16.data()) : u.data();
    a.delta = h ? static_cast<const void*>(delta16.data()) : delta.data();
    a.B = h ? static_cast<const void*>(B16.data()) : B.data();
    a.C = h ? static_cast<const void*>(C16.data()) : C.data();
    a.z = h ? static_cast<const void*>(z16.data()) : z.data();
    a.y = h ? static_cast<void*>(y16.data()) : y.data();
    a.A = A.data();
    a.D = Dskip.data();
    a.delta_bias = bias.data();
    a.last_state = last.data();
    return a;
  }
};

struct Row {
  std::string name, isa, io;
  int64_t D, L, N;
  int threads;
  double fused_1t, fused_mt, oracle, exp_bound;  // ns per (token x channel); oracle/exp_bound < 0 when not run
};

}  // namespace

int main(int argc, char** argv) {
  std::string json_path;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool quick = false;
  std::vector<Isa> only;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) json_path = argv[++i];
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--isa") && i + 1 < argc) {
      const std::string name = argv[++i];
      for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kNeon})
        if (name == mfuser::cpu::IsaName(isa)) only.push_back(isa);
    }
    else {
      std::fprintf(stderr, "usage: %s [--json PATH] [--threads N] [--quick] [--isa NAME]...\n", argv[0]);
      return 2;
    }
  }
  // MFuser-like shapes: G=1, N=16; L = 2 * (256/14 * 512/14) ~ 1296 tokens up to 2594; D = 384 .. 2048.
  struct Shape {
    const char* name;
    int64_t D, L;
  };
  std::vector<Shape> shapes = {{"tiny-384x1296", 384, 1296}, {"base-768x1296", 768, 1296}, {"large-1024x2594", 1024, 2594},
                               {"xl-2048x2594", 2048, 2594}};
  if (quick) shapes = {{"tiny-384x1296", 384, 1296}};
  std::vector<Isa> isas;
  for (Isa isa : {Isa::kAvx512, Isa::kAvx2, Isa::kNeon, Isa::kScalar})
    if (mfuser::cpu::IsaAvailable(isa) && (only.empty() || std::find(only.begin(), only.end(), isa) != only.end()))
      isas.push_back(isa);

  ThreadRunner pool{threads};
  std::vector<Row> rows;
  std::printf("%-17s %-7s %-4s %6s %6s %3s %9s %9s %9s %9s %7s\n", "shape", "isa", "io", "D", "L", "N", "fused1t",
              "fusedMT", "oracle", "exp-bnd", "fused/exp");
  for (const Shape& s : shapes) {
    Problem p(s.D, s.L);
    const double td = static_cast<double>(s.D * s.L) * 1e-9;  // ns per (token x channel) from seconds
    // Oracle, once per shape (it is slow): fp64, scalar, 1 thread.
    std::vector<double> du(p.u.begin(), p.u.end()), dd(p.delta.begin(), p.delta.end()), dA(p.A.begin(), p.A.end()),
        dB(p.B.begin(), p.B.end()), dC(p.C.begin(), p.C.end()), dD(p.Dskip.begin(), p.Dskip.end()),
        dz(p.z.begin(), p.z.end()), dbias(p.bias.begin(), p.bias.end()), dy(p.y.size());
    mfuser::reference::ScanArgs ra;
    ra.channels = s.D, ra.length = s.L, ra.state = 16, ra.u = du.data(), ra.delta = dd.data(), ra.A = dA.data();
    ra.Bm = dB.data(), ra.Cm = dC.data(), ra.D = dD.data(), ra.z = dz.data(), ra.delta_bias = dbias.data();
    const double oracle =
        TimeBest([&] { mfuser::reference::selective_scan(ra, dy.data(), nullptr); }, ThreadCpuSeconds, 1, 0.0) / td;
    // Exp bound: N*L*D exp2 evaluations over an L1-resident argument block, so it measures compute, not memory.
    std::vector<float> x(4096);
    for (size_t i = 0; i < x.size(); ++i) x[i] = -0.05f * static_cast<float>(1 + i % 97) * std::fabs(p.delta[i]);
    const int64_t exp_reps = (16 * s.D * s.L + static_cast<int64_t>(x.size()) - 1) / static_cast<int64_t>(x.size());
    for (Isa isa : isas)
      for (IoType io : {IoType::kFloat32, IoType::kFloat16}) {
        if (io == IoType::kFloat16 && isa != isas.front()) continue;  // fp16 I/O: best ISA only
        mfuser::cpu::ScanArgs a = p.Args(io);
        mfuser::cpu::ScanOptions o;
        o.isa = isa;
        const double f1 = TimeBest([&] { mfuser::cpu::SelectiveScan(a, o); }) / td;
        const double fm = TimeBest([&] { mfuser::cpu::SelectiveScan(a, o, pool.Get()); }, WallSeconds) / td;
        volatile float sink = 0.0f;
        const double eb = TimeBest([&] {
                            for (int64_t r = 0; r < exp_reps; ++r) sink = sink + mfuser::cpu::Exp2Sum(isa, x.data(), x.size());
                          }) / td;
        Row r{s.name, mfuser::cpu::IsaName(isa), io == IoType::kFloat16 ? "f16" : "f32", s.D, s.L, 16, threads, f1, fm,
              oracle, eb};
        std::printf("%-17s %-7s %-4s %6lld %6lld %3d %9.3f %9.3f %9.3f %9.3f %7.2f\n", r.name.c_str(), r.isa.c_str(),
                    r.io.c_str(), static_cast<long long>(r.D), static_cast<long long>(r.L), 16, r.fused_1t, r.fused_mt,
                    r.oracle, r.exp_bound, r.fused_1t / r.exp_bound);
        rows.push_back(r);
      }
  }

  // Denormal stress: inputs so small that every state update lands in the denormal range (u*B ~ 1e-40).
  Problem d(768, 1296);
  for (auto& v : d.u) v = 1e-30f * (v > 0 ? 1.0f : -1.0f);
  for (auto& v : d.B) v = 1e-10f * (v > 0 ? 1.0f : -1.0f);
  for (auto& v : d.delta) v = -6.0f;  // small dt: slow decay keeps the states alive as denormals
  mfuser::cpu::ScanArgs da = d.Args(IoType::kFloat32);
  const double dtd = static_cast<double>(768 * 1296) * 1e-9;
  mfuser::cpu::ScanOptions ftz_on, ftz_off;
  ftz_off.flush_denormals = false;
  const double on = TimeBest([&] { mfuser::cpu::SelectiveScan(da, ftz_on); }) / dtd;
  const double off = TimeBest([&] { mfuser::cpu::SelectiveScan(da, ftz_off); }) / dtd;
  std::printf("denormal stress 768x1296 (%s, 1 thread): FTZ/DAZ on %.3f ns, off %.3f ns per (token x channel)\n",
              mfuser::cpu::IsaName(mfuser::cpu::BestIsa()), on, off);

  double load[3] = {0, 0, 0};
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
    std::fclose(f);
  }
  std::printf("load average during the run: %.2f (1 min)\n", load[0]);
  if (!json_path.empty()) {
    std::ostringstream j;
    j << "{\n  \"unit\": \"ns per (token x channel), best of runs; 1-thread columns in thread CPU time, threaded in wall time\",\n"
      << "  \"load_average_1min\": " << load[0] << ",\n  \"threads\": " << threads
      << ",\n  \"hardware_concurrency\": " << std::thread::hardware_concurrency() << ",\n  \"rows\": [\n";
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      j << "    {\"shape\": \"" << r.name << "\", \"isa\": \"" << r.isa << "\", \"io\": \"" << r.io << "\", \"D\": " << r.D
        << ", \"L\": " << r.L << ", \"N\": " << r.N << ", \"fused_1thread\": " << r.fused_1t
        << ", \"fused_threads\": " << r.fused_mt << ", \"oracle_fp64\": " << r.oracle << ", \"exp_bound\": " << r.exp_bound
        << "}" << (i + 1 < rows.size() ? "," : "") << "\n";
    }
    j << "  ],\n  \"denormal_stress\": {\"D\": 768, \"L\": 1296, \"isa\": \"" << mfuser::cpu::IsaName(mfuser::cpu::BestIsa())
      << "\", \"ftz_on\": " << on << ", \"ftz_off\": " << off << "}\n}\n";
    std::ofstream(json_path) << j.str();
    std::printf("wrote %s\n", json_path.c_str());
  }
  return 0;
}
