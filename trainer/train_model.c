// The trained model on the CPU or the GPU (train_model.h).
#include "trainer/train_model.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#ifdef CCBENCH_HAVE_CUDA
#include <cuda_runtime.h>

#include "common/check_cuda.h"
#include "trainer/gpt2_cuda.h"
#include "trainer/optim_cuda.h"

typedef struct {
  gpt2_cuda *model;
  cudaStream_t stream;
  float *adam_m, *adam_v;  // device
  double *norm_work;       // GRAD_NORM_WORKSPACE doubles, device
} gpu_side;
#endif

void train_model_create(train_model *tm, const gpt2_config *c, int B, int T, const train_model_options *o) {
  memset(tm, 0, sizeof *tm);
  tm->cuda = o->cuda;
  tm->n = gpt2_num_params(c);
  if (!o->cuda) {
    tm->cpu = gpt2_create(c, B, T);
    tm->params_host = gpt2_params(tm->cpu);
    tm->grads = gpt2_grads(tm->cpu);
    tm->adam_m_host = cc_calloc(tm->n, sizeof(float));
    tm->adam_v_host = cc_calloc(tm->n, sizeof(float));
    return;
  }
#ifdef CCBENCH_HAVE_CUDA
  gpu_side *g = cc_calloc(1, sizeof *g);
  g->stream = (cudaStream_t)o->stream;
  gpt2_cuda_options opt = {.stream = g->stream, .math = (gpt2_math)o->math, .alloc = o->alloc, .free = o->free};
  g->model = gpt2_cuda_create(c, B, T, &opt);
  size_t bytes = tm->n * sizeof(float);
  CC_CHECK_CUDA(cudaMalloc((void **)&g->adam_m, bytes));
  CC_CHECK_CUDA(cudaMalloc((void **)&g->adam_v, bytes));
  CC_CHECK_CUDA(cudaMemsetAsync(g->adam_m, 0, bytes, g->stream));
  CC_CHECK_CUDA(cudaMemsetAsync(g->adam_v, 0, bytes, g->stream));
  CC_CHECK_CUDA(cudaMalloc((void **)&g->norm_work, GRAD_NORM_WORKSPACE * sizeof(double)));
  tm->gpu = g;
  tm->grads = gpt2_cuda_grads(g->model);
  // The host copies; the init only needs a CPU model for its parameter draws (gpt2_init_params), so
  // it gets the smallest batch.
  tm->cpu = gpt2_create(c, 1, 1);
  tm->params_host = gpt2_params(tm->cpu);
  tm->adam_m_host = cc_calloc(tm->n, sizeof(float));
  tm->adam_v_host = cc_calloc(tm->n, sizeof(float));
#else
  CC_FATAL("train_model_create: this build has no CUDA");
#endif
}

void train_model_free(train_model *tm) {
#ifdef CCBENCH_HAVE_CUDA
  gpu_side *g = tm->gpu;
  if (g) {
    CC_CHECK_CUDA(cudaStreamSynchronize(g->stream));
    CC_CHECK_CUDA(cudaFree(g->adam_m));
    CC_CHECK_CUDA(cudaFree(g->adam_v));
    CC_CHECK_CUDA(cudaFree(g->norm_work));
    gpt2_cuda_free(g->model);
    free(g);
  }
#endif
  gpt2_free(tm->cpu);
  free(tm->adam_m_host);
  free(tm->adam_v_host);
  memset(tm, 0, sizeof *tm);
}

void train_model_init_params(train_model *tm, unsigned long long seed) { gpt2_init_params(tm->cpu, seed); }

#ifdef CCBENCH_HAVE_CUDA
static void copy(gpu_side *g, void *dst, const void *src, size_t bytes, enum cudaMemcpyKind kind) {
  CC_CHECK_CUDA(cudaMemcpyAsync(dst, src, bytes, kind, g->stream));
  CC_CHECK_CUDA(cudaStreamSynchronize(g->stream));
}
#endif

void train_model_params_to_host(train_model *tm) {
#ifdef CCBENCH_HAVE_CUDA
  gpu_side *g = tm->gpu;
  if (g) gpt2_cuda_download_params(g->model, tm->params_host);
#endif
}

void train_model_to_host(train_model *tm) {
#ifdef CCBENCH_HAVE_CUDA
  gpu_side *g = tm->gpu;
  if (!g) return;
  size_t bytes = tm->n * sizeof(float);
  gpt2_cuda_download_params(g->model, tm->params_host);
  copy(g, tm->adam_m_host, g->adam_m, bytes, cudaMemcpyDeviceToHost);
  copy(g, tm->adam_v_host, g->adam_v, bytes, cudaMemcpyDeviceToHost);
#endif
}

void train_model_from_host(train_model *tm) {
#ifdef CCBENCH_HAVE_CUDA
  gpu_side *g = tm->gpu;
  if (!g) return;
  size_t bytes = tm->n * sizeof(float);
  gpt2_cuda_upload_params(g->model, tm->params_host);
  copy(g, g->adam_m, tm->adam_m_host, bytes, cudaMemcpyHostToDevice);
  copy(g, g->adam_v, tm->adam_v_host, bytes, cudaMemcpyHostToDevice);
#endif
}

void train_model_zero_grads(train_model *tm) {
#ifdef CCBENCH_HAVE_CUDA
  gpu_side *g = tm->gpu;
  if (g) {
    gpt2_cuda_zero_grads(g->model);
    return;
  }
#endif
  gpt2_zero_grads(tm->cpu);
}

float train_model_forward(train_model *tm, const int *inputs, const int *targets, int B, int T) {
#ifdef CCBENCH_HAVE_CUDA
  gpu_side *g = tm->gpu;
  if (g) return gpt2_cuda_forward(g->model, inputs, targets, B, T);
#endif
  return gpt2_forward(tm->cpu, inputs, targets, B, T);
}

void train_model_backward(train_model *tm) {
#ifdef CCBENCH_HAVE_CUDA
  gpu_side *g = tm->gpu;
  if (g) {
    gpt2_cuda_backward(g->model);
    return;
  }
#endif
  gpt2_backward(tm->cpu);
}

void train_model_backward_hook(train_model *tm, void (*done)(void *ctx, int stage), void *ctx) {
  if (!tm->gpu) gpt2_backward_hook(tm->cpu, done, ctx);
}

void train_model_wait(train_model *tm) {
#ifdef CCBENCH_HAVE_CUDA
  gpu_side *g = tm->gpu;
  if (g) CC_CHECK_CUDA(cudaStreamSynchronize(g->stream));
#endif
}

void train_model_grads_to_host(train_model *tm, float *host) {
#ifdef CCBENCH_HAVE_CUDA
  gpu_side *g = tm->gpu;
  if (g) {
    copy(g, host, tm->grads, tm->n * sizeof(float), cudaMemcpyDeviceToHost);
    return;
  }
#endif
  if (host != tm->grads) memcpy(host, tm->grads, tm->n * sizeof(float));
}

void train_model_grads_from_host(train_model *tm, const float *host) {
#ifdef CCBENCH_HAVE_CUDA
  gpu_side *g = tm->gpu;
  if (g) {
    copy(g, tm->grads, host, tm->n * sizeof(float), cudaMemcpyHostToDevice);
    return;
  }
#endif
  if (host != tm->grads) memcpy(tm->grads, host, tm->n * sizeof(float));
}

double train_model_grad_norm(train_model *tm) {
#ifdef CCBENCH_HAVE_CUDA
  gpu_side *g = tm->gpu;
  if (g) return grad_norm_cuda(tm->grads, tm->n, g->norm_work, g->stream);
#endif
  return grad_norm(tm->grads, tm->n);
}

void train_model_clip(train_model *tm, double norm, double max_norm) {
#ifdef CCBENCH_HAVE_CUDA
  gpu_side *g = tm->gpu;
  if (g) {
    clip_grad_norm_cuda(tm->grads, tm->n, norm, max_norm, g->stream);
    return;
  }
#endif
  clip_grad_norm(tm->grads, tm->n, norm, max_norm);
}

void train_model_adamw(train_model *tm, long long t, double lr, const adamw_params *hp, bool (*decays)(int tensor)) {
  const gpt2_config *c = gpt2_get_config(tm->cpu);
  size_t offsets[GPT2_NUM_PARAM_TENSORS], sizes[GPT2_NUM_PARAM_TENSORS];
  gpt2_param_offsets(c, offsets);
  gpt2_param_sizes(c, sizes);
#ifdef CCBENCH_HAVE_CUDA
  gpu_side *g = tm->gpu;
  if (g) {
    float *p = gpt2_cuda_params(g->model);
    for (int i = 0; i < GPT2_NUM_PARAM_TENSORS; i++)
      adamw_update_cuda(p + offsets[i], tm->grads + offsets[i], g->adam_m + offsets[i], g->adam_v + offsets[i],
                        sizes[i], t, lr, hp, decays(i), g->stream);
    return;
  }
#endif
  for (int i = 0; i < GPT2_NUM_PARAM_TENSORS; i++)
    adamw_update(tm->params_host + offsets[i], tm->grads + offsets[i], tm->adam_m_host + offsets[i],
                 tm->adam_v_host + offsets[i], sizes[i], t, lr, hp, decays(i));
}
