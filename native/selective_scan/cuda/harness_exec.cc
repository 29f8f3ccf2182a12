// Execution of the implementation under test (see harness_exec.h).
#include "harness_exec.h"

#include <cfloat>
#include <cmath>
#include <cstdint>

#include "harness_half.h"

namespace mfuser::harness {

const char* KernelName(ScanKernel k) {
  switch (k) {
    case ScanKernel::kAuto: return "auto";
    case ScanKernel::kBlockScan: return "blockscan";
    case ScanKernel::kRegister: return "register";
  }
  return "?";
}

namespace {

#ifdef MFUSER_HARNESS_CPU_ONLY
/// SM count assumed by the CPU build's kAuto choice (the H100's); the GPU build asks the device.
constexpr int kCpuAssumedSms = 132;

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
    float h[S], A[S];
    RegisterStage stage;
  };
  std::vector<Thread> th(kRegThreads);
  const int T = plan.chunk;
  for (int64_t block = 0; block < plan.grid; ++block) {
    for (int tid = 0; tid < kRegThreads; ++tid) {
      Thread& x = th[tid];
      x.k = MakeRegisterCoords(p, plan, block, tid);
      InitRegisterState<S>(p, x.k, x.h, x.A);
      LoadRegisterChunk<Io>(p, plan, x.k, 0, x.stage);
    }
    for (int64_t start = 0; start < p.length; start += T) {
      for (Thread& x : th) StoreRegisterChunk(p, plan, x.k, start, x.stage, m);
      if (start + T < p.length)
        for (Thread& x : th) LoadRegisterChunk<Io>(p, plan, x.k, start + T, x.stage);
      for (Thread& x : th)
        for (int t0 = 0; t0 < T; t0 += kRegUnroll) StepRegisterTokens<S>(plan, x.k, m, t0, x.h, x.A);
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

/// Sequential fp32 scan with the block-scan kernel's arithmetic (exp2 of dt·log2e times A, softplus threshold 20,
/// fp32 state).
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
      const float dt2 = std::fmin(dt * 1.4426950408889634f, FLT_MAX);
      float acc = p.D ? p.D[d] * u : 0.f;
      for (int64_t n = 0; n < N; ++n) {
        const int64_t bc = ((b * G + g) * N + n) * L + t;
        h[n] = std::exp2(dt2 * p.A[d * N + n]) * h[n] + dt * u * LoadIo(p, p.Bm, bc);
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
std::string Execute(const ScanParams& p, const Case& c, ScanKernel matrix_kernel) {
  const std::string invalid = mfuser::cuda::ValidateScanParams(p);
  if (!invalid.empty()) return invalid;
  ScanKernel kernel = c.states ? ScanKernel::kRegister : c.threads ? ScanKernel::kBlockScan : matrix_kernel;
  if (kernel == ScanKernel::kAuto) kernel = mfuser::cuda::ChooseScanKernel(p, kCpuAssumedSms);
  if (kernel == ScanKernel::kBlockScan) return ExecuteSequential(p);
  const int states = c.states ? c.states : mfuser::cuda::ChooseStatesPerThread(p, kCpuAssumedSms);
  return p.io_type == IoType::kFloat16 ? EmulateRegister<HostIoHalf>(p, states) : EmulateRegister<HostIoFloat>(p, states);
}
#else
std::string Execute(const ScanParams& p, const Case& c, ScanKernel matrix_kernel) {
  const std::string invalid = mfuser::cuda::ValidateScanParams(p);
  if (!invalid.empty()) return invalid;
  cudaError_t err = c.threads  ? mfuser::cuda::LaunchSelectiveScanWithShape(p, {c.threads, c.items}, nullptr)
                    : c.states ? mfuser::cuda::LaunchRegisterScan(p, c.states, nullptr)
                               : mfuser::cuda::LaunchSelectiveScanWith(p, matrix_kernel, nullptr);
  if (err == cudaSuccess) err = cudaDeviceSynchronize();
  return err == cudaSuccess ? std::string() : std::string("CUDA: ") + cudaGetErrorString(err);
}
#endif

}  // namespace

#ifdef MFUSER_HARNESS_CPU_ONLY
const char* const kImplementation =
    "cpu dry run: register kernel emulated from register_scan.h; block-scan kernel replaced by a sequential fp32 scan";
#else
const char* const kImplementation = "cuda-kernel";
#endif

IoTensor IoTensor::From(const std::vector<float>& v, bool fp16) {
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

std::string RunImpl(const Case& c, ScanKernel kernel, const HostData& h, const std::vector<float>* init_override,
                    bool want_last, std::vector<float>& y, std::vector<float>& last) {
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
  const std::string err = Execute(p, c, kernel);
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

}  // namespace mfuser::harness
