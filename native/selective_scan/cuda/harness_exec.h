// Execution of the implementation under test: the CUDA kernels (device buffers, launches), or in the CPU dry run
// (-DMFUSER_HARNESS_CPU_ONLY) the register kernel's phase functions emulated thread by thread and, for the block-scan
// kernel, a sequential fp32 scan with the kernel's arithmetic.
#pragma once
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "harness_cases.h"
#include "register_scan.h"
#include "scan_params.h"
#ifndef MFUSER_HARNESS_CPU_ONLY
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>

#include "selective_scan.cuh"
#endif

namespace mfuser::harness {

using mfuser::cuda::IoType;
using mfuser::cuda::ScanKernel;
using mfuser::cuda::ScanParams;

const char* KernelName(ScanKernel k);

/// What runs: "cuda-kernel", or the CPU dry run's stand-ins.
extern const char* const kImplementation;

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
#endif

/// I/O tensor in the case's element type, resident in a Buffer.
struct IoTensor {
  std::unique_ptr<Buffer> buf;
  static IoTensor From(const std::vector<float>& v, bool fp16);
  void* get() const { return buf ? buf->get() : nullptr; }
};

/// Runs the implementation on `h` (optionally overriding initial_state); fills y (as float) and last_state.
/// `kernel` is the kernel for cases that force none (--kernel). Returns an error message, empty on success.
std::string RunImpl(const Case& c, ScanKernel kernel, const HostData& h, const std::vector<float>* init_override,
                    bool want_last, std::vector<float>& y, std::vector<float>& last);

}  // namespace mfuser::harness
