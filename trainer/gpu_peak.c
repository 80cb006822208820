// Peak dense throughput per GPU (gpu_peak.h).
//
// Sources: NVIDIA's datasheets. They list tensor-core figures "with sparsity"; dense is half of those.
//   H100 SXM5 (device name "NVIDIA H100 80GB HBM3"): FP32 67, TF32 989 sparse -> 494.5, BF16 1979
//     sparse -> 989.5 (quoted 989) TFLOP/s. NVIDIA H100 Tensor Core GPU datasheet.
//   H100 PCIe: FP32 51, TF32 756 sparse -> 378, BF16 1513 sparse -> 756.5. Same datasheet.
//   H200 SXM: the H100 SXM's compute (FP32 67, TF32 989, BF16 1979 sparse). NVIDIA H200 datasheet.
//   A100 SXM/PCIe: FP32 19.5, TF32 156, BF16 312 (dense). NVIDIA A100 datasheet.
// scripts/torch_gpt2.py parses the rows below: keep one row per line in this form.
#include "trainer/gpu_peak.h"

#include <stddef.h>
#include <string.h>

static const gpu_peak table[] = {
    {"H100 PCIe", "H100 PCIe", 51.0, 378.0, 756.5},
    {"H100", "H100 SXM", 67.0, 494.5, 989.0},
    {"H200", "H200 SXM", 67.0, 494.5, 989.0},
    {"A100", "A100", 19.5, 156.0, 312.0},
};

const gpu_peak *gpu_peak_find(const char *device_name) {
  if (!device_name) return NULL;
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strstr(device_name, table[i].match)) return &table[i];
  return NULL;
}

double gpu_peak_tflops(const gpu_peak *p, const char *math) {
  if (!p || !math) return 0;
  if (strcmp(math, "fp32") == 0) return p->fp32;
  if (strcmp(math, "tf32") == 0) return p->tf32;
  if (strcmp(math, "bf16") == 0) return p->bf16;
  return 0;
}
