// The selective-scan kernel, written once over a SIMD traits type S (simd_*.h) and instantiated per ISA in
// scan_isa_*.cc. Everything here is a template on S or `static`, so translation units built with different
// -m flags never share an out-of-line function (see half.h).
//
// Design (docs/selective-scan.md, research/scan-kernels.md §5.2):
// - lanes = consecutive channels of one group; a task owns one block of S::kLanes channels of one (batch, group)
//   and runs all L tokens, so tasks never synchronise;
// - the (B,D,L) rows are read in tiles of kTileTokens tokens and transposed into token-major [t][lane] tiles;
// - per token and lane, one fused pass computes dt = softplus(delta + bias), dt*u and the D*u skip;
// - then the states, in register blocks of up to 8 vectors: a = 2^(dt * A*log2e), h = a*h + dt*u*B, y += h*C,
//   with B/C broadcast per (token, state) — no horizontal sums, any N;
// - last, y *= silu(z), rounded to the I/O type once, and transposed back.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "scan_isa.h"
#include "selective_scan_cpu.h"

namespace mfuser::cpu::detail {

constexpr int kTileTokens = 64;
constexpr int kMaxStateBlock = 8;
constexpr float kLog2e = 1.44269504088896341f;

/// Vector math shared by every ISA. Error bounds are measured by tests/fast_math_test.cc.
template <class S>
struct Math {
  using V = typename S::V;

  /// 2^f for f in [-0.5, 0.5]: degree-6 polynomial, Chebyshev-node interpolant of 2^f (near-minimax),
  /// |rel err| < 8.4e-8 (< 1 ulp) in fp32 Horner with FMA.
  static V Exp2Reduced(V f) {
    V p = S::Set1(0x1.444p-13f);
    p = S::Fma(p, f, S::Set1(0x1.5f48cp-10f));
    p = S::Fma(p, f, S::Set1(0x1.3b2a1cp-7f));
    p = S::Fma(p, f, S::Set1(0x1.c6aeccp-5f));
    p = S::Fma(p, f, S::Set1(0x1.ebfbep-3f));
    p = S::Fma(p, f, S::Set1(0x1.62e43p-1f));
    return S::Fma(p, f, S::Set1(1.0f));
  }

  /// 2^x, x clamped to [-126, 127] (so 2^n stays a normal number; below -126 the true value is < 1.2e-38).
  static V Exp2(V x) {
    x = S::Min(S::Max(x, S::Set1(-126.0f)), S::Set1(127.0f));
    const V n = S::Round(x);
    return S::ScalePow2(Exp2Reduced(S::Sub(x, n)), n);
  }

  /// e^x with Cody-Waite reduction (r = x - n ln2 in two exact steps), x clamped to [-87, 88].
  static V Exp(V x) {
    x = S::Min(S::Max(x, S::Set1(-87.0f)), S::Set1(88.0f));
    const V n = S::Round(S::Mul(x, S::Set1(kLog2e)));
    // ln2 = hi + lo with hi having 16 significant bits, so n * hi is exact even without a fused multiply-add.
    V r = S::Fma(n, S::Set1(-0x1.62e4p-1f), x);
    r = S::Fma(n, S::Set1(-0x1.7f7d1cp-20f), r);
    return S::ScalePow2(Exp2Reduced(S::Mul(r, S::Set1(kLog2e))), n);
  }

  /// log(1 + e) for e in [0, 1]: 2 atanh(s), s = e / (2 + e) <= 1/3, series to s^15 (truncation < 2e-9 rel).
  static V Log1pUnit(V e) {
    const V s = S::Div(e, S::Add(S::Set1(2.0f), e));
    const V w = S::Mul(s, s);
    V q = S::Set1(1.0f / 15.0f);
    q = S::Fma(q, w, S::Set1(1.0f / 13.0f));
    q = S::Fma(q, w, S::Set1(1.0f / 11.0f));
    q = S::Fma(q, w, S::Set1(1.0f / 9.0f));
    q = S::Fma(q, w, S::Set1(1.0f / 7.0f));
    q = S::Fma(q, w, S::Set1(1.0f / 5.0f));
    q = S::Fma(q, w, S::Set1(1.0f / 3.0f));
    q = S::Fma(q, w, S::Set1(1.0f));
    return S::Mul(S::Add(s, s), q);
  }

  /// mamba's softplus: x > 20 ? x : log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|) (no overflow).
  static V Softplus(V x) {
    const V sp = S::Add(S::Max(x, S::Zero()), Log1pUnit(Exp(S::Sub(S::Zero(), S::Abs(x)))));
    return S::IfGreater(x, S::Set1(20.0f), x, sp);
  }

  /// z * sigmoid(z).
  static V Silu(V z) { return S::Div(z, S::Add(S::Set1(1.0f), Exp(S::Sub(S::Zero(), z)))); }
};

/// Row access for the two I/O element types: float rows are used in place, fp16 rows are converted into `buf`.
template <class S, typename T>
struct Rows;

template <class S>
struct Rows<S, float> {
  static const float* Read(const float* src, int64_t /*n*/, float* /*buf*/) { return src; }
  static void Write(const float* src, float* dst, int64_t n) { std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float)); }
};

template <class S>
struct Rows<S, uint16_t> {
  static const float* Read(const uint16_t* src, int64_t n, float* buf) {
    S::HalfRowToFloat(src, buf, n);
    return buf;
  }
  static void Write(const float* src, uint16_t* dst, int64_t n) { S::FloatRowToHalf(src, dst, n); }
};

/// Copies `active` rows (row stride `row_stride`) x `count` tokens into tile[t * W + lane].
/// Lanes >= active are left untouched (the caller zeroed them once).
template <class S, typename T>
static void GatherTile(const T* rows, int64_t row_stride, int active, int count, float* tile, float* row_buf) {
  constexpr int W = S::kLanes;
  for (int c = 0; c < active; ++c) {
    const float* r = Rows<S, T>::Read(rows + c * row_stride, count, row_buf);
    for (int t = 0; t < count; ++t) tile[t * W + c] = r[t];
  }
}

/// Inverse of GatherTile for the output rows.
template <class S, typename T>
static void ScatterTile(const float* tile, int active, int count, T* rows, int64_t row_stride, float* row_buf) {
  constexpr int W = S::kLanes;
  for (int c = 0; c < active; ++c) {
    for (int t = 0; t < count; ++t) row_buf[t] = tile[t * W + c];
    Rows<S, T>::Write(row_buf, rows + c * row_stride, count);
  }
}

/// The recurrence for K consecutive states over `count` tokens of one tile. h and a2 hold [K][W] floats;
/// B/C rows of the K states start at bp/cp with stride `bc_stride`; y accumulates in place.
template <class S, int K>
static void ScanStates(int count, const float* dt, const float* dtu, float* y, const float* a2, float* h,
                       const float* bp, const float* cp, int64_t bc_stride) {
  using V = typename S::V;
  constexpr int W = S::kLanes;
  V hv[K], av[K];
  for (int k = 0; k < K; ++k) {
    hv[k] = S::Load(h + k * W);
    av[k] = S::Load(a2 + k * W);
  }
  for (int t = 0; t < count; ++t) {
    const V d = S::Load(dt + t * W);
    const V du = S::Load(dtu + t * W);
    V acc = S::Load(y + t * W);
    for (int k = 0; k < K; ++k) {
      const V a = Math<S>::Exp2(S::Mul(d, av[k]));
      hv[k] = S::Fma(a, hv[k], S::Mul(du, S::Set1(bp[k * bc_stride + t])));
      acc = S::Fma(hv[k], S::Set1(cp[k * bc_stride + t]), acc);
    }
    S::Store(y + t * W, acc);
  }
  for (int k = 0; k < K; ++k) S::Store(h + k * W, hv[k]);
}

template <class S>
static void ScanAllStates(int64_t N, int count, const float* dt, const float* dtu, float* y, const float* a2, float* h,
                          const float* bp, const float* cp, int64_t bc_stride) {
  constexpr int W = S::kLanes;
  int64_t n = 0;
  for (; n + 8 <= N; n += 8)
    ScanStates<S, 8>(count, dt, dtu, y, a2 + n * W, h + n * W, bp + n * bc_stride, cp + n * bc_stride, bc_stride);
  if (n + 4 <= N) {
    ScanStates<S, 4>(count, dt, dtu, y, a2 + n * W, h + n * W, bp + n * bc_stride, cp + n * bc_stride, bc_stride);
    n += 4;
  }
  if (n + 2 <= N) {
    ScanStates<S, 2>(count, dt, dtu, y, a2 + n * W, h + n * W, bp + n * bc_stride, cp + n * bc_stride, bc_stride);
    n += 2;
  }
  if (n < N) ScanStates<S, 1>(count, dt, dtu, y, a2 + n * W, h + n * W, bp + n * bc_stride, cp + n * bc_stride, bc_stride);
}

/// One task: batch b, group g, channel block `block` of that group, all tokens.
template <class S, typename T>
static void RunTask(const ScanArgs& a, size_t task) {
  using V = typename S::V;
  constexpr int W = S::kLanes;
  constexpr int TT = kTileTokens;
  const int64_t Dn = a.shape.channels, L = a.shape.length, N = a.shape.state, G = a.shape.groups;
  const int64_t per_group = Dn / G;
  const int64_t blocks = (per_group + W - 1) / W;
  const int64_t b = static_cast<int64_t>(task) / (G * blocks);
  const int64_t g = (static_cast<int64_t>(task) / blocks) % G;
  const int64_t blk = static_cast<int64_t>(task) % blocks;
  const int64_t d0 = g * per_group + blk * W;
  const int active = static_cast<int>(per_group - blk * W < W ? per_group - blk * W : W);

  // Scratch layout (floats): a2 [N][W], h [N][W], five tiles [TT][W], row buffer [TT], B/C fp32 tiles [2][N][TT].
  constexpr bool convert_bc = std::is_same_v<T, uint16_t>;
  const size_t tile = static_cast<size_t>(TT) * W;
  const size_t floats = 2 * static_cast<size_t>(N) * W + 5 * tile + TT + (convert_bc ? 2 * static_cast<size_t>(N) * TT : 0);
  float* const scratch = ThreadScratch(floats);
  std::memset(scratch, 0, floats * sizeof(float));
  float* const a2 = scratch;
  float* const h = a2 + N * W;
  float* const u_t = h + N * W;
  float* const dt_t = u_t + tile;
  float* const z_t = dt_t + tile;
  float* const dtu_t = z_t + tile;
  float* const y_t = dtu_t + tile;
  float* const row_buf = y_t + tile;
  float* const b_t = row_buf + TT;
  float* const c_t = b_t + N * TT;

  for (int c = 0; c < active; ++c)
    for (int64_t n = 0; n < N; ++n) {
      a2[n * W + c] = a.A[(d0 + c) * N + n] * kLog2e;
      if (a.initial_state) h[n * W + c] = a.initial_state[((b * Dn) + d0 + c) * N + n];
    }
  alignas(64) float bias_l[W] = {}, skip_l[W] = {};
  for (int c = 0; c < active; ++c) {
    if (a.delta_bias) bias_l[c] = a.delta_bias[d0 + c];
    if (a.D) skip_l[c] = a.D[d0 + c];
  }
  const V bias = S::Load(bias_l), skip = S::Load(skip_l);

  const int64_t row0 = (b * Dn + d0) * L;
  const T* const u = static_cast<const T*>(a.u) + row0;
  const T* const delta = static_cast<const T*>(a.delta) + row0;
  const T* const z = a.z ? static_cast<const T*>(a.z) + row0 : nullptr;
  T* const y = static_cast<T*>(a.y) + row0;
  const T* const Bg = static_cast<const T*>(a.B) + (b * G + g) * N * L;
  const T* const Cg = static_cast<const T*>(a.C) + (b * G + g) * N * L;

  for (int64_t t0 = 0; t0 < L; t0 += TT) {
    const int count = static_cast<int>(L - t0 < TT ? L - t0 : TT);
    GatherTile<S, T>(u + t0, L, active, count, u_t, row_buf);
    GatherTile<S, T>(delta + t0, L, active, count, dt_t, row_buf);
    if (z) GatherTile<S, T>(z + t0, L, active, count, z_t, row_buf);

    for (int t = 0; t < count; ++t) {  // fused discretisation: bias, softplus, dt*u, D*u
      V d = S::Add(S::Load(dt_t + t * W), bias);
      if (a.delta_softplus) d = Math<S>::Softplus(d);
      const V uv = S::Load(u_t + t * W);
      S::Store(dt_t + t * W, d);
      S::Store(dtu_t + t * W, S::Mul(d, uv));
      S::Store(y_t + t * W, S::Mul(skip, uv));
    }

    const float* bp;
    const float* cp;
    int64_t bc_stride;
    if constexpr (std::is_same_v<T, uint16_t>) {  // fp16: convert this tile of the group's B/C rows once
      for (int64_t n = 0; n < N; ++n) {
        S::HalfRowToFloat(Bg + n * L + t0, b_t + n * TT, count);
        S::HalfRowToFloat(Cg + n * L + t0, c_t + n * TT, count);
      }
      bp = b_t;
      cp = c_t;
      bc_stride = TT;
    } else {
      bp = reinterpret_cast<const float*>(Bg) + t0;
      cp = reinterpret_cast<const float*>(Cg) + t0;
      bc_stride = L;
    }
    ScanAllStates<S>(N, count, dt_t, dtu_t, y_t, a2, h, bp, cp, bc_stride);

    if (z)
      for (int t = 0; t < count; ++t) S::Store(y_t + t * W, S::Mul(S::Load(y_t + t * W), Math<S>::Silu(S::Load(z_t + t * W))));
    ScatterTile<S, T>(y_t, active, count, y + t0, L, row_buf);
  }

  if (a.last_state)
    for (int c = 0; c < active; ++c)
      for (int64_t n = 0; n < N; ++n) a.last_state[(b * Dn + d0 + c) * N + n] = h[n * W + c];
}

/// Applies a vector function to n floats; the tail goes through one zero-padded vector.
template <class S, typename S::V (*F)(typename S::V)>
static void MapArray(const float* x, float* out, size_t n) {
  constexpr size_t W = S::kLanes;
  size_t i = 0;
  for (; i + W <= n; i += W) S::Store(out + i, F(S::Load(x + i)));
  if (i < n) {
    alignas(64) float in[W] = {}, res[W];
    std::memcpy(in, x + i, (n - i) * sizeof(float));
    S::Store(res, F(S::Load(in)));
    std::memcpy(out + i, res, (n - i) * sizeof(float));
  }
}

/// Sum of 2^x over whole vectors of x (the tail is ignored): exp throughput with no stores, for the bench bound.
template <class S>
static float Exp2SumT(const float* x, size_t n) {
  constexpr size_t W = S::kLanes;
  typename S::V acc0 = S::Zero(), acc1 = S::Zero();
  size_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    acc0 = S::Add(acc0, Math<S>::Exp2(S::Load(x + i)));
    acc1 = S::Add(acc1, Math<S>::Exp2(S::Load(x + i + W)));
  }
  alignas(64) float lanes[W];
  S::Store(lanes, S::Add(acc0, acc1));
  float sum = 0.0f;
  for (size_t k = 0; k < W; ++k) sum += lanes[k];
  return sum;
}

/// The IsaKernels table for traits S.
template <class S>
static IsaKernels MakeKernels() {
  return IsaKernels{S::kLanes,
                    &RunTask<S, float>,
                    &RunTask<S, uint16_t>,
                    &MapArray<S, &Math<S>::Exp2>,
                    &Exp2SumT<S>,
                    &MapArray<S, &Math<S>::Softplus>};
}

}  // namespace mfuser::cpu::detail
