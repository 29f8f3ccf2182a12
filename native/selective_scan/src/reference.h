// Scalar fp64 oracle of com.mfuser::SelectiveScan (docs/selective-scan.md §1), the reference
// every implementation (CPU op, CUDA kernel, TensorRT plugin, portable ONNX decomposition) is tested against.
// Deliberately naive: one (b, d) row at a time, double everywhere, no vectorisation.
#pragma once
#include <cmath>
#include <cstdint>

namespace mfuser::reference {

/// Shapes and optional inputs of one scan call. Pointers that are null mean "input absent".
/// Layouts: u, delta, z, y: (B, D, L); A: (D, N); Bm, Cm: (B, G, N, L); D, delta_bias: (D);
/// initial_state, last_state: (B, D, N). Inputs are given as double (already rounded to the I/O type by the caller).
struct ScanArgs {
  int64_t batch = 1, channels = 1, length = 1, state = 1, groups = 1;
  const double* u = nullptr;
  const double* delta = nullptr;
  const double* A = nullptr;
  const double* Bm = nullptr;
  const double* Cm = nullptr;
  const double* D = nullptr;
  const double* z = nullptr;
  const double* delta_bias = nullptr;
  const double* initial_state = nullptr;
  bool delta_softplus = true;
};

inline double softplus20(double x) { return x <= 20.0 ? std::log1p(std::exp(x)) : x; }

/// y: (B, D, L); last_state: (B, D, N) or null.
inline void selective_scan(const ScanArgs& a, double* y, double* last_state) {
  const int64_t Bn = a.batch, Dn = a.channels, L = a.length, N = a.state, G = a.groups;
  const int64_t per_group = Dn / G;
  double h[1024];  // N <= 1024 in every test shape
  for (int64_t b = 0; b < Bn; ++b)
    for (int64_t d = 0; d < Dn; ++d) {
      const int64_t g = d / per_group;
      for (int64_t n = 0; n < N; ++n) h[n] = a.initial_state ? a.initial_state[(b * Dn + d) * N + n] : 0.0;
      const int64_t row = (b * Dn + d) * L;
      const double* Bg = a.Bm + (b * G + g) * N * L;
      const double* Cg = a.Cm + (b * G + g) * N * L;
      for (int64_t t = 0; t < L; ++t) {
        double dt = a.delta[row + t] + (a.delta_bias ? a.delta_bias[d] : 0.0);
        if (a.delta_softplus) dt = softplus20(dt);
        const double u = a.u[row + t];
        double acc = 0.0;
        for (int64_t n = 0; n < N; ++n) {
          h[n] = std::exp(dt * a.A[d * N + n]) * h[n] + dt * u * Bg[n * L + t];
          acc += h[n] * Cg[n * L + t];
        }
        if (a.D) acc += u * a.D[d];
        if (a.z) {
          const double zv = a.z[row + t];
          acc *= zv / (1.0 + std::exp(-zv));
        }
        y[row + t] = acc;
      }
      if (last_state)
        for (int64_t n = 0; n < N; ++n) last_state[(b * Dn + d) * N + n] = h[n];
    }
}

}  // namespace mfuser::reference
