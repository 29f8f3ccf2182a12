// Block-scan CUDA forward kernel of com.mfuser::SelectiveScan (docs/gpu-kernel.md, kernel 1) and the
// kernel dispatch (LaunchSelectiveScan). The faster register-state kernel is in register_scan.cu; this one stays as
// fallback (one or two very long rows) and as oracle peer. One thread block per
// (batch, channel) row; the row is processed in chunks of kThreads·kItems tokens. For every state n the block
// builds the affine pairs (a_t, b_t) = (exp2(dt·log2e·A), dt·u·B), runs a block-wide inclusive scan with the
// composition (a0,b0)∘(a1,b1) = (a1·a0, a1·b0 + b1), and carries the chunk aggregate across chunks in shared
// memory (seeded with (1, initial_state)). Tail items are identity pairs (1, 0), so the carried prefix after the
// last chunk is exactly last_state. All arithmetic is fp32; fp16 I/O is converted on load/store.
#include <cub/block/block_load.cuh>
#include <cub/block/block_scan.cuh>
#include <cub/block/block_store.cuh>
#include <cuda_fp16.h>

#include <cfloat>

#include "selective_scan.cuh"

namespace mfuser::cuda {
namespace {

constexpr float kLog2e = 1.4426950408889634f;
constexpr float kSoftplusThreshold = 20.f;

__device__ __forceinline__ float ToFloat(float v) { return v; }
__device__ __forceinline__ float ToFloat(__half v) { return __half2float(v); }
template <typename T> __device__ __forceinline__ T FromFloat(float v);
template <> __device__ __forceinline__ float FromFloat<float>(float v) { return v; }
template <> __device__ __forceinline__ __half FromFloat<__half>(float v) { return __float2half_rn(v); }

/// Composition of two affine steps h -> a·h + b, earlier step on the left.
struct AffineCompose {
  __device__ __forceinline__ float2 operator()(const float2& earlier, const float2& later) const {
    return make_float2(later.x * earlier.x, fmaf(later.x, earlier.y, later.y));
  }
};

/// BlockScan prefix callback: returns the running prefix of the previous chunks and folds in this chunk's
/// aggregate. cub calls it from every lane of warp 0 and uses lane 0's result; lane 0 alone writes.
struct CarriedPrefix {
  float2* running;  // shared memory, one per state
  __device__ __forceinline__ float2 operator()(float2 chunk_aggregate) {
    const float2 prefix = *running;
    __syncwarp();
    if (threadIdx.x == 0) *running = AffineCompose()(prefix, chunk_aggregate);
    return prefix;
  }
};

template <int kThreads, int kItems, typename T>
__global__ void __launch_bounds__(kThreads) SelectiveScanKernel(ScanParams p) {
  using Load = cub::BlockLoad<T, kThreads, kItems, cub::BLOCK_LOAD_WARP_TRANSPOSE>;
  using Store = cub::BlockStore<T, kThreads, kItems, cub::BLOCK_STORE_WARP_TRANSPOSE>;
  using Scan = cub::BlockScan<float2, kThreads, cub::BLOCK_SCAN_WARP_SCANS>;
  constexpr int kChunk = kThreads * kItems;
  __shared__ union {
    typename Load::TempStorage load;
    typename Store::TempStorage store;
    typename Scan::TempStorage scan;
  } temp;
  __shared__ float2 running[kMaxState];

  const int64_t L = p.length, N = p.state, Dn = p.channels, G = p.groups;
  const int64_t row = blockIdx.x;  // b·D + d
  const int64_t b = row / Dn, d = row % Dn, g = d / (Dn / G);
  const T* u = static_cast<const T*>(p.u) + row * L;
  const T* delta = static_cast<const T*>(p.delta) + row * L;
  const T* z = p.z ? static_cast<const T*>(p.z) + row * L : nullptr;
  const T* Bg = static_cast<const T*>(p.Bm) + (b * G + g) * N * L;
  const T* Cg = static_cast<const T*>(p.Cm) + (b * G + g) * N * L;
  T* y = static_cast<T*>(p.y) + row * L;
  const float skip = p.D ? p.D[d] : 0.f;
  const float bias = p.delta_bias ? p.delta_bias[d] : 0.f;

  for (int n = static_cast<int>(threadIdx.x); n < N; n += kThreads)
    running[n] = make_float2(1.f, p.initial_state ? p.initial_state[row * N + n] : 0.f);
  __syncthreads();

  const T zero = FromFloat<T>(0.f);
  for (int64_t start = 0; start < L; start += kChunk) {
    const int valid = L - start < kChunk ? static_cast<int>(L - start) : kChunk;
    T raw[kItems];
    float dt[kItems], du[kItems], out[kItems];  // dt becomes dt·log2e once du is formed

    Load(temp.load).Load(delta + start, raw, valid, zero);
    __syncthreads();
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      float v = ToFloat(raw[i]) + bias;
      if (p.delta_softplus) v = v <= kSoftplusThreshold ? log1pf(expf(v)) : v;
      dt[i] = v;
    }
    Load(temp.load).Load(u + start, raw, valid, zero);
    __syncthreads();
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      const float uv = ToFloat(raw[i]);
      du[i] = dt[i] * uv;
      out[i] = skip * uv;
      // log2 e scales dt, not A (A·log2e overflows for A <= -2.36e38, and 0·-inf is NaN); clamped so that
      // dt > 2.36e38 with A = 0 still gives 2^0.
      dt[i] = fminf(dt[i] * kLog2e, FLT_MAX);
    }

    for (int n = 0; n < N; ++n) {
      const float a = p.A[d * N + n];
      T bc[kItems];
      Load(temp.load).Load(Bg + n * L + start, bc, valid, zero);
      __syncthreads();
      float2 pairs[kItems];
#pragma unroll
      for (int i = 0; i < kItems; ++i) {
        const bool in_range = static_cast<int>(threadIdx.x) * kItems + i < valid;
        pairs[i] = in_range ? make_float2(exp2f(dt[i] * a), du[i] * ToFloat(bc[i])) : make_float2(1.f, 0.f);
      }
      Load(temp.load).Load(Cg + n * L + start, bc, valid, zero);
      __syncthreads();
      CarriedPrefix prefix{&running[n]};
      Scan(temp.scan).InclusiveScan(pairs, pairs, AffineCompose(), prefix);
      __syncthreads();
#pragma unroll
      for (int i = 0; i < kItems; ++i) out[i] = fmaf(pairs[i].y, ToFloat(bc[i]), out[i]);
    }

    if (z) {
      Load(temp.load).Load(z + start, raw, valid, zero);
      __syncthreads();
#pragma unroll
      for (int i = 0; i < kItems; ++i) {
        const float zv = ToFloat(raw[i]);
        out[i] *= zv / (1.f + expf(-zv));
      }
    }
#pragma unroll
    for (int i = 0; i < kItems; ++i) raw[i] = FromFloat<T>(out[i]);
    Store(temp.store).Store(y + start, raw, valid);
    __syncthreads();
  }

  if (p.last_state)
    for (int n = static_cast<int>(threadIdx.x); n < N; n += kThreads) p.last_state[row * N + n] = running[n].y;
}

template <int kThreads, int kItems, typename T>
cudaError_t Launch(const ScanParams& p, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(p.batch * p.channels));
  SelectiveScanKernel<kThreads, kItems, T><<<grid, kThreads, 0, stream>>>(p);
  return cudaGetLastError();
}

template <typename T>
cudaError_t LaunchTyped(const ScanParams& p, LaunchShape shape, cudaStream_t stream) {
  if (shape.threads == 32 && shape.items == 4) return Launch<32, 4, T>(p, stream);
  if (shape.threads == 32 && shape.items == 8) return Launch<32, 8, T>(p, stream);
  if (shape.threads == 32 && shape.items == 16) return Launch<32, 16, T>(p, stream);
  if (shape.threads == 64 && shape.items == 16) return Launch<64, 16, T>(p, stream);
  if (shape.threads == 128 && shape.items == 16) return Launch<128, 16, T>(p, stream);
  return cudaErrorInvalidValue;
}

}  // namespace

LaunchShape DefaultLaunchShape(int64_t length) {
  if (length <= 128) return {32, 4};
  if (length <= 256) return {32, 8};
  if (length <= 512) return {32, 16};
  if (length <= 1024) return {64, 16};
  return {128, 16};
}

cudaError_t LaunchSelectiveScanWithShape(const ScanParams& p, LaunchShape shape, cudaStream_t stream) {
  if (!ValidateScanParams(p).empty()) return cudaErrorInvalidValue;
  if (p.batch == 0) return cudaSuccess;
  return p.io_type == IoType::kFloat16 ? LaunchTyped<__half>(p, shape, stream) : LaunchTyped<float>(p, shape, stream);
}

cudaError_t LaunchSelectiveScanWith(const ScanParams& p, ScanKernel kernel, cudaStream_t stream) {
  if (!ValidateScanParams(p).empty()) return cudaErrorInvalidValue;
  if (p.batch == 0) return cudaSuccess;
  if (kernel == ScanKernel::kAuto) kernel = ChooseScanKernel(p, CurrentDeviceSmCount());
  return kernel == ScanKernel::kRegister ? LaunchRegisterScan(p, 0, stream)
                                         : LaunchSelectiveScanWithShape(p, DefaultLaunchShape(p.length), stream);
}

cudaError_t LaunchSelectiveScan(const ScanParams& p, cudaStream_t stream) {
  return LaunchSelectiveScanWith(p, ScanKernel::kAuto, stream);
}

}  // namespace mfuser::cuda
