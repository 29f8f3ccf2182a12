// The selective-scan kernel, written once over a SIMD traits type S (simd_*.h) and instantiated per ISA in
// scan_isa_*.cc. Everything here is a template on S or `static`, so translation units built with different
// -m flags never share an out-of-line function (see half.h).
//
// Design (docs/selective-scan.md §3):
// - lanes = consecutive channels of one group; a task owns one block of S::kLanes channels of one (batch, group)
//   and runs all L tokens, so tasks never synchronise;
// - the (B,D,L) rows are read in tiles of kTileTokens tokens and transposed (8x8 register transposes on AVX) into
//   token-major [t][lane] tiles; the group's B/C rows are transposed to [t][n] likewise;
// - per token and lane, one fused pass computes dt = softplus(delta + bias), dt*log2e, dt*u and the D*u skip;
// - then the states, in register blocks of up to 8 vectors: a = 2^(dt*log2e * A), h = a*h + dt*u*B, y += h*C,
//   with B/C broadcast per (token, state) — no horizontal sums, any N;
// - last, y *= silu(z), transposed back and rounded to the I/O type once.
#pragma once
#include <cfloat>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "scan_isa.h"
#include "selective_scan_cpu.h"

namespace mfuser::cpu::detail {

constexpr int kTileTokens = 64;
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

  /// 2^x. Where the ISA scales by 2^n through the exponent field, x is first clamped to [-126, 127] (2^n stays
  /// normal; below -126 the true value is < 1.2e-38); AVX-512's scalef saturates exactly and needs no clamp.
  static V Exp2(V x) {
    if constexpr (!S::kScalesAnyExponent) x = S::Min(S::Max(x, S::Set1(-126.0f)), S::Set1(127.0f));
    const V n = S::Round(x);
    return S::ScalePow2(Exp2Reduced(S::Sub(x, n)), n);
  }

  /// e^x with Cody-Waite reduction (r = x - n ln2 in two exact steps), x clamped to [-87.336, 88]; 0 below
  /// -87.336 (just above ln FLT_MIN), where the true value is subnormal. Softplus of a very negative x thus
  /// underflows to 0 rather than saturating at a tiny normal number, which a huge |A| would turn into a decay.
  static V Exp(V x) {
    constexpr float kMin = -87.336f;  // n = -126 and p >= 1 there: the scaled result is still normal
    const V xc = S::Min(S::Max(x, S::Set1(kMin)), S::Set1(88.0f));
    const V n = S::Round(S::Mul(xc, S::Set1(kLog2e)));
    // ln2 = hi + lo with hi having 16 significant bits, so n * hi is exact even without a fused multiply-add.
    V r = S::Fma(n, S::Set1(-0x1.62e4p-1f), xc);
    r = S::Fma(n, S::Set1(-0x1.7f7d1cp-20f), r);
    return S::IfGreater(S::Set1(kMin), x, S::Zero(), S::ScalePow2(Exp2Reduced(S::Mul(r, S::Set1(kLog2e))), n));
  }

  /// log(1 + e) for e in [0, 1]: 2 atanh(s), s = e / (2 + e) <= 1/3, series to s^15 (truncation < 2e-9 rel).
  /// 2s is formed directly: for a tiny normal e, s itself would be subnormal and flushed to 0 under FTZ.
  static V Log1pUnit(V e) {
    const V s2 = S::Div(S::Add(e, e), S::Add(S::Set1(2.0f), e));
    const V w = S::Mul(S::Mul(s2, s2), S::Set1(0.25f));
    V q = S::Set1(1.0f / 15.0f);
    q = S::Fma(q, w, S::Set1(1.0f / 13.0f));
    q = S::Fma(q, w, S::Set1(1.0f / 11.0f));
    q = S::Fma(q, w, S::Set1(1.0f / 9.0f));
    q = S::Fma(q, w, S::Set1(1.0f / 7.0f));
    q = S::Fma(q, w, S::Set1(1.0f / 5.0f));
    q = S::Fma(q, w, S::Set1(1.0f / 3.0f));
    q = S::Fma(q, w, S::Set1(1.0f));
    return S::Mul(s2, q);
  }

  /// mamba's softplus: x > 20 ? x : log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|) (no overflow).
  static V Softplus(V x) {
    const V sp = S::Add(S::Max(x, S::Zero()), Log1pUnit(Exp(S::Sub(S::Zero(), S::Abs(x)))));
    return S::IfGreater(x, S::Set1(20.0f), x, sp);
  }

  /// z * sigmoid(z).
  static V Silu(V z) { return S::Div(z, S::Add(S::Set1(1.0f), Exp(S::Sub(S::Zero(), z)))); }
};

/// dst[j * dst_stride + i] = src[i * src_stride + j] for a rows x cols block; 8x8 sub-blocks in registers where
/// the ISA has a transpose, plain copies for the edges.
template <class S>
static void Transpose(const float* src, int64_t src_stride, float* dst, int64_t dst_stride, int rows, int cols) {
  int i0 = 0;
  if constexpr (S::kHasTranspose8x8) {
    for (; i0 + 8 <= rows; i0 += 8) {
      int j = 0;
      for (; j + 8 <= cols; j += 8) S::Transpose8x8(src + i0 * src_stride + j, src_stride, dst + j * dst_stride + i0, dst_stride);
      for (; j < cols; ++j)
        for (int i = i0; i < i0 + 8; ++i) dst[j * dst_stride + i] = src[i * src_stride + j];
    }
  }
  for (int i = i0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) dst[j * dst_stride + i] = src[i * src_stride + j];
}

/// Reads `active` channel rows (stride `row_stride`) x `count` tokens into the token-major tile[t * W + lane].
/// fp16 rows are converted into `block` ([W][kTileTokens] floats) first. Lanes >= active are left untouched.
template <class S, typename T>
static void GatherTile(const T* rows, int64_t row_stride, int active, int count, float* tile, float* block) {
  if constexpr (std::is_same_v<T, float>) {
    Transpose<S>(rows, row_stride, tile, S::kLanes, active, count);
  } else {
    for (int c = 0; c < active; ++c) S::HalfRowToFloat(rows + c * row_stride, block + c * kTileTokens, count);
    Transpose<S>(block, kTileTokens, tile, S::kLanes, active, count);
  }
}

/// Inverse of GatherTile for the output rows (rounding to fp16 once, here).
template <class S, typename T>
static void ScatterTile(const float* tile, int active, int count, T* rows, int64_t row_stride, float* block) {
  if constexpr (std::is_same_v<T, float>) {
    Transpose<S>(tile, S::kLanes, rows, row_stride, count, active);
  } else {
    Transpose<S>(tile, S::kLanes, block, kTileTokens, count, active);
    for (int c = 0; c < active; ++c) S::FloatRowToHalf(block + c * kTileTokens, rows + c * row_stride, count);
  }
}

/// The recurrence for K consecutive states over `count` tokens of one tile. h and A hold [K][W] floats, dt2 is
/// dt*log2e per token [count][W];
/// bp/cp point at the block's first state in token-major B/C tiles (token t at t * bc_stride); y accumulates in place.
template <class S, int K>
static void ScanStates(int count, const float* dt2, const float* dtu, float* y, const float* A, float* h,
                       const float* bp, const float* cp, int64_t bc_stride) {
  using V = typename S::V;
  constexpr int W = S::kLanes;
  V hv[K], av[K];
  for (int k = 0; k < K; ++k) {
    hv[k] = S::Load(h + k * W);
    av[k] = S::Load(A + k * W);
  }
  for (int t = 0; t < count; ++t) {
    const V d = S::Load(dt2 + t * W);
    const V du = S::Load(dtu + t * W);
    V acc = S::Load(y + t * W);
    for (int k = 0; k < K; ++k) {
      const V a = Math<S>::Exp2(S::Mul(d, av[k]));
      hv[k] = S::Fma(a, hv[k], S::Mul(du, S::Set1(bp[t * bc_stride + k])));
      acc = S::Fma(hv[k], S::Set1(cp[t * bc_stride + k]), acc);
    }
    S::Store(y + t * W, acc);
  }
  for (int k = 0; k < K; ++k) S::Store(h + k * W, hv[k]);
}

template <class S>
static void ScanAllStates(int64_t N, int count, const float* dt2, const float* dtu, float* y, const float* A, float* h,
                          const float* bp, const float* cp, int64_t bc_stride) {
  constexpr int W = S::kLanes;
  int64_t n = 0;
  for (; n + 8 <= N; n += 8)
    ScanStates<S, 8>(count, dt2, dtu, y, A + n * W, h + n * W, bp + n, cp + n, bc_stride);
  if (n + 4 <= N) {
    ScanStates<S, 4>(count, dt2, dtu, y, A + n * W, h + n * W, bp + n, cp + n, bc_stride);
    n += 4;
  }
  if (n + 2 <= N) {
    ScanStates<S, 2>(count, dt2, dtu, y, A + n * W, h + n * W, bp + n, cp + n, bc_stride);
    n += 2;
  }
  if (n < N) ScanStates<S, 1>(count, dt2, dtu, y, A + n * W, h + n * W, bp + n, cp + n, bc_stride);
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

  // Scratch (floats): A [N][W], h [N][W], five token tiles [TT][W], an fp16 row block [W][TT], the B and C
  // tiles token-major [TT][N] each, and for fp16 the converted B/C rows [2][N][TT].
  constexpr bool half_io = std::is_same_v<T, uint16_t>;
  const size_t tile = static_cast<size_t>(TT) * W, nw = static_cast<size_t>(N) * W, nt = static_cast<size_t>(N) * TT;
  const size_t floats = 2 * nw + 6 * tile + 2 * nt + (half_io ? 2 * nt : 0);
  float* const scratch = ThreadScratch(floats);
  std::memset(scratch, 0, floats * sizeof(float));
  float* const A = scratch;
  float* const h = A + nw;
  float* const u_t = h + nw;
  float* const dt_t = u_t + tile;
  float* const z_t = dt_t + tile;
  float* const dtu_t = z_t + tile;
  float* const y_t = dtu_t + tile;
  float* const block = y_t + tile;
  float* const b_t = block + tile;
  float* const c_t = b_t + nt;
  float* const bc_rows = c_t + nt;

  for (int c = 0; c < active; ++c)
    for (int64_t n = 0; n < N; ++n) {
      A[n * W + c] = a.A[(d0 + c) * N + n];
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
    GatherTile<S, T>(u + t0, L, active, count, u_t, block);
    GatherTile<S, T>(delta + t0, L, active, count, dt_t, block);
    if (z) GatherTile<S, T>(z + t0, L, active, count, z_t, block);

    // Fused discretisation: bias, softplus, dt*u, D*u, and dt*log2e for the exponent (docs/selective-scan.md §3).
    // log2 e scales dt, not A: A*log2e overflows for A <= -2.36e38 and 0 * -inf is NaN. The clamp keeps
    // dt*log2e finite for dt > 2.36e38, where A = 0 must still give 2^0.
    for (int t = 0; t < count; ++t) {
      V d = S::Add(S::Load(dt_t + t * W), bias);
      if (a.delta_softplus) d = Math<S>::Softplus(d);
      const V uv = S::Load(u_t + t * W);
      S::Store(dt_t + t * W, S::Min(S::Mul(d, S::Set1(kLog2e)), S::Set1(FLT_MAX)));
      S::Store(dtu_t + t * W, S::Mul(d, uv));
      S::Store(y_t + t * W, S::Mul(skip, uv));
    }

    // The group's B/C rows for this tile, transposed token-major so each token's states are adjacent.
    const int n_states = static_cast<int>(N);
    if constexpr (half_io) {
      for (int64_t n = 0; n < N; ++n) {
        S::HalfRowToFloat(Bg + n * L + t0, bc_rows + n * TT, count);
        S::HalfRowToFloat(Cg + n * L + t0, bc_rows + nt + n * TT, count);
      }
      Transpose<S>(bc_rows, TT, b_t, N, n_states, count);
      Transpose<S>(bc_rows + nt, TT, c_t, N, n_states, count);
    } else {
      Transpose<S>(Bg + t0, L, b_t, N, n_states, count);
      Transpose<S>(Cg + t0, L, c_t, N, n_states, count);
    }
    ScanAllStates<S>(N, count, dt_t, dtu_t, y_t, A, h, b_t, c_t, N);

    if (z)
      for (int t = 0; t < count; ++t) S::Store(y_t + t * W, S::Mul(S::Load(y_t + t * W), Math<S>::Silu(S::Load(z_t + t * W))));
    ScatterTile<S, T>(y_t, active, count, y + t0, L, block);
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
