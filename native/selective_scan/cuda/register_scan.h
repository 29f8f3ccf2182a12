// The "register-state" SelectiveScan kernel design (second kernel; the block-scan kernel of selective_scan.cu stays
// as fallback and oracle peer). Plain C++ usable from host and device code, so the CPU dry run of device-check.sh
// executes exactly these phase functions (one simulated thread at a time) and checks them against the oracle.
//
// Design: sequential in time, state in registers. A thread owns S consecutive states of one (batch, channel) row;
// the P = pow2ceil(ceil(N/S)) lanes of a row sit side by side. A block of kRegThreads threads covers
// kRegThreads/P channels of ONE (batch, group), so B and C of a token are shared by the whole block: each chunk of
// `chunk` tokens of u, softplus(delta) (per channel) and B, C (per group, transposed to [token][state]) is staged
// through (dynamic) shared memory with coalesced loads; the loads of chunk k+1 are issued into registers before
// chunk k is computed (software pipelining). Per token and state the thread does one exp2 (dt pre-scaled by log2 e)
// and three FMA-class operations, with S independent recurrences and 4 tokens unrolled for instruction-level
// parallelism; it stores its partial y (Σ of h·C over its states) per token to shared memory, and the coalesced
// output pass sums the P partials of each (channel, token) — no shuffle latency on the recurrence's critical path.
// Tokens past L are (dt, u) = (0, 0), i.e. the identity step; states past N have A = B = C = 0 and stay 0;
// channels past the group's end compute and write nothing.
#pragma once
#include <cfloat>
#include <cmath>
#include <cstdint>

#include "scan_params.h"

#if defined(__CUDACC__)
#define MFUSER_HD __host__ __device__ __forceinline__
#define MFUSER_UNROLL _Pragma("unroll")
#else
#define MFUSER_HD inline
#define MFUSER_UNROLL
#endif

namespace mfuser::cuda {

constexpr int kRegThreads = 64;       // threads per block
constexpr int kRegRowPerThread = 8;   // staged u / dt elements per thread and chunk
constexpr int kRegBcPerThread = 16;   // staged B / C elements per thread and chunk
constexpr int kRegRowCap = kRegThreads * kRegRowPerThread;  // channels_per_block · chunk ≤ this
constexpr int kRegBcCap = kRegThreads * kRegBcPerThread;    // padded_state · chunk ≤ this
constexpr int kRegMaxChunk = 128;
constexpr int kRegSmemTarget = 4864;  // floats (19 KiB) of shared memory per block, unless chunk = kRegUnroll needs more
constexpr int kRegUnroll = 4;  // tokens per step of the compute loop (chunk is a multiple of it)
constexpr float kRegLog2e = 1.4426950408889634f;

/// Launch geometry of the register kernel for one call.
struct RegisterPlan {
  int states_per_thread = 0;   // S ∈ {1, 4, 16}
  int lanes = 0;               // P: lanes per channel, a power of two ≤ 32, P·S ≥ N
  int padded_state = 0;        // P·S
  int channels_per_block = 0;  // kRegThreads / P
  int chunk = 0;               // tokens per staged chunk: power of two in [kRegUnroll, kRegMaxChunk]
  int chunk_log2 = 0;          // log2(chunk): staging indices use shifts, not divisions
  int smem_floats = 0;         // dynamic shared memory (RegisterSmemLayout)
  int64_t blocks_per_group = 0;  // ceil((D / G) / channels_per_block)
  int64_t grid = 0;              // B · G · blocks_per_group
};

/// Plan with S states per thread; false when S is not 1, 4 or 16, or would need more than 32 lanes per channel.
/// Expects ValidateScanParams(p) to be empty.
inline bool MakeRegisterPlan(const ScanParams& p, int S, RegisterPlan* plan) {
  if (S != 1 && S != 4 && S != 16) return false;
  const int64_t per_channel = (p.state + S - 1) / S;
  if (per_channel > 32) return false;
  RegisterPlan r;
  r.states_per_thread = S;
  r.lanes = 1;
  while (r.lanes < per_channel) r.lanes *= 2;
  r.padded_state = r.lanes * S;
  r.channels_per_block = kRegThreads / r.lanes;
  auto smem_floats = [&r](int chunk) {  // RegisterSmemLayout's arrays
    return 2 * r.padded_state * chunk + (kRegThreads + 1) * chunk + 3 * r.channels_per_block * (chunk + 1);
  };
  // S = 1 (forced, or N < 4 lanes' worth) trades occupancy for a long prefetch distance: it may use twice the
  // shared memory.
  const int smem_target = S == 1 ? 2 * kRegSmemTarget : kRegSmemTarget;
  r.chunk = kRegMaxChunk;
  while (r.chunk > kRegUnroll && (r.channels_per_block * r.chunk > kRegRowCap ||
                                  r.padded_state * r.chunk > kRegBcCap || smem_floats(r.chunk) > smem_target))
    r.chunk /= 2;
  if (r.channels_per_block * r.chunk > kRegRowCap || r.padded_state * r.chunk > kRegBcCap) return false;
  while ((1 << r.chunk_log2) < r.chunk) ++r.chunk_log2;
  r.smem_floats = smem_floats(r.chunk);
  const int64_t per_group = p.channels / p.groups;
  r.blocks_per_group = (per_group + r.channels_per_block - 1) / r.channels_per_block;
  r.grid = p.batch * p.groups * r.blocks_per_group;
  if (r.grid > INT32_MAX) return false;
  *plan = r;
  return true;
}

/// States per thread for the automatic choice: S = 4 wherever it has a plan (N ≤ 128), else the smallest S that covers
/// N. Measured on an H100 (bench/results/2026-11-26-nvidia-h100-selective-scan-cuda-register.json): S = 4 beat S = 1
/// by 1.3-1.7x on the shapes where the register kernel wins at all (B·D ≥ 4096); S = 16 was 2-3x slower than S = 4.
/// 0 when no S covers N (cannot happen for N ≤ kMaxState).
inline int ChooseStatesPerThread(const ScanParams& p, int /*sm_count*/) {
  for (int S : {4, 16, 1}) {
    RegisterPlan plan;
    if (MakeRegisterPlan(p, S, &plan)) return S;
  }
  return 0;
}

/// Which kernel LaunchSelectiveScan runs.
enum class ScanKernel { kAuto, kBlockScan, kRegister };

/// Rows (B·D) per SM from which the register kernel is chosen. Measured on an H100 (132 SMs), N = 16: register S=4
/// vs block-scan was 1.16x faster at B·D = 4096 (31 rows/SM) and 1.85x at 16384, but 2-4x slower at B·D ≤ 2048, where
/// too few sequential rows exist to hide exp2/FMA latency and the block scan's 128 threads per row win. Unverified
/// on Orin (16 SMs): the threshold scales with the SM count, which is the assumption to check there.
inline constexpr int64_t kRegisterMinRowsPerSm = 30;

/// The automatic rule: the register kernel when B·D ≥ kRegisterMinRowsPerSm·SMs and it has a plan; else block scan.
inline ScanKernel ChooseScanKernel(const ScanParams& p, int sm_count) {
  const int S = ChooseStatesPerThread(p, sm_count);
  RegisterPlan plan;
  if (S == 0 || !MakeRegisterPlan(p, S, &plan)) return ScanKernel::kBlockScan;
  if (p.batch * p.channels < kRegisterMinRowsPerSm * (sm_count > 0 ? sm_count : 1)) return ScanKernel::kBlockScan;
  return ScanKernel::kRegister;
}

// ------------------------------------------------------------------------------------------------------------------
// Phase functions of one block (the kernel in register_scan.cu; the CPU emulation in harness_exec.cc). `Io` converts the
// I/O element type: static float Load(const void* base, int64_t i); static void Store(void* base, int64_t i, float).

/// (B, C) of one token and state, and (dt, dt·u) of one token and channel: one 8-byte shared-memory access each.
struct alignas(8) FloatPair {
  float x, y;
};

/// Shared-memory arrays of one block, carved from plan.smem_floats floats: bc = (B, C) [token][padded_state]
/// (first: 16-byte aligned, so S ≥ 4 reads two states per 16 bytes), partial y [token][kRegThreads + 1],
/// dtdu = (dt, dt·u) and u [channel][chunk + 1] (the +1s against bank conflicts).
struct RegisterSmem {
  FloatPair* bc;
  float* part;
  FloatPair* dtdu;
  float* u;
};

MFUSER_HD RegisterSmem RegisterSmemLayout(const RegisterPlan& plan, float* base) {
  RegisterSmem m;
  m.bc = reinterpret_cast<FloatPair*>(base);
  m.part = base + 2 * plan.padded_state * plan.chunk;
  m.dtdu = reinterpret_cast<FloatPair*>(m.part + (kRegThreads + 1) * plan.chunk);  // offset a multiple of 4 floats
  m.u = reinterpret_cast<float*>(m.dtdu + plan.channels_per_block * (plan.chunk + 1));
  return m;
}

/// Where a block and a thread sit.
struct RegisterCoords {
  int64_t b, g, d0;  // batch, group, first channel of the block
  int channels;      // channels of the block that exist (≤ channels_per_block)
  int tid, c, lane;  // thread, its channel within the block, its lane within the channel (states lane·S ...)
};

MFUSER_HD RegisterCoords MakeRegisterCoords(const ScanParams& p, const RegisterPlan& plan, int64_t block, int tid) {
  RegisterCoords k;
  const int64_t per_group = p.channels / p.groups;
  const int64_t bg = block / plan.blocks_per_group, part = block % plan.blocks_per_group;
  k.b = bg / p.groups;
  k.g = bg % p.groups;
  k.d0 = k.g * per_group + part * plan.channels_per_block;
  const int64_t left = per_group - part * plan.channels_per_block;
  k.channels = static_cast<int>(left < plan.channels_per_block ? left : plan.channels_per_block);
  k.tid = tid;
  k.c = tid / plan.lanes;
  k.lane = tid % plan.lanes;
  return k;
}

/// Staging registers of one thread for one chunk (raw values converted to float; dt before softplus).
struct RegisterStage {
  float u[kRegRowPerThread], dt[kRegRowPerThread], B[kRegBcPerThread], C[kRegBcPerThread];
};

/// Coalesced loads of chunk [start, start + chunk) into `s`; out-of-range tokens/channels/states read as 0.
template <typename Io>
MFUSER_HD void LoadRegisterChunk(const ScanParams& p, const RegisterPlan& plan, const RegisterCoords& k,
                                 int64_t start, RegisterStage& s) {
  const int T = plan.chunk;
MFUSER_UNROLL
  for (int j = 0; j < kRegRowPerThread; ++j) {
    const int i = k.tid + j * kRegThreads, c = i >> plan.chunk_log2, t = i & (T - 1);
    const bool in = c < k.channels && start + t < p.length;
    const int64_t at = ((k.b * p.channels) + k.d0 + c) * p.length + start + t;
    s.u[j] = in ? Io::Load(p.u, at) : 0.f;
    s.dt[j] = in ? Io::Load(p.delta, at) : 0.f;
  }
MFUSER_UNROLL
  for (int j = 0; j < kRegBcPerThread; ++j) {
    const int i = k.tid + j * kRegThreads, n = i >> plan.chunk_log2, t = i & (T - 1);
    const bool in = n < p.state && start + t < p.length && i < plan.padded_state * T;
    const int64_t at = ((k.b * p.groups + k.g) * p.state + n) * p.length + start + t;
    s.B[j] = in ? Io::Load(p.Bm, at) : 0.f;
    s.C[j] = in ? Io::Load(p.Cm, at) : 0.f;
  }
}

/// Writes the staged chunk to shared memory: (dt·log2e, dt·u) with dt = softplus(delta + bias) for real tokens, 0
/// (identity step) past L. log2 e scales dt, not A: A·log2e overflows for A <= -2.36e38, and 0·-inf is NaN; the
/// clamp keeps dt·log2e finite for dt > 2.36e38, where A = 0 must still give 2^0.
MFUSER_HD void StoreRegisterChunk(const ScanParams& p, const RegisterPlan& plan, const RegisterCoords& k,
                                  int64_t start, const RegisterStage& s, const RegisterSmem& m) {
  const int T = plan.chunk;
MFUSER_UNROLL
  for (int j = 0; j < kRegRowPerThread; ++j) {
    const int i = k.tid + j * kRegThreads, c = i >> plan.chunk_log2, t = i & (T - 1);
    if (c >= plan.channels_per_block) continue;
    float v = 0.f;
    if (c < k.channels && start + t < p.length) {
      v = s.dt[j] + (p.delta_bias ? p.delta_bias[k.d0 + c] : 0.f);
      if (p.delta_softplus) v = v <= 20.f ? log1pf(expf(v)) : v;
    }
    m.u[c * (T + 1) + t] = s.u[j];
    m.dtdu[c * (T + 1) + t] = FloatPair{fminf(v * kRegLog2e, FLT_MAX), v * s.u[j]};
  }
MFUSER_UNROLL
  for (int j = 0; j < kRegBcPerThread; ++j) {
    const int i = k.tid + j * kRegThreads, n = i >> plan.chunk_log2, t = i & (T - 1);
    if (n >= plan.padded_state) continue;
    m.bc[t * plan.padded_state + n] = FloatPair{s.B[j], s.C[j]};
  }
}

/// This thread's states: h from initial_state (0 past N or when absent), A (0 past N).
template <int S>
MFUSER_HD void InitRegisterState(const ScanParams& p, const RegisterCoords& k, float (&h)[S], float (&A)[S]) {
  const bool channel_ok = k.c < k.channels;
  const int64_t d = k.d0 + k.c, row = k.b * p.channels + d;
MFUSER_UNROLL
  for (int s = 0; s < S; ++s) {
    const int64_t n = int64_t{k.lane} * S + s;
    const bool ok = channel_ok && n < p.state;
    h[s] = ok && p.initial_state ? p.initial_state[row * p.state + n] : 0.f;
    A[s] = ok ? p.A[d * p.state + n] : 0.f;
  }
}

/// Advances this thread's S states over tokens t0 .. t0 + kRegUnroll - 1 of the staged chunk and stores each
/// token's partial y (Σ over this thread's states of h·C) to m.part; WriteRegisterChunk sums a row's lanes.
template <int S>
MFUSER_HD void StepRegisterTokens(const RegisterPlan& plan, const RegisterCoords& k, const RegisterSmem& m, int t0,
                                  float (&h)[S], const float (&A)[S]) {
  const int T = plan.chunk, n0 = k.lane * S, c = k.c;  // c < channels_per_block as tid < kRegThreads
MFUSER_UNROLL
  for (int j = 0; j < kRegUnroll; ++j) {
    const int t = t0 + j;
    const FloatPair dtdu = m.dtdu[c * (T + 1) + t];
    const float dt2 = dtdu.x, du = dtdu.y;  // dt·log2e, dt·u
    float Bt[S], Ct[S];
#if defined(__CUDA_ARCH__)
    if constexpr (S % 2 == 0) {  // 16-byte aligned: padded_state and n0 are even
MFUSER_UNROLL
      for (int q = 0; q < S / 2; ++q) {
        const float4 v = reinterpret_cast<const float4*>(m.bc + t * plan.padded_state + n0)[q];
        Bt[2 * q] = v.x; Ct[2 * q] = v.y; Bt[2 * q + 1] = v.z; Ct[2 * q + 1] = v.w;
      }
    } else
#endif
    {
MFUSER_UNROLL
      for (int s = 0; s < S; ++s) {
        const FloatPair v = m.bc[t * plan.padded_state + n0 + s];
        Bt[s] = v.x;
        Ct[s] = v.y;
      }
    }
    float acc = 0.f;
MFUSER_UNROLL
    for (int s = 0; s < S; ++s) {
      h[s] = fmaf(exp2f(dt2 * A[s]), h[s], du * Bt[s]);
      acc = fmaf(h[s], Ct[s], acc);
    }
    m.part[t * (kRegThreads + 1) + k.tid] = acc;
  }
}

/// Output of the staged chunk: y = (Σ_n h·C + D·u) · silu(z), coalesced over (channel, token).
template <typename Io>
MFUSER_HD void WriteRegisterChunk(const ScanParams& p, const RegisterPlan& plan, const RegisterCoords& k,
                                  int64_t start, const RegisterSmem& m) {
  const int T = plan.chunk;
  for (int i = k.tid; i < k.channels * T; i += kRegThreads) {
    const int c = i >> plan.chunk_log2, t = i & (T - 1);
    if (start + t >= p.length) continue;
    const int64_t d = k.d0 + c, at = (k.b * p.channels + d) * p.length + start + t;
    float out = 0.f;
    const float* part = m.part + t * (kRegThreads + 1) + c * plan.lanes;
    for (int l = 0; l < plan.lanes; ++l) out += part[l];
    if (p.D) out = fmaf(p.D[d], m.u[c * (T + 1) + t], out);
    if (p.z) {
      const float zv = Io::Load(p.z, at);
      out *= zv / (1.f + expf(-zv));
    }
    Io::Store(p.y, at, out);
  }
}

template <int S>
MFUSER_HD void WriteRegisterLastState(const ScanParams& p, const RegisterCoords& k, const float (&h)[S]) {
  if (!p.last_state || k.c >= k.channels) return;
  const int64_t row = k.b * p.channels + k.d0 + k.c;
MFUSER_UNROLL
  for (int s = 0; s < S; ++s) {
    const int64_t n = int64_t{k.lane} * S + s;
    if (n < p.state) p.last_state[row * p.state + n] = h[s];
  }
}

}  // namespace mfuser::cuda
