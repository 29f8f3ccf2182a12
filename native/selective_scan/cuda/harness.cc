// Standalone correctness and throughput harness for the CUDA SelectiveScan kernels, driven by
// ../device-check.sh. Host code only (the kernels live in selective_scan.cu and register_scan.cu); two builds of
// this one file:
//  * with CUDA (g++ + cudart, linked with the nvcc-built kernels): every case of the research note's §6.3 matrix
//    runs through the kernel named by --kernel (plus cases forcing block-scan launch shapes or register
//    states-per-thread) and is compared with the fp64 oracle ../src/reference.h; --bench times both kernels side by
//    side on MFuser shapes.
//  * -DMFUSER_HARNESS_CPU_ONLY (device-check.sh --cpu-dry-run, no CUDA needed): the register kernel's phase
//    functions (register_scan.h) run thread by thread on the CPU, the block-scan kernel is replaced by a sequential
//    fp32 CPU scan, so the register kernel's indexing/staging/padding logic, the dispatch rule, the matrix, data
//    generation, fp16 rounding, parameter packing, oracle, error metric and JSON output are exercised on a machine
//    without a GPU. Shuffles, barriers, races and the nvcc build are only checked on the device.
//
// Usage: harness [--matrix full|quick|sanitize|none] [--kernel auto|blockscan|register] [--only SUBSTRING]
//                [--bench [--bench-filter S] [--bench-set full|quick]] [--json PATH]
//                [--self-test]
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../src/reference.h"
#include "register_scan.h"
#include "scan_params.h"
#ifndef MFUSER_HARNESS_CPU_ONLY
#include <cuda_runtime.h>

#include "selective_scan.cuh"
#endif

namespace {

using mfuser::cuda::IoType;
using mfuser::cuda::ScanKernel;
using mfuser::cuda::ScanParams;

/// Kernel the matrix runs for cases that force none (--kernel); the "launch" and "register" groups force theirs.
ScanKernel g_kernel = ScanKernel::kAuto;
/// SM count assumed by the CPU build's kAuto choice (the H100's); the GPU build asks the device.
constexpr int kCpuAssumedSms = 132;

const char* KernelName(ScanKernel k) {
  switch (k) {
    case ScanKernel::kAuto: return "auto";
    case ScanKernel::kBlockScan: return "blockscan";
    case ScanKernel::kRegister: return "register";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------------------------
// fp16 conversion (IEEE binary16, round to nearest even), host-only so both builds use the same bits.
uint16_t FloatToHalfBits(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) return static_cast<uint16_t>(sign | (absx > 0x7f800000u ? 0x7e00u : 0x7c00u));
  if (absx >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520 rounds to infinity
  if (absx < 0x38800000u) {                                                // below 2^-14: subnormal half
    float af;
    std::memcpy(&af, &absx, 4);
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(std::nearbyint(af * 16777216.0f)));
  }
  uint32_t h = (absx >> 13) - (112u << 10);
  const uint32_t rest = absx & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;
  return static_cast<uint16_t>(sign | h);
}

float HalfBitsToFloat(uint16_t h) {
  const uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  float r;
  if (e == 0) {
    r = std::ldexp(static_cast<float>(m), -24);
  } else if (e == 31) {
    r = m ? NAN : INFINITY;
  } else {
    const uint32_t x = ((e + 112u) << 23) | (m << 13);
    std::memcpy(&r, &x, 4);
  }
  return (h & 0x8000u) ? -r : r;
}

float RoundToHalf(float f) { return HalfBitsToFloat(FloatToHalfBits(f)); }

// ---------------------------------------------------------------------------------------------------------------
// Cases (research/scan-kernels.md §6.3)
struct Shape {
  int64_t B, D, L, N, G;
};

enum class Values { kNormal, kLargeDelta, kSmallDelta, kTinyA };
const char* ValuesName(Values v) {
  switch (v) {
    case Values::kNormal: return "normal";
    case Values::kLargeDelta: return "delta+large";
    case Values::kSmallDelta: return "delta-large";
    case Values::kTinyA: return "A->0-";
  }
  return "?";
}

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

  std::string Name() const {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s/B%lldD%lldL%lldN%lldG%lld/%s/%c%c%c%c%c%c/%s%s", group.c_str(),
                  (long long)s.B, (long long)s.D, (long long)s.L, (long long)s.N, (long long)s.G,
                  fp16 ? "fp16" : "fp32", has_D ? 'D' : '-', has_z ? 'z' : '-', has_bias ? 'b' : '-',
                  has_init ? 'h' : '-', softplus ? 's' : '-', want_last ? 'l' : '-', ValuesName(values),
                  split ? ("/split=" + std::to_string(split)).c_str() : "");
    if (threads) return std::string(buf) + "/launch=" + std::to_string(threads) + "x" + std::to_string(items);
    if (states) return std::string(buf) + "/register-S=" + std::to_string(states);
    return buf;
  }
  /// §6.3 tolerances. When nothing decays (A -> 0-, or dt -> 0), fp32 rounding of the L-term state sum is never
  /// forgotten, so these long-memory cases get the summation bound 2·L·2^-24 in fp32 (a sequential fp32 scan
  /// reaches 5e-5 at L = 2049 and 2.4e-4 at L = 4100 there).
  bool LongMemory() const { return values == Values::kTinyA || values == Values::kSmallDelta; }
  double Tolerance() const {
    if (fp16) return 2e-3;
    return LongMemory() ? std::max(1e-5, 2.0 * s.L * 5.9604644775390625e-8) : 1e-5;
  }
};

std::vector<Case> BuildMatrix(const std::string& which) {
  std::vector<Case> cases;
  auto add = [&](Case c) {
    c.seed = 0x5eed0000ull + cases.size();
    cases.push_back(c);
  };
  const bool quick = which == "quick";
  if (which == "sanitize") {
    for (bool fp16 : {false, true})
      for (int64_t L : {17, 2049}) {
        Case c{"sanitize", {2, 6, L, 4, 2}};
        c.fp16 = fp16;
        add(c);
      }
    Case c{"sanitize", {1, 2, 300, 256, 1}};
    add(c);
    for (int S : {1, 4, 16}) {  // the register kernel's variants, partial blocks, odd chunk count
      Case r{"sanitize", {1, 2 * 9, 130, 16, 2}};
      r.states = S;
      add(r);
    }
    return cases;
  }
  for (int64_t L : {1, 2, 15, 16, 17, 255, 2047, 2048, 2049, 4100})
    for (bool fp16 : {false, true}) {
      if (quick && L > 2049) continue;
      Case c{"length", {2, 32, L, 16, 4}};
      c.fp16 = fp16;
      add(c);
    }
  for (int64_t N : {1, 4, 16, 64, 256})
    for (int64_t L : {17, 2049})
      for (bool fp16 : {false, true}) {
        Case c{"state", {1, 7, L, N, 1}};
        c.fp16 = fp16;
        add(c);
      }
  for (int64_t dg : {1, 7, 8, 64, 96})
    for (int64_t G : {1, 4}) {
      Case c{"channels", {2, G * dg, 255, 16, G}};
      add(c);
    }
  {
    Case c{"channels", {2, 4 * 96, 255, 16, 4}};
    c.fp16 = true;
    add(c);
  }
  for (int mask = 0; mask < 16; ++mask)
    for (bool softplus : {true, false})
      for (bool fp16 : {false, true}) {
        Case c{"options", {2, 14, 2049, 16, 2}};
        c.has_D = mask & 1;
        c.has_z = mask & 2;
        c.has_bias = mask & 4;
        c.has_init = mask & 8;
        c.softplus = softplus;
        c.fp16 = fp16;
        c.want_last = (mask + softplus) % 2 == 0 || mask == 15;
        add(c);
      }
  const std::pair<int, int> launch_shapes[] = {{32, 4}, {32, 8}, {32, 16}, {64, 16}, {128, 16}};
  for (const auto& shape : launch_shapes)
    for (bool fp16 : {false, true}) {  // every launch shape, many chunks each: the carried prefix
      Case c{"launch", {1, 6, quick ? 2100 : 4100, 16, 2}};
      c.fp16 = fp16;
      c.threads = shape.first;
      c.items = shape.second;
      add(c);
    }
  for (int S : {1, 4, 16})  // register kernel, every states-per-thread: padded lanes, partial blocks, many chunks
    for (int64_t N : {1, 7, 16, 64, 256}) {
      if ((N + S - 1) / S > 32) continue;  // S cannot cover N
      for (bool fp16 : {false, true}) {
        if (quick && fp16 && N != 16) continue;
        Case c{"register", {2, 2 * 37, N > 64 ? 700 : quick ? 1100 : 2100, N, 2}};
        c.fp16 = fp16;
        c.states = S;
        add(c);
      }
    }
  for (int64_t split : {1, 1000, 2048, 2049, 4099})
    for (bool init : {false, true}) {
      if (quick && split > 2049) continue;
      Case c{"split", {2, 16, quick ? 2100 : 4100, 16, 2}};
      c.has_init = init;
      c.split = split;
      add(c);
    }
  for (int64_t split : {1000, 2049}) {
    Case c{"split", {1, 8, 2600, 16, 1}};
    c.fp16 = true;
    c.split = split;
    add(c);
  }
  for (Values v : {Values::kLargeDelta, Values::kSmallDelta, Values::kTinyA})
    for (bool softplus : {true, false})
      for (bool fp16 : {false, true}) {
        Case c{"extremes", {1, 8, quick ? 2049 : 4100, 16, 1}};
        c.values = v;
        c.softplus = softplus;
        c.fp16 = fp16;
        add(c);
      }
  if (!quick) {
    for (bool fp16 : {false, true}) {  // MFuser's call: no z, no initial state, D and delta_bias, softplus
      Case c{"mfuser", {2, 512, 2594, 16, 1}};
      c.fp16 = fp16;
      c.has_z = c.has_init = false;
      add(c);
      Case m{"mfuser", {1, 128, 1335, 16, 1}};
      m.fp16 = fp16;
      m.has_z = m.has_init = false;
      add(m);
    }
    Case big{"state", {1, 4, 4100, 256, 1}};
    add(big);
  }
  return cases;
}

/// Host inputs of one case, already rounded to the I/O type (so the oracle sees exactly what the kernel sees).
struct HostData {
  Shape s;
  std::vector<float> u, delta, A, Bm, Cm, D, z, bias, init;
};

HostData Generate(const Case& c) {
  const Shape& s = c.s;
  HostData h;
  h.s = s;
  std::mt19937_64 rng(c.seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_real_distribution<float> unit(0.f, 1.f);
  auto io = [&](float v) { return c.fp16 ? RoundToHalf(v) : v; };
  const int64_t rows = s.B * s.D, cols = s.B * s.G * s.N;
  h.A.resize(s.D * s.N);
  for (float& a : h.A)
    a = c.values == Values::kTinyA ? -1e-5f * (0.1f + unit(rng)) : -std::exp(-1.f + 4.f * unit(rng));
  h.delta.resize(rows * s.L);
  for (float& d : h.delta) {
    float v;
    switch (c.values) {
      case Values::kLargeDelta: v = 25.f + 15.f * unit(rng); break;
      case Values::kSmallDelta: v = c.softplus ? -40.f + 15.f * unit(rng) : std::exp(-40.f + 15.f * unit(rng)); break;
      default:
        v = -3.f + normal(rng) + (unit(rng) < 0.01f ? 6.f : 0.f);
        if (!c.softplus) v = std::log1p(std::exp(v));  // without softplus dt must already be positive
    }
    d = io(v);
  }
  auto fill_normal = [&](std::vector<float>& v, int64_t n, bool round) {
    v.resize(n);
    for (float& x : v) x = round ? io(normal(rng)) : normal(rng);
  };
  fill_normal(h.u, rows * s.L, true);
  fill_normal(h.Bm, cols * s.L, true);
  fill_normal(h.Cm, cols * s.L, true);
  if (c.has_z) fill_normal(h.z, rows * s.L, true);
  if (c.has_D) fill_normal(h.D, s.D, false);
  if (c.has_init) fill_normal(h.init, rows * s.N, false);
  if (c.has_bias) {
    h.bias.resize(s.D);
    for (float& b : h.bias) b = 0.5f * unit(rng);
  }
  return h;
}

/// The token range [l0, l1) of every L-indexed tensor; per-channel tensors are shared.
HostData SliceL(const HostData& h, int64_t l0, int64_t l1) {
  HostData out = h;
  out.s.L = l1 - l0;
  auto slice = [&](const std::vector<float>& src, std::vector<float>& dst) {
    if (src.empty()) return;
    const int64_t rows = static_cast<int64_t>(src.size()) / h.s.L;
    dst.assign(rows * out.s.L, 0.f);
    for (int64_t r = 0; r < rows; ++r)
      std::copy(src.begin() + r * h.s.L + l0, src.begin() + r * h.s.L + l1, dst.begin() + r * out.s.L);
  };
  slice(h.u, out.u);
  slice(h.delta, out.delta);
  slice(h.z, out.z);
  slice(h.Bm, out.Bm);
  slice(h.Cm, out.Cm);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Oracle: reference.h per (batch, group) slice, threaded.
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

/// max_i |got_i - ref_i| / max(|ref_i|, rms(ref)): the scale-aware bound of §6.3 (inf when got is not finite).
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

// ---------------------------------------------------------------------------------------------------------------
// Execution of the implementation under test: the CUDA kernel, or (CPU-only build) a sequential fp32 scan.
#ifdef MFUSER_HARNESS_CPU_ONLY
/// Device-buffer stand-in: host memory.
class Buffer {
 public:
  explicit Buffer(size_t bytes) : bytes_(bytes) { data_.resize(bytes); }
  void* get() { return data_.empty() ? nullptr : data_.data(); }
  void Upload(const void* src) { std::memcpy(data_.data(), src, bytes_); }
  void Download(void* dst) const { std::memcpy(dst, data_.data(), bytes_); }

 private:
  size_t bytes_;
  std::vector<unsigned char> data_;
};

float LoadIo(const ScanParams& p, const void* base, int64_t i) {
  return p.io_type == IoType::kFloat16 ? HalfBitsToFloat(static_cast<const uint16_t*>(base)[i])
                                       : static_cast<const float*>(base)[i];
}

struct HostIoFloat {
  static float Load(const void* base, int64_t i) { return static_cast<const float*>(base)[i]; }
  static void Store(void* base, int64_t i, float v) { static_cast<float*>(base)[i] = v; }
};
struct HostIoHalf {
  static float Load(const void* base, int64_t i) { return HalfBitsToFloat(static_cast<const uint16_t*>(base)[i]); }
  static void Store(void* base, int64_t i, float v) { static_cast<uint16_t*>(base)[i] = FloatToHalfBits(v); }
};

/// The register kernel's phase functions (register_scan.h) run block by block, each phase for every thread of the
/// block before the next phase (the kernel's barriers): its indexing, staging, padding and chunking logic on the CPU.
template <typename Io, int S>
void EmulateRegisterKernel(const ScanParams& p, const mfuser::cuda::RegisterPlan& plan) {
  using namespace mfuser::cuda;
  std::vector<float> smem(plan.smem_floats, NAN);  // NaN: a read of anything not staged poisons y
  const RegisterSmem m = RegisterSmemLayout(plan, smem.data());
  struct Thread {
    RegisterCoords k;
    float h[S], a2[S];
    RegisterStage stage;
  };
  std::vector<Thread> th(kRegThreads);
  const int T = plan.chunk;
  for (int64_t block = 0; block < plan.grid; ++block) {
    for (int tid = 0; tid < kRegThreads; ++tid) {
      Thread& x = th[tid];
      x.k = MakeRegisterCoords(p, plan, block, tid);
      InitRegisterState<S>(p, x.k, x.h, x.a2);
      LoadRegisterChunk<Io>(p, plan, x.k, 0, x.stage);
    }
    for (int64_t start = 0; start < p.length; start += T) {
      for (Thread& x : th) StoreRegisterChunk(p, plan, x.k, start, x.stage, m);
      if (start + T < p.length)
        for (Thread& x : th) LoadRegisterChunk<Io>(p, plan, x.k, start + T, x.stage);
      for (Thread& x : th)
        for (int t0 = 0; t0 < T; t0 += kRegUnroll) StepRegisterTokens<S>(plan, x.k, m, t0, x.h, x.a2);
      for (Thread& x : th) WriteRegisterChunk<Io>(p, plan, x.k, start, m);
    }
    for (Thread& x : th) WriteRegisterLastState<S>(p, x.k, x.h);
  }
}

template <typename Io>
std::string EmulateRegister(const ScanParams& p, int states) {
  mfuser::cuda::RegisterPlan plan;
  if (!mfuser::cuda::MakeRegisterPlan(p, states, &plan))
    return "register kernel: no plan for S=" + std::to_string(states) + " N=" + std::to_string(p.state);
  switch (states) {
    case 1: EmulateRegisterKernel<Io, 1>(p, plan); break;
    case 4: EmulateRegisterKernel<Io, 4>(p, plan); break;
    case 16: EmulateRegisterKernel<Io, 16>(p, plan); break;
    default: return "register kernel: S must be 1, 4 or 16";
  }
  return {};
}

/// Sequential fp32 scan with the kernel's arithmetic (exp2 with A·log2e, softplus threshold 20, fp32 state).
std::string ExecuteSequential(const ScanParams& p) {
  const int64_t L = p.length, N = p.state, Dn = p.channels, G = p.groups;
  std::vector<float> h(N);
  for (int64_t row = 0; row < p.batch * Dn; ++row) {
    const int64_t b = row / Dn, d = row % Dn, g = d / (Dn / G);
    for (int64_t n = 0; n < N; ++n) h[n] = p.initial_state ? p.initial_state[row * N + n] : 0.f;
    for (int64_t t = 0; t < L; ++t) {
      float dt = LoadIo(p, p.delta, row * L + t) + (p.delta_bias ? p.delta_bias[d] : 0.f);
      if (p.delta_softplus) dt = dt <= 20.f ? std::log1p(std::exp(dt)) : dt;
      const float u = LoadIo(p, p.u, row * L + t);
      float acc = p.D ? p.D[d] * u : 0.f;
      for (int64_t n = 0; n < N; ++n) {
        const int64_t bc = ((b * G + g) * N + n) * L + t;
        h[n] = std::exp2(dt * (p.A[d * N + n] * 1.4426950408889634f)) * h[n] + dt * u * LoadIo(p, p.Bm, bc);
        acc += h[n] * LoadIo(p, p.Cm, bc);
      }
      if (p.z) {
        const float zv = LoadIo(p, p.z, row * L + t);
        acc *= zv / (1.f + std::exp(-zv));
      }
      if (p.io_type == IoType::kFloat16)
        static_cast<uint16_t*>(p.y)[row * L + t] = FloatToHalfBits(acc);
      else
        static_cast<float*>(p.y)[row * L + t] = acc;
    }
    if (p.last_state)
      for (int64_t n = 0; n < N; ++n) p.last_state[row * N + n] = h[n];
  }
  return {};
}
/// Stand-in of the GPU dispatch: the register kernel emulated, the block-scan kernel replaced by the sequential scan.
std::string Execute(const ScanParams& p, const Case& c) {
  const std::string invalid = mfuser::cuda::ValidateScanParams(p);
  if (!invalid.empty()) return invalid;
  ScanKernel kernel = c.states ? ScanKernel::kRegister : c.threads ? ScanKernel::kBlockScan : g_kernel;
  if (kernel == ScanKernel::kAuto) kernel = mfuser::cuda::ChooseScanKernel(p, kCpuAssumedSms);
  if (kernel == ScanKernel::kBlockScan) return ExecuteSequential(p);
  const int states = c.states ? c.states : mfuser::cuda::ChooseStatesPerThread(p, kCpuAssumedSms);
  return p.io_type == IoType::kFloat16 ? EmulateRegister<HostIoHalf>(p, states) : EmulateRegister<HostIoFloat>(p, states);
}
const char* kImplementation =
    "cpu dry run: register kernel emulated from register_scan.h; block-scan kernel replaced by a sequential fp32 scan";
#else
#define CUDA_OK(expr)                                                                                      \
  do {                                                                                                     \
    const cudaError_t err_ = (expr);                                                                       \
    if (err_ != cudaSuccess) {                                                                             \
      std::fprintf(stderr, "CUDA error %s at %s:%d: %s\n", cudaGetErrorName(err_), __FILE__, __LINE__,    \
                   cudaGetErrorString(err_));                                                              \
      std::exit(3);                                                                                        \
    }                                                                                                      \
  } while (0)

/// Owned device allocation.
class Buffer {
 public:
  explicit Buffer(size_t bytes) : bytes_(bytes) {
    if (bytes) CUDA_OK(cudaMalloc(&ptr_, bytes));
  }
  ~Buffer() { cudaFree(ptr_); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* get() { return ptr_; }
  void Upload(const void* src) { CUDA_OK(cudaMemcpy(ptr_, src, bytes_, cudaMemcpyHostToDevice)); }
  void Download(void* dst) const { CUDA_OK(cudaMemcpy(dst, ptr_, bytes_, cudaMemcpyDeviceToHost)); }

 private:
  size_t bytes_;
  void* ptr_ = nullptr;
};

std::string Execute(const ScanParams& p, const Case& c) {
  const std::string invalid = mfuser::cuda::ValidateScanParams(p);
  if (!invalid.empty()) return invalid;
  cudaError_t err = c.threads  ? mfuser::cuda::LaunchSelectiveScanWithShape(p, {c.threads, c.items}, nullptr)
                    : c.states ? mfuser::cuda::LaunchRegisterScan(p, c.states, nullptr)
                               : mfuser::cuda::LaunchSelectiveScanWith(p, g_kernel, nullptr);
  if (err == cudaSuccess) err = cudaDeviceSynchronize();
  return err == cudaSuccess ? std::string() : std::string("CUDA: ") + cudaGetErrorString(err);
}
const char* kImplementation = "cuda-kernel";
#endif

/// I/O tensor in the case's element type, resident in a Buffer.
struct IoTensor {
  std::unique_ptr<Buffer> buf;
  static IoTensor From(const std::vector<float>& v, bool fp16) {
    IoTensor t;
    if (v.empty()) return t;
    if (fp16) {
      std::vector<uint16_t> bits(v.size());
      for (size_t i = 0; i < v.size(); ++i) bits[i] = FloatToHalfBits(v[i]);
      t.buf = std::make_unique<Buffer>(bits.size() * 2);
      t.buf->Upload(bits.data());
    } else {
      t.buf = std::make_unique<Buffer>(v.size() * 4);
      t.buf->Upload(v.data());
    }
    return t;
  }
  void* get() const { return buf ? buf->get() : nullptr; }
};

/// Runs the implementation on `h` (optionally overriding initial_state); fills y (as float) and last_state.
std::string RunImpl(const Case& c, const HostData& h, const std::vector<float>* init_override, bool want_last,
                    std::vector<float>& y, std::vector<float>& last) {
  const Shape& s = h.s;
  const std::vector<float>& init = init_override ? *init_override : h.init;
  IoTensor u = IoTensor::From(h.u, c.fp16), delta = IoTensor::From(h.delta, c.fp16),
           Bm = IoTensor::From(h.Bm, c.fp16), Cm = IoTensor::From(h.Cm, c.fp16), z = IoTensor::From(h.z, c.fp16),
           A = IoTensor::From(h.A, false), D = IoTensor::From(h.D, false), bias = IoTensor::From(h.bias, false),
           h0 = IoTensor::From(init, false);
  const size_t ny = s.B * s.D * s.L, nl = s.B * s.D * s.N;
  Buffer ybuf(ny * (c.fp16 ? 2 : 4)), lbuf(want_last ? nl * 4 : 0);
  ScanParams p;
  p.batch = s.B;
  p.channels = s.D;
  p.length = s.L;
  p.state = s.N;
  p.groups = s.G;
  p.io_type = c.fp16 ? IoType::kFloat16 : IoType::kFloat32;
  p.delta_softplus = c.softplus;
  p.u = u.get();
  p.delta = delta.get();
  p.A = static_cast<const float*>(A.get());
  p.Bm = Bm.get();
  p.Cm = Cm.get();
  p.D = static_cast<const float*>(D.get());
  p.z = z.get();
  p.delta_bias = static_cast<const float*>(bias.get());
  p.initial_state = static_cast<const float*>(h0.get());
  p.y = ybuf.get();
  p.last_state = want_last ? static_cast<float*>(lbuf.get()) : nullptr;
  const std::string err = Execute(p, c);
  if (!err.empty()) return err;
  y.resize(ny);
  if (c.fp16) {
    std::vector<uint16_t> bits(ny);
    ybuf.Download(bits.data());
    for (size_t i = 0; i < ny; ++i) y[i] = HalfBitsToFloat(bits[i]);
  } else {
    ybuf.Download(y.data());
  }
  last.clear();
  if (want_last) {
    last.resize(nl);
    lbuf.Download(last.data());
  }
  return {};
}

struct Outcome {
  std::string name, error;
  double err_y = INFINITY, err_last = 0, tol = 0;
  bool pass = false;
  uint64_t seed = 0;
};

Outcome RunCase(const Case& c) {
  Outcome o;
  o.name = c.Name();
  o.seed = c.seed;
  o.tol = c.Tolerance();
  const HostData h = Generate(c);
  std::vector<double> ref_y, ref_last;
  RunOracle(c, h, ref_y, ref_last);
  std::vector<float> y, last;
  if (c.split == 0) {
    o.error = RunImpl(c, h, nullptr, c.want_last, y, last);
  } else {  // scan(x[:split]) -> s1; scan(x[split:], initial_state = s1) must equal the whole scan
    const HostData first = SliceL(h, 0, c.split), second = SliceL(h, c.split, h.s.L);
    std::vector<float> y1, s1, y2;
    o.error = RunImpl(c, first, nullptr, true, y1, s1);
    if (o.error.empty()) o.error = RunImpl(c, second, &s1, true, y2, last);
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

// ---------------------------------------------------------------------------------------------------------------
// Self-test of the harness's own host pieces (fp16 rounding, parameter validation); run in both builds.
int SelfTest() {
  int failures = 0;
  auto expect = [&](bool ok, const std::string& what) {
    if (!ok) {
      std::printf("SELF-TEST FAIL: %s\n", what.c_str());
      ++failures;
    }
  };
  const struct { float f; uint16_t h; } known[] = {{1.f, 0x3c00}, {-2.f, 0xc000}, {65504.f, 0x7bff},
                                                    {65520.f, 0x7c00}, {0.1f, 0x2e66}, {5.960464477539063e-08f, 0x0001},
                                                    {2.9802322387695312e-08f, 0x0000}, {6.103515625e-05f, 0x0400},
                                                    {1.0009765625f, 0x3c01}, {1.00048828125f, 0x3c00}};
  for (const auto& k : known) {
    char msg[96];
    std::snprintf(msg, sizeof msg, "FloatToHalfBits(%g) = 0x%04x, expected 0x%04x", k.f, FloatToHalfBits(k.f), k.h);
    expect(FloatToHalfBits(k.f) == k.h, msg);
  }
  for (uint32_t bits = 0; bits < 0x10000u; ++bits) {
    if ((bits & 0x7c00u) == 0x7c00u && (bits & 0x3ffu)) continue;  // NaN payloads
    const uint16_t back = FloatToHalfBits(HalfBitsToFloat(static_cast<uint16_t>(bits)));
    if (back != bits) {
      expect(false, "fp16 round trip of 0x" + std::to_string(bits));
      break;
    }
  }
  ScanParams p;
  float dummy = 0;
  p.batch = 1; p.channels = 6; p.length = 3; p.state = 4; p.groups = 4;
  p.u = p.delta = p.Bm = p.Cm = &dummy;
  p.A = &dummy;
  p.y = &dummy;
  expect(mfuser::cuda::ValidateScanParams(p).find("not a multiple of groups G=4") != std::string::npos,
         "D % G message: " + mfuser::cuda::ValidateScanParams(p));
  p.groups = 2;
  expect(mfuser::cuda::ValidateScanParams(p).empty(), "valid params rejected: " + mfuser::cuda::ValidateScanParams(p));
  p.state = 257;
  expect(mfuser::cuda::ValidateScanParams(p).find("N=257 exceeds the CUDA kernel limit 256") != std::string::npos,
         "N limit message: " + mfuser::cuda::ValidateScanParams(p));
  p.state = 4;
  p.length = 0;
  expect(mfuser::cuda::ValidateScanParams(p).find("length L must be >= 1, got 0") != std::string::npos,
         "L message: " + mfuser::cuda::ValidateScanParams(p));
  p.length = 3;
  p.Cm = nullptr;
  expect(mfuser::cuda::ValidateScanParams(p).find("'C' is null") != std::string::npos,
         "null C message: " + mfuser::cuda::ValidateScanParams(p));
  // Register kernel plans: every N and S that can cover it gets a geometry within the staging capacities.
  for (int64_t N = 1; N <= mfuser::cuda::kMaxState; ++N)
    for (int S : {1, 4, 16}) {
      p.state = N;
      mfuser::cuda::RegisterPlan plan;
      const bool ok = mfuser::cuda::MakeRegisterPlan(p, S, &plan);
      if (ok != ((N + S - 1) / S <= 32)) {
        expect(false, "MakeRegisterPlan(N=" + std::to_string(N) + ", S=" + std::to_string(S) + ") = " +
                          (ok ? "true" : "false"));
        continue;
      }
      if (!ok) continue;
      const bool sane = plan.lanes >= 1 && plan.lanes <= 32 && (plan.lanes & (plan.lanes - 1)) == 0 &&
                        plan.padded_state >= N && plan.lanes * plan.channels_per_block == mfuser::cuda::kRegThreads &&
                        plan.chunk == (1 << plan.chunk_log2) && plan.chunk >= mfuser::cuda::kRegUnroll &&
                        plan.channels_per_block * plan.chunk <= mfuser::cuda::kRegRowCap &&
                        plan.padded_state * plan.chunk <= mfuser::cuda::kRegBcCap &&
                        plan.smem_floats * sizeof(float) <= 48 * 1024 &&
                        plan.grid == p.batch * p.groups * ((p.channels / p.groups + plan.channels_per_block - 1) /
                                                           plan.channels_per_block);
      expect(sane, "register plan N=" + std::to_string(N) + " S=" + std::to_string(S) + " out of bounds");
    }
  // Dispatch rule on the H100's 132 SMs (MFuser shapes, N = 16).
  p.state = 16;
  p.groups = 1;
  auto pick = [&](int64_t B, int64_t D) {
    p.batch = B;
    p.channels = D;
    return std::make_pair(mfuser::cuda::ChooseScanKernel(p, 132), mfuser::cuda::ChooseStatesPerThread(p, 132));
  };
  expect(pick(1, 384).first == ScanKernel::kBlockScan, "tiny-d384 B=1: block-scan kernel");
  expect(pick(1, 2048).first == ScanKernel::kBlockScan, "paper-l-d2048 B=1: block-scan kernel");
  expect(pick(8, 512) == std::make_pair(ScanKernel::kRegister, 4), "paper-l B=8: register kernel, S=4");
  expect(pick(8, 2048) == std::make_pair(ScanKernel::kRegister, 4), "paper-l-d2048 B=8: register kernel, S=4");
  expect(pick(1, 2).first == ScanKernel::kBlockScan, "B=1 D=2: block-scan kernel");
  std::printf("self-test: %s\n", failures ? "FAILED" : "ok");
  return failures;
}

// ---------------------------------------------------------------------------------------------------------------
// Benchmark (GPU build only): kernel time on MFuser shapes.
struct DeviceInfo {
  std::string name;
  int sm_count = 0, cc_major = 0, cc_minor = 0;
  double peak_bytes_per_s = 0, sm_clock_hz = 0;
  std::string bw_source, clock_source;
};

#ifndef MFUSER_HARNESS_CPU_ONLY
DeviceInfo QueryDevice() {
  DeviceInfo info;
  cudaDeviceProp prop{};
  CUDA_OK(cudaGetDeviceProperties(&prop, 0));
  info.name = prop.name;
  info.sm_count = prop.multiProcessorCount;
  info.cc_major = prop.major;
  info.cc_minor = prop.minor;
  // Attribute numbers of cudaDevAttrClockRate (13), cudaDevAttrMemoryClockRate (36) and
  // cudaDevAttrGlobalMemoryBusWidth (37), used by number because CUDA 13 dropped the matching cudaDeviceProp fields.
  int mem_khz = 0, bus_bits = 0, sm_khz = 0;
  const bool mem_ok = cudaDeviceGetAttribute(&mem_khz, static_cast<cudaDeviceAttr>(36), 0) == cudaSuccess &&
                      cudaDeviceGetAttribute(&bus_bits, static_cast<cudaDeviceAttr>(37), 0) == cudaSuccess &&
                      mem_khz > 0 && bus_bits > 0;
  cudaGetLastError();
  if (mem_ok) {
    info.peak_bytes_per_s = 2.0 * mem_khz * 1e3 * bus_bits / 8.0;
    info.bw_source = "device attributes: 2 x memory clock x bus width";
  } else {
    const std::string n = info.name;
    info.peak_bytes_per_s = n.find("H200") != std::string::npos  ? 4.8e12
                            : n.find("PCIe") != std::string::npos ? 2.0e12
                                                                  : 3.35e12;
    info.bw_source = "datasheet value by card name (attributes unavailable)";
  }
  if (cudaDeviceGetAttribute(&sm_khz, static_cast<cudaDeviceAttr>(13), 0) == cudaSuccess && sm_khz > 0) {
    info.sm_clock_hz = sm_khz * 1e3;
    info.clock_source = "device attribute (max SM clock)";
  } else {
    info.sm_clock_hz = 1.98e9;
    info.clock_source = "assumed 1.98 GHz (H100 SXM boost)";
  }
  cudaGetLastError();
  return info;
}
#endif

struct BenchResult {
  std::string name, launch, kernel;
  bool is_default, is_auto;  // the kernel's own default launch; the one LaunchSelectiveScan picks
  Shape s;
  bool fp16;
  double ms, bytes, exps, gbps, frac_mem, frac_exp;
};

constexpr double kExp2PerSmPerClock = 16.0;  // MUFU.EX2 throughput, CUDA C++ Programming Guide (cc 8.x/9.0)

std::vector<BenchResult> RunBench(const DeviceInfo& dev, const std::string& filter, bool quick) {
  std::vector<BenchResult> results;
#ifndef MFUSER_HARNESS_CPU_ONLY
  struct Config {
    const char* name;
    int64_t D, L;
  };
  const Config configs[] = {{"tiny-d384", 384, 1298}, {"tiny-d768", 768, 1298}, {"mtenhancer", 128, 1335},
                            {"paper-l", 512, 2594}, {"paper-l-d2048", 2048, 2594}};
  /// One timed launch variant: the block-scan kernel (threads x items, 0 = default table) or the register kernel
  /// (states per thread, 0 = automatic choice).
  struct Variant {
    ScanKernel kernel;
    int threads, items, states;
  };
  const int sms = mfuser::cuda::CurrentDeviceSmCount();
  for (const Config& cfg : configs)
    for (int64_t B : {1, 2, 4, 8})
      for (bool fp16 : {false, true}) {
        if (quick && (B == 2 || B == 4)) continue;
        // Both kernels at their defaults everywhere; sweeps (register S, block-scan shapes) on tiny-d384 and
        // paper-l at B = 1 and 8 and paper-l-d2048 at B = 8, fp32 (block-scan shapes only in the full set).
        std::vector<Variant> variants = {{ScanKernel::kBlockScan, 0, 0, 0}, {ScanKernel::kRegister, 0, 0, 0}};
        const std::string n = cfg.name;
        const bool sweep = !fp16 && (((n == "tiny-d384" || n == "paper-l") && (B == 1 || B == 8)) ||
                                     (n == "paper-l-d2048" && B == 8));
        if (sweep) {
          for (int S : {1, 4, 16}) variants.push_back({ScanKernel::kRegister, 0, 0, S});
          if (!quick)
            for (const auto& shape : {std::pair<int, int>{32, 16}, {64, 16}, {128, 16}})
              variants.push_back({ScanKernel::kBlockScan, shape.first, shape.second, 0});
        }
        const std::string label = n + "/B=" + std::to_string(B) + (fp16 ? "/fp16" : "/fp32");
        if (!filter.empty() && label.find(filter) == std::string::npos) continue;
        Case c{"bench", {B, cfg.D, cfg.L, 16, 1}};
        c.fp16 = fp16;
        c.has_z = c.has_init = false;
        c.seed = 42;
        const HostData h = Generate(c);
        const Shape& s = c.s;
        IoTensor u = IoTensor::From(h.u, fp16), delta = IoTensor::From(h.delta, fp16),
                 Bm = IoTensor::From(h.Bm, fp16), Cm = IoTensor::From(h.Cm, fp16), A = IoTensor::From(h.A, false),
                 D = IoTensor::From(h.D, false), bias = IoTensor::From(h.bias, false);
        Buffer y(s.B * s.D * s.L * (fp16 ? 2 : 4));
        ScanParams p;
        p.batch = s.B; p.channels = s.D; p.length = s.L; p.state = s.N; p.groups = s.G;
        p.io_type = fp16 ? IoType::kFloat16 : IoType::kFloat32;
        p.u = u.get(); p.delta = delta.get(); p.Bm = Bm.get(); p.Cm = Cm.get();
        p.A = static_cast<const float*>(A.get());
        p.D = static_cast<const float*>(D.get());
        p.delta_bias = static_cast<const float*>(bias.get());
        p.y = y.get();
        const ScanKernel auto_kernel = mfuser::cuda::ChooseScanKernel(p, sms);
        const int auto_states = mfuser::cuda::ChooseStatesPerThread(p, sms);
        for (const Variant& v : variants) {
          std::string launch;
          bool is_auto = false;
          if (v.kernel == ScanKernel::kBlockScan) {
            const mfuser::cuda::LaunchShape shape =
                v.threads ? mfuser::cuda::LaunchShape{v.threads, v.items} : mfuser::cuda::DefaultLaunchShape(cfg.L);
            launch = std::string("blockscan ") + (v.threads ? "forced " : "default ") + std::to_string(shape.threads) +
                     "x" + std::to_string(shape.items);
            is_auto = !v.threads && auto_kernel == ScanKernel::kBlockScan;
          } else {
            launch = "register S=" + std::to_string(v.states ? v.states : auto_states) + (v.states ? " forced" : "");
            is_auto = !v.states && auto_kernel == ScanKernel::kRegister;
          }
          auto launch_once = [&]() {
            if (v.kernel == ScanKernel::kBlockScan)
              return v.threads ? mfuser::cuda::LaunchSelectiveScanWithShape(p, {v.threads, v.items}, nullptr)
                               : mfuser::cuda::LaunchSelectiveScanWith(p, ScanKernel::kBlockScan, nullptr);
            return mfuser::cuda::LaunchRegisterScan(p, v.states, nullptr);
          };
          for (int i = 0; i < 3; ++i) CUDA_OK(launch_once());
          CUDA_OK(cudaDeviceSynchronize());
          cudaEvent_t t0, t1;
          CUDA_OK(cudaEventCreate(&t0));
          CUDA_OK(cudaEventCreate(&t1));
          std::vector<float> times;
          for (int rep = 0; rep < 20; ++rep) {
            CUDA_OK(cudaEventRecord(t0));
            CUDA_OK(launch_once());
            CUDA_OK(cudaEventRecord(t1));
            CUDA_OK(cudaEventSynchronize(t1));
            float ms = 0;
            CUDA_OK(cudaEventElapsedTime(&ms, t0, t1));
            times.push_back(ms);
          }
          cudaEventDestroy(t0);
          cudaEventDestroy(t1);
          std::sort(times.begin(), times.end());
          BenchResult r{};
          r.name = cfg.name;
          r.launch = launch;
          r.kernel = KernelName(v.kernel);
          r.is_default = v.threads == 0 && v.states == 0;
          r.is_auto = is_auto;
          r.s = s;
          r.fp16 = fp16;
          r.ms = times[times.size() / 2];
          const double es = fp16 ? 2 : 4;
          r.bytes = es * (3.0 * s.B * s.D * s.L + 2.0 * s.B * s.G * s.N * s.L);  // u, delta, y + B, C
          r.exps = 1.0 * s.B * s.D * s.L * s.N;
          r.gbps = r.bytes / (r.ms * 1e-3) / 1e9;
          r.frac_mem = (r.bytes / dev.peak_bytes_per_s) / (r.ms * 1e-3);
          r.frac_exp = (r.exps / (dev.sm_count * kExp2PerSmPerClock * dev.sm_clock_hz)) / (r.ms * 1e-3);
          results.push_back(r);
          std::printf("bench %-14s B=%lld D=%-4lld L=%lld N=16 %s %-26s%s: %8.4f ms  %7.1f GB/s  %5.1f%% of HBM "
                      "peak  %5.1f%% of exp2 bound\n",
                      cfg.name, (long long)B, (long long)s.D, (long long)s.L, fp16 ? "fp16" : "fp32", launch.c_str(),
                      is_auto ? "*" : " ", r.ms, r.gbps, 100 * r.frac_mem, 100 * r.frac_exp);
        }
      }
#else
  (void)dev;
  (void)filter;
  (void)quick;
#endif
  return results;
}

// ---------------------------------------------------------------------------------------------------------------
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

void WriteJson(const std::string& path, const std::vector<Outcome>& outcomes, const std::vector<BenchResult>& bench,
               const DeviceInfo& dev, bool self_test_ok) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    return;
  }
  std::fprintf(f, "{\n  \"implementation\": \"%s\",\n  \"matrix_kernel\": \"%s\",\n  \"self_test_ok\": %s,\n",
               kImplementation, KernelName(g_kernel), self_test_ok ? "true" : "false");
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
    std::fprintf(f, "    {\"shape\": \"%s\", \"kernel\": \"%s\", \"default\": %s, \"auto\": %s, \"launch\": \"%s\", \"B\": %lld, \"D\": %lld, \"L\": %lld, \"N\": %lld, \"io\": \"%s\", "
                 "\"ms\": %s, \"bytes\": %s, \"gb_per_s\": %s, \"frac_mem_bound\": %s, \"frac_exp_bound\": %s}%s\n",
                 r.name.c_str(), r.kernel.c_str(), r.is_default ? "true" : "false", r.is_auto ? "true" : "false",
                 r.launch.c_str(), (long long)r.s.B, (long long)r.s.D, (long long)r.s.L, (long long)r.s.N,
                 r.fp16 ? "fp16" : "fp32", Num(r.ms).c_str(), Num(r.bytes).c_str(), Num(r.gbps).c_str(),
                 Num(r.frac_mem).c_str(), Num(r.frac_exp).c_str(), i + 1 < bench.size() ? "," : "");
  }
  std::fprintf(f, "  ]\n}\n");
  std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // line-buffered: a crash or time limit keeps what was printed
  std::string matrix = "full", only, json, bench_filter, bench_set = "full";
  bool bench = false, self_test_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "harness: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--matrix") matrix = value();
    else if (a == "--only") only = value();
    else if (a == "--json") json = value();
    else if (a == "--bench") bench = true;
    else if (a == "--bench-filter") bench_filter = value();
    else if (a == "--bench-set") bench_set = value();
    else if (a == "--self-test") self_test_only = true;
    else if (a == "--no-matrix") matrix = "none";
    else if (a == "--kernel") {
      const std::string k = value();
      if (k == "auto") g_kernel = ScanKernel::kAuto;
      else if (k == "blockscan") g_kernel = ScanKernel::kBlockScan;
      else if (k == "register") g_kernel = ScanKernel::kRegister;
      else {
        std::fprintf(stderr, "harness: --kernel must be auto, blockscan or register, got '%s'\n", k.c_str());
        return 2;
      }
    }
    else {
      std::fprintf(stderr, "harness: unknown argument '%s' (expected --matrix full|quick|sanitize|none, --only S, "
                   "--kernel auto|blockscan|register, --json PATH, --bench, --bench-filter S, --bench-set full|quick, --self-test)\n", a.c_str());
      return 2;
    }
  }
  if (bench_set != "full" && bench_set != "quick") {
    std::fprintf(stderr, "harness: --bench-set must be full or quick, got '%s'\n", bench_set.c_str());
    return 2;
  }
  if (matrix != "full" && matrix != "quick" && matrix != "sanitize" && matrix != "none") {
    std::fprintf(stderr, "harness: --matrix must be full, quick, sanitize or none, got '%s'\n", matrix.c_str());
    return 2;
  }
  std::printf("implementation under test: %s; matrix kernel: %s\n", kImplementation, KernelName(g_kernel));
  const bool self_ok = SelfTest() == 0;
  if (self_test_only) return self_ok ? 0 : 1;

  DeviceInfo dev;
#ifndef MFUSER_HARNESS_CPU_ONLY
  dev = QueryDevice();
  std::printf("device: %s (sm_%d%d, %d SMs), peak %.0f GB/s [%s], SM clock %.2f GHz [%s]\n", dev.name.c_str(),
              dev.cc_major, dev.cc_minor, dev.sm_count, dev.peak_bytes_per_s / 1e9, dev.bw_source.c_str(),
              dev.sm_clock_hz / 1e9, dev.clock_source.c_str());
#endif
  std::vector<Outcome> outcomes;
  int failed = 0;
  if (matrix != "none") {
    for (const Case& c : BuildMatrix(matrix)) {
      if (!only.empty() && c.Name().find(only) == std::string::npos) continue;
      const Outcome o = RunCase(c);
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
                matrix.c_str(), outcomes.size(), failed, worst32, worst_long, worst16);
  }
  std::vector<BenchResult> bench_results;
  if (bench) bench_results = RunBench(dev, bench_filter, bench_set == "quick");
  if (!json.empty()) WriteJson(json, outcomes, bench_results, dev, self_ok);
  return (failed == 0 && self_ok) ? 0 : 1;
}
