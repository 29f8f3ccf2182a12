// CUDA kernel of the register-state SelectiveScan design (register_scan.h describes it; the phase functions there
// are shared with the harness's CPU emulation). One block of kRegThreads threads per (batch, group, channel slice).
#include <cuda_fp16.h>

#include "register_scan.h"
#include "selective_scan.cuh"

namespace mfuser::cuda {
namespace {

struct IoFloat {
  static __host__ __device__ __forceinline__ float Load(const void* base, int64_t i) {
    return static_cast<const float*>(base)[i];
  }
  static __host__ __device__ __forceinline__ void Store(void* base, int64_t i, float v) {
    static_cast<float*>(base)[i] = v;
  }
};

struct IoHalf {
  static __host__ __device__ __forceinline__ float Load(const void* base, int64_t i) {
    return __half2float(static_cast<const __half*>(base)[i]);
  }
  static __host__ __device__ __forceinline__ void Store(void* base, int64_t i, float v) {
    static_cast<__half*>(base)[i] = __float2half_rn(v);
  }
};

template <typename Io, int S>
__global__ void __launch_bounds__(kRegThreads) RegisterScanKernel(ScanParams p, RegisterPlan plan) {
  extern __shared__ float4 smem_base[];  // float4: 16-byte alignment for the vector reads of B and C
  const RegisterSmem m = RegisterSmemLayout(plan, reinterpret_cast<float*>(smem_base));
  const RegisterCoords k = MakeRegisterCoords(p, plan, blockIdx.x, static_cast<int>(threadIdx.x));
  const int T = plan.chunk;

  float h[S], A[S];
  InitRegisterState<S>(p, k, h, A);
  RegisterStage stage;
  LoadRegisterChunk<Io>(p, plan, k, 0, stage);
  for (int64_t start = 0; start < p.length; start += T) {
    __syncthreads();  // the previous chunk's readers are done with shared memory
    StoreRegisterChunk(p, plan, k, start, stage, m);
    __syncthreads();
    if (start + T < p.length) LoadRegisterChunk<Io>(p, plan, k, start + T, stage);  // in flight during the compute
    for (int t0 = 0; t0 < T; t0 += kRegUnroll) StepRegisterTokens<S>(plan, k, m, t0, h, A);
    __syncthreads();
    WriteRegisterChunk<Io>(p, plan, k, start, m);
  }
  WriteRegisterLastState<S>(p, k, h);
}

template <typename Io>
cudaError_t LaunchRegisterTyped(const ScanParams& p, const RegisterPlan& plan, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(plan.grid));
  const size_t smem = sizeof(float) * plan.smem_floats;  // < 48 KiB by the plan's caps: no opt-in attribute needed
  switch (plan.states_per_thread) {
    case 1: RegisterScanKernel<Io, 1><<<grid, kRegThreads, smem, stream>>>(p, plan); break;
    case 4: RegisterScanKernel<Io, 4><<<grid, kRegThreads, smem, stream>>>(p, plan); break;
    case 16: RegisterScanKernel<Io, 16><<<grid, kRegThreads, smem, stream>>>(p, plan); break;
    default: return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

}  // namespace

int CurrentDeviceSmCount() {
  int device = 0, sms = 0;
  if (cudaGetDevice(&device) != cudaSuccess ||
      cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) != cudaSuccess) {
    cudaGetLastError();  // clear: the choice then assumes one SM
    return 1;
  }
  return sms;
}

cudaError_t LaunchRegisterScan(const ScanParams& p, int states_per_thread, cudaStream_t stream) {
  if (!ValidateScanParams(p).empty()) return cudaErrorInvalidValue;
  if (p.batch == 0) return cudaSuccess;
  if (states_per_thread == 0) states_per_thread = ChooseStatesPerThread(p, CurrentDeviceSmCount());
  RegisterPlan plan;
  if (!MakeRegisterPlan(p, states_per_thread, &plan)) return cudaErrorInvalidValue;
  return p.io_type == IoType::kFloat16 ? LaunchRegisterTyped<IoHalf>(p, plan, stream)
                                       : LaunchRegisterTyped<IoFloat>(p, plan, stream);
}

}  // namespace mfuser::cuda
