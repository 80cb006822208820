// The GPU peak table (trainer/gpu_peak.h): names of real devices find their row, more specific rows
// first, and each math its column.
#include "common/tests/check.h"
#include "trainer/gpu_peak.h"

int main(void) {
  const gpu_peak *sxm = gpu_peak_find("NVIDIA H100 80GB HBM3");
  CHECK(sxm && gpu_peak_tflops(sxm, "bf16") == 989.0 && gpu_peak_tflops(sxm, "tf32") == 494.5 &&
        gpu_peak_tflops(sxm, "fp32") == 67.0);
  const gpu_peak *pcie = gpu_peak_find("NVIDIA H100 PCIe");
  CHECK(pcie && pcie != sxm && gpu_peak_tflops(pcie, "bf16") == 756.5);
  CHECK(gpu_peak_find("NVIDIA H200") && gpu_peak_tflops(gpu_peak_find("NVIDIA H200"), "bf16") == 989.0);
  CHECK(gpu_peak_find("NVIDIA A100-SXM4-80GB") && gpu_peak_tflops(gpu_peak_find("NVIDIA A100-SXM4-80GB"), "tf32") == 156.0);
  CHECK(gpu_peak_find("NVIDIA GeForce RTX 4090") == NULL && gpu_peak_find(NULL) == NULL);
  CHECK(gpu_peak_tflops(sxm, "fp16") == 0 && gpu_peak_tflops(NULL, "bf16") == 0);
  return check_done("trainer_gpu_peak");
}
