// The harness's test-case matrix: names, tolerances, the full / quick / sanitize matrices and the inputs of a case.
#include "harness_cases.h"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <random>
#include <utility>

#include "harness_half.h"

namespace mfuser::harness {

const char* ValuesName(Values v) {
  switch (v) {
    case Values::kNormal: return "normal";
    case Values::kLargeDelta: return "delta+large";
    case Values::kSmallDelta: return "delta-large";
    case Values::kTinyA: return "A->0-";
    case Values::kZeroDeltaHugeA: return "dt=0";
    case Values::kTinyDeltaHugeA: return "dt=tiny";
  }
  return "?";
}

std::string Case::Name() const {
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
  for (Values v : {Values::kZeroDeltaHugeA, Values::kTinyDeltaHugeA})  // last: the cases above keep their seeds
    for (bool softplus : {true, false})
      for (bool fp16 : {false, true}) {
        Case c{"hugeA", {1, 8, 2049, 16, 1}};
        c.values = v;
        c.softplus = softplus;
        c.fp16 = fp16;
        c.has_bias = false;  // a bias would lift dt off 0
        add(c);
      }
  return cases;
}

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
  const bool huge_a = c.values == Values::kZeroDeltaHugeA || c.values == Values::kTinyDeltaHugeA;
  for (int64_t i = 0; huge_a && i < s.D * s.N; ++i) {
    const int64_t k = i / s.N + i % s.N;  // channel + state
    if (k % 2 == 0) h.A[i] = k % 4 == 0 ? -3e38f : -FLT_MAX;
  }
  h.delta.resize(rows * s.L);
  for (float& d : h.delta) {
    float v;
    switch (c.values) {
      case Values::kLargeDelta: v = 25.f + 15.f * unit(rng); break;
      case Values::kSmallDelta: v = c.softplus ? -40.f + 15.f * unit(rng) : std::exp(-40.f + 15.f * unit(rng)); break;
      case Values::kZeroDeltaHugeA: v = c.softplus ? -200.f : 0.f; break;
      case Values::kTinyDeltaHugeA: v = c.softplus ? -87.f + 0.5f * unit(rng) : 1.2e-38f * (1.f + unit(rng)); break;
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

}  // namespace mfuser::harness
