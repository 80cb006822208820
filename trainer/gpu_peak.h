// Peak dense matmul throughput of GPUs, for model FLOP utilization (MFU = model FLOP/s / peak):
// one table (gpu_peak.c, with its sources) that cctrain, bench_gpt2_cuda and scripts/torch_gpt2.py
// (which reads the table out of gpu_peak.c) all use. Plain C, no CUDA: matching is by the GPU's name.
#pragma once

typedef struct {
  const char *match;  // a substring of the CUDA device name, e.g. "H100 PCIe"
  const char *label;  // what reports print, e.g. "H100 SXM"
  double fp32, tf32, bf16;  // TFLOP/s, dense (no structured sparsity)
} gpu_peak;

// The first table row whose match occurs in device_name (more specific rows come first); NULL if none.
const gpu_peak *gpu_peak_find(const char *device_name);
// The peak for a matmul math ("fp32", "tf32", "bf16"); 0 for an unknown math.
double gpu_peak_tflops(const gpu_peak *p, const char *math);
