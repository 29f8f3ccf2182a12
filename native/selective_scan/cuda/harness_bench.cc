// Throughput of the CUDA kernels (see harness_bench.h).
#include "harness_bench.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <utility>

#include "harness_exec.h"

namespace mfuser::harness {

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

}  // namespace mfuser::harness
