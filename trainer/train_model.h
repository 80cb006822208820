// The model a training run steps, on the CPU (gpt2.h, optim.h) or on one GPU (gpt2_cuda.h,
// optim_cuda.h), behind one interface, so that cctrain's loop is written once and never sees a layer.
//
// Parameters, gradients and Adam moments are flat arrays in gpt2_config.h's layout, in the memory of
// the device that computes: `grads` is what the gradient sync averages (a device buffer on the GPU, so
// a device transport moves it without the host). The host arrays are the CPU model's own on the CPU;
// on the GPU they are copies, brought up to date by train_model_to_host and sent down by
// train_model_from_host (init, broadcast, checkpoints, rank hashes, model files).
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "trainer/gpt2.h"
#include "trainer/gpt2_config.h"
#include "trainer/optim.h"

typedef struct {
  bool cuda;
  int math;          // gpt2_math of gpt2_cuda.h (cuda only)
  void *stream;      // cudaStream_t the model runs on (cuda only)
  // Allocator of the device parameter and gradient arrays (cuda only; NULL: cudaMalloc). cctrain passes
  // the collectives' registered allocator, which the IPC transport needs.
  void *(*alloc)(size_t bytes);
  void (*free)(void *p);
} train_model_options;

typedef struct {
  bool cuda;
  size_t n;                                       // parameters
  float *grads;                                   // the device's memory
  float *params_host, *adam_m_host, *adam_v_host;  // host
  gpt2 *cpu;                                      // the CPU model (also on the GPU path: unused there)
  void *gpu;                                      // the GPU side (train_model.c), NULL on the CPU
} train_model;

// Fatal when cuda is asked of a build without CUDA (callers check first).
void train_model_create(train_model *tm, const gpt2_config *c, int B, int T, const train_model_options *o);
void train_model_free(train_model *tm);
// GPT-2's init from seed, into the host parameters (send them down with train_model_from_host).
void train_model_init_params(train_model *tm, unsigned long long seed);

// Host copies <-> the device (no-ops on the CPU). params_to_host copies only the parameters.
void train_model_to_host(train_model *tm);
void train_model_params_to_host(train_model *tm);
void train_model_from_host(train_model *tm);

void train_model_zero_grads(train_model *tm);
// Mean loss of the batch (host tokens); on the GPU it waits for the forward.
float train_model_forward(train_model *tm, const int *inputs, const int *targets, int B, int T);
void train_model_backward(train_model *tm);
// done(ctx, stage) as each backward stage's gradient is final (gpt2_backward_hook). On the GPU the
// hook is never called: the gradient is final when the device is done (train_model_wait).
void train_model_backward_hook(train_model *tm, void (*done)(void *ctx, int stage), void *ctx);
// Returns when the device has finished everything enqueued (no-op on the CPU).
void train_model_wait(train_model *tm);
// For a gradient sync over host memory on the GPU: the gradient to and from a host array.
void train_model_grads_to_host(train_model *tm, float *host);
void train_model_grads_from_host(train_model *tm, const float *host);

double train_model_grad_norm(train_model *tm);
void train_model_clip(train_model *tm, double norm, double max_norm);
// One AdamW step of every tensor; decays(tensor) says which get weight decay.
void train_model_adamw(train_model *tm, long long t, double lr, const adamw_params *hp, bool (*decays)(int tensor));
