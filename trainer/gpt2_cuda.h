// The GPT-2 model on one GPU: the CUDA twin of trainer/gpt2.h, same math, same flat layouts.
//
// Parameters and gradients are one device array each, in gpt2_config.h's llm.c order, so the gradient
// is one contiguous device buffer that the gradient sync can average bucket by bucket (a bucket is a
// slice) and AdamW (optim_cuda.h) can step tensor by tensor. Activations are laid out as the CPU
// model's. Matmuls go through cuBLAS; every other layer is a kernel of trainer/layers_cuda.h.
//
// Everything is enqueued on the stream the model is created with, in program order; only the calls
// that return host values (gpt2_cuda_forward's loss, the downloads) wait for it.
//
// Agreement with the CPU model (trainer/tests/test_gpt2_cuda.c): fp32 within about 1e-5 relative on
// the loss and 1e-4 relative (per tensor, L2) on the gradients; TF32 and bf16 matmuls are looser (see
// docs/trainer-cuda.md). Run to run on one GPU the results are the same bits: no kernel adds floats
// with atomics, and cuBLAS is reproducible on one stream.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "trainer/gpt2_config.h"

// How the matmuls compute. Storage is f32 in every mode (master weights, activations, gradients).
typedef enum {
  GPT2_MATH_FP32,  // cuBLAS in true f32 (CUBLAS_DEFAULT_MATH: no TF32)
  GPT2_MATH_TF32,  // f32 operands rounded to TF32 on the tensor cores, f32 accumulation
  GPT2_MATH_BF16,  // operands cast to bf16 for each matmul (cublasGemmEx), f32 accumulation and output
} gpt2_math;

// "fp32", "tf32", "bf16"; and the mode a name means (-1 for an unknown name).
const char *gpt2_math_name(gpt2_math math);
int gpt2_math_parse(const char *name);

typedef struct {
  cudaStream_t stream;  // the model's work goes here (0: the legacy default stream)
  gpt2_math math;
  // Allocator of the parameter and gradient arrays (NULL: cudaMalloc / cudaFree). cctrain passes the
  // collectives' registered allocator, which the IPC transport needs to find the buffers it sends.
  void *(*alloc)(size_t bytes);
  void (*free)(void *p);
} gpt2_cuda_options;

typedef struct gpt2_cuda gpt2_cuda;

// Parameters (zero), gradients (zero) and activations on the current device for batches up to B x T.
// Fatal on a bad config or when memory runs out. Needs a GPU (ask kernels/cuda_device.h first).
gpt2_cuda *gpt2_cuda_create(const gpt2_config *c, int B, int T, const gpt2_cuda_options *o);
void gpt2_cuda_free(gpt2_cuda *m);
const gpt2_config *gpt2_cuda_get_config(const gpt2_cuda *m);
size_t gpt2_cuda_param_count(const gpt2_cuda *m);
// Device arrays of gpt2_cuda_param_count floats, gpt2_param_offsets layout.
float *gpt2_cuda_params(gpt2_cuda *m);
float *gpt2_cuda_grads(gpt2_cuda *m);
// Bytes of device memory the model holds (parameters, gradients, activations, scratch).
size_t gpt2_cuda_device_bytes(const gpt2_cuda *m);

// Copies between the host and the device arrays (synchronous: they return with the copy done).
void gpt2_cuda_upload_params(gpt2_cuda *m, const float *host);
void gpt2_cuda_download_params(gpt2_cuda *m, float *host);
void gpt2_cuda_download_grads(gpt2_cuda *m, float *host);

// As gpt2_forward: inputs, targets are host arrays of B*T tokens in [0, V) (fatal otherwise; targets
// may be NULL). Returns the mean cross-entropy (waits for the forward to finish), NAN without targets.
float gpt2_cuda_forward(gpt2_cuda *m, const int *inputs, const int *targets, int B, int T);
void gpt2_cuda_zero_grads(gpt2_cuda *m);
// Adds the gradient of the last forward's mean loss to the gradients, asynchronously (fatal if the
// forward had no targets). Does not change the activations: it may run again on the same forward.
void gpt2_cuda_backward(gpt2_cuda *m);

#ifdef __cplusplus
}
#endif
