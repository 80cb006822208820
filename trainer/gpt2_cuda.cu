// The GPT-2 model on the GPU (gpt2_cuda.h): buffers, and the layers of layers_cuda.h strung together in
// the CPU model's order (trainer/gpt2_layers.h), activation for activation.
#include <cublas_v2.h>

#include "kernels/common_cuda.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trainer/gpt2_cuda.h"
#include "trainer/layers_cuda.h"

enum { MAX_ALLOCS = 64 };

struct gpt2_cuda {
  gpt2_config config;
  int max_B, max_T;
  size_t num_params;
  gpt2_cuda_options opt;
  gpt2_cuda_ctx ctx;
  float *params, *grads;                 // device, from opt.alloc
  float *tensor[GPT2_NUM_PARAM_TENSORS];  // views into params
  float *grad[GPT2_NUM_PARAM_TENSORS];    // views into grads
  // Activations of the last forward, as the CPU model's (sized for max_B x max_T).
  float *encoded;                    // (B, T, C)
  float *ln1, *ln1_mean, *ln1_rstd;  // (L, B, T, C), (L, B, T), (L, B, T)
  float *qkv;                        // (L, B, T, 3C)
  float *att;                        // (L, B, NH, T, T)
  float *atty;                       // (L, B, T, C)
  float *residual2;                  // (L, B, T, C)
  float *ln2, *ln2_mean, *ln2_rstd;
  float *fch, *fch_gelu;             // (L, B, T, 4C)
  float *residual3;                  // (L, B, T, C)
  float *lnf, *lnf_mean, *lnf_rstd;  // (B, T, C), (B, T), (B, T)
  float *logits;                     // (B, T, Vp): all Vp columns computed, only V read
  float *row_max, *row_inv_sum;      // (B, T): the softmax's row statistics
  float *losses;                     // (B, T)
  int *inputs, *targets;             // (B, T) device copies
  // Scratch, reused by every layer.
  float *attention;  // attention_scratch_elems
  float *dresidual, *dln, *datty;    // (B, T, C)
  float *dqkv;                       // (B, T, 3C)
  float *dfch;                       // (B, T, 4C)
  float *dlogits;                    // (B, T, Vp)
  token_positions positions;         // host: the last forward's tokens grouped by token
  token_positions positions_dev;     // the same arrays on the device
  float *host_losses;
  int B, T;
  bool have_loss;
  void *allocs[MAX_ALLOCS];  // everything cudaMalloc'd here, for gpt2_cuda_free
  int nallocs;
  size_t device_bytes;
};

const char *gpt2_math_name(gpt2_math math) {
  switch (math) {
    case GPT2_MATH_FP32: return "fp32";
    case GPT2_MATH_TF32: return "tf32";
    case GPT2_MATH_BF16: return "bf16";
  }
  return "?";
}

int gpt2_math_parse(const char *name) {
  if (strcmp(name, "fp32") == 0) return GPT2_MATH_FP32;
  if (strcmp(name, "tf32") == 0) return GPT2_MATH_TF32;
  if (strcmp(name, "bf16") == 0) return GPT2_MATH_BF16;
  return -1;
}

static void *device_alloc(gpt2_cuda *m, size_t bytes) {
  if (m->nallocs == MAX_ALLOCS) CC_FATAL("gpt2_cuda: more than %d allocations", MAX_ALLOCS);
  void *p;
  cudaError_t rc = cudaMalloc(&p, bytes ? bytes : 1);
  if (rc != cudaSuccess)
    CC_FATAL("gpt2_cuda_create: cannot allocate %zu bytes on the GPU (%zu held so far): %s", bytes, m->device_bytes,
             cudaGetErrorString(rc));
  m->allocs[m->nallocs++] = p;
  m->device_bytes += bytes;
  return p;
}

static float *floats(gpt2_cuda *m, size_t n) { return (float *)device_alloc(m, n * sizeof(float)); }

static size_t max_size(const size_t *v, int n) {
  size_t best = 0;
  for (int i = 0; i < n; i++) best = v[i] > best ? v[i] : best;
  return best;
}

gpt2_cuda *gpt2_cuda_create(const gpt2_config *c, int B, int T, const gpt2_cuda_options *o) {
  const char *error = gpt2_config_error(c);
  if (error) CC_FATAL("gpt2_cuda_create: bad config: %s", error);
  if (B < 1 || T < 1 || T > c->max_seq_len || (long long)B * T > INT_MAX)
    CC_FATAL("gpt2_cuda_create: batch %d x %d needs B >= 1, 1 <= T <= max_seq_len %d, B*T in an int", B, T,
             c->max_seq_len);
  size_t L = (size_t)c->num_layers, C = (size_t)c->channels, NH = (size_t)c->num_heads;
  size_t Vp = (size_t)c->padded_vocab_size, N = (size_t)B * T;
  // cuBLAS takes int sizes: matrix sides (N, Vp, 4C, T: bounded by the checks above) and the batch
  // count of the attention products.
  if ((size_t)B * NH > INT_MAX) CC_FATAL("gpt2_cuda_create: %d x %zu attention heads exceed an int", B, NH);

  gpt2_cuda *m = (gpt2_cuda *)cc_calloc(1, sizeof *m);
  m->config = *c;
  m->max_B = B;
  m->max_T = T;
  m->opt = *o;
  size_t sizes_list[] = {N * Vp, (size_t)B * NH * T * T, N * 4 * C, Vp * C, 4 * C * C};
  gpt2_cuda_ctx_init(&m->ctx, o->stream, o->math, max_size(sizes_list, 5));

  size_t offsets[GPT2_NUM_PARAM_TENSORS];
  m->num_params = gpt2_param_offsets(c, offsets);
  size_t param_bytes = m->num_params * sizeof(float);
  if (o->alloc) {
    m->params = (float *)o->alloc(param_bytes);
    m->grads = (float *)o->alloc(param_bytes);
  } else {
    CC_CHECK_CUDA(cudaMalloc((void **)&m->params, param_bytes));
    CC_CHECK_CUDA(cudaMalloc((void **)&m->grads, param_bytes));
  }
  m->device_bytes += 2 * param_bytes;
  CC_CHECK_CUDA(cudaMemsetAsync(m->params, 0, param_bytes, o->stream));
  CC_CHECK_CUDA(cudaMemsetAsync(m->grads, 0, param_bytes, o->stream));
  for (int i = 0; i < GPT2_NUM_PARAM_TENSORS; i++) {
    m->tensor[i] = m->params + offsets[i];
    m->grad[i] = m->grads + offsets[i];
  }

  m->encoded = floats(m, N * C);
  m->ln1 = floats(m, L * N * C);
  m->ln1_mean = floats(m, L * N);
  m->ln1_rstd = floats(m, L * N);
  m->qkv = floats(m, L * N * 3 * C);
  m->att = floats(m, L * (size_t)B * NH * T * T);
  m->atty = floats(m, L * N * C);
  m->residual2 = floats(m, L * N * C);
  m->ln2 = floats(m, L * N * C);
  m->ln2_mean = floats(m, L * N);
  m->ln2_rstd = floats(m, L * N);
  m->fch = floats(m, L * N * 4 * C);
  m->fch_gelu = floats(m, L * N * 4 * C);
  m->residual3 = floats(m, L * N * C);
  m->lnf = floats(m, N * C);
  m->lnf_mean = floats(m, N);
  m->lnf_rstd = floats(m, N);
  m->logits = floats(m, N * Vp);
  m->row_max = floats(m, N);
  m->row_inv_sum = floats(m, N);
  m->losses = floats(m, N);
  m->inputs = (int *)device_alloc(m, N * sizeof(int));
  m->targets = (int *)device_alloc(m, N * sizeof(int));

  m->attention = floats(m, attention_scratch_elems(B, T, (int)C, (int)NH));
  m->dresidual = floats(m, N * C);
  m->dln = floats(m, N * C);
  m->datty = floats(m, N * C);
  m->dqkv = floats(m, N * 3 * C);
  m->dfch = floats(m, N * 4 * C);
  m->dlogits = floats(m, N * Vp);

  int V = c->vocab_size, most_distinct = (int)N < V ? (int)N : V;
  token_positions_alloc(&m->positions, (int)N, V);
  m->positions_dev.token = (int *)device_alloc(m, ((size_t)most_distinct + 1) * sizeof(int));
  m->positions_dev.start = (int *)device_alloc(m, ((size_t)most_distinct + 2) * sizeof(int));
  m->positions_dev.position = (int *)device_alloc(m, (N + 1) * sizeof(int));
  m->host_losses = (float *)cc_malloc(N * sizeof(float));
  CC_CHECK_CUDA(cudaStreamSynchronize(o->stream));
  return m;
}

void gpt2_cuda_free(gpt2_cuda *m) {
  if (!m) return;
  CC_CHECK_CUDA(cudaStreamSynchronize(m->opt.stream));
  if (m->opt.free) {
    m->opt.free(m->params);
    m->opt.free(m->grads);
  } else {
    CC_CHECK_CUDA(cudaFree(m->params));
    CC_CHECK_CUDA(cudaFree(m->grads));
  }
  for (int i = 0; i < m->nallocs; i++) CC_CHECK_CUDA(cudaFree(m->allocs[i]));
  gpt2_cuda_ctx_free(&m->ctx);
  token_positions_free(&m->positions);
  free(m->host_losses);
  free(m);
}

const gpt2_config *gpt2_cuda_get_config(const gpt2_cuda *m) { return &m->config; }
size_t gpt2_cuda_param_count(const gpt2_cuda *m) { return m->num_params; }
float *gpt2_cuda_params(gpt2_cuda *m) { return m->params; }
float *gpt2_cuda_grads(gpt2_cuda *m) { return m->grads; }
size_t gpt2_cuda_device_bytes(const gpt2_cuda *m) { return m->device_bytes; }

static void copy_sync(gpt2_cuda *m, void *dst, const void *src, size_t bytes, cudaMemcpyKind kind) {
  CC_CHECK_CUDA(cudaMemcpyAsync(dst, src, bytes, kind, m->opt.stream));
  CC_CHECK_CUDA(cudaStreamSynchronize(m->opt.stream));
}

void gpt2_cuda_upload_params(gpt2_cuda *m, const float *host) {
  copy_sync(m, m->params, host, m->num_params * sizeof(float), cudaMemcpyHostToDevice);
}

void gpt2_cuda_download_params(gpt2_cuda *m, float *host) {
  copy_sync(m, host, m->params, m->num_params * sizeof(float), cudaMemcpyDeviceToHost);
}

void gpt2_cuda_download_grads(gpt2_cuda *m, float *host) {
  copy_sync(m, host, m->grads, m->num_params * sizeof(float), cudaMemcpyDeviceToHost);
}

void gpt2_cuda_zero_grads(gpt2_cuda *m) {
  CC_CHECK_CUDA(cudaMemsetAsync(m->grads, 0, m->num_params * sizeof(float), m->opt.stream));
}

// Host-to-device copies from pageable memory return once the source has been read (staged), so the
// host arrays may change right after.
static void upload(gpt2_cuda *m, void *dst, const void *src, size_t bytes) {
  if (bytes) CC_CHECK_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, m->opt.stream));
}

float gpt2_cuda_forward(gpt2_cuda *m, const int *inputs, const int *targets, int B, int T) {
  const gpt2_config *c = &m->config;
  int L = c->num_layers, C = c->channels, NH = c->num_heads, V = c->vocab_size, Vp = c->padded_vocab_size;
  if (B < 1 || T < 1 || B > m->max_B || T > m->max_T)
    CC_FATAL("gpt2_cuda_forward: batch %d x %d outside the %d x %d the model was created for", B, T, m->max_B,
             m->max_T);
  size_t N = (size_t)B * T;
  for (size_t i = 0; i < N; i++) {
    if (inputs[i] < 0 || inputs[i] >= V)
      CC_FATAL("gpt2_cuda_forward: input token %d at position %zu outside the vocabulary [0, %d)", inputs[i], i, V);
    if (targets && (targets[i] < 0 || targets[i] >= V))
      CC_FATAL("gpt2_cuda_forward: target token %d at position %zu outside the vocabulary [0, %d)", targets[i], i,
               V);
  }
  m->B = B;
  m->T = T;
  upload(m, m->inputs, inputs, N * sizeof(int));
  if (targets) {
    upload(m, m->targets, targets, N * sizeof(int));
    // The embedding backward's grouping of positions by token (layers_cuda.h).
    token_positions *h = &m->positions, *d = &m->positions_dev;
    token_positions_build(h, inputs, (int)N, V);
    d->distinct = h->distinct;
    upload(m, d->token, h->token, (size_t)h->distinct * sizeof(int));
    upload(m, d->start, h->start, ((size_t)h->distinct + 1) * sizeof(int));
    upload(m, d->position, h->position, N * sizeof(int));
  }
  const gpt2_cuda_ctx *ctx = &m->ctx;
  float **p = m->tensor;

  encoder_forward_cuda(ctx, m->encoded, m->inputs, p[GPT2_WTE], p[GPT2_WPE], B, T, C);
  attention_scratch scratch = attention_scratch_at(m->attention, B, T, C, NH);
  const float *residual = m->encoded;
  for (int l = 0; l < L; l++) {
    size_t lc = (size_t)l * C;
    float *ln1 = m->ln1 + l * N * C, *ln1_mean = m->ln1_mean + l * N, *ln1_rstd = m->ln1_rstd + l * N;
    float *qkv = m->qkv + l * N * 3 * C;
    float *att = m->att + l * N * NH * T;
    float *atty = m->atty + l * N * C;
    float *residual2 = m->residual2 + l * N * C;
    float *ln2 = m->ln2 + l * N * C, *ln2_mean = m->ln2_mean + l * N, *ln2_rstd = m->ln2_rstd + l * N;
    float *fch = m->fch + l * N * 4 * C, *fch_gelu = m->fch_gelu + l * N * 4 * C;
    float *residual3 = m->residual3 + l * N * C;

    layernorm_forward_cuda(ctx, ln1, ln1_mean, ln1_rstd, residual, p[GPT2_LN1W] + lc, p[GPT2_LN1B] + lc, (int)N, C);
    matmul_forward_cuda(ctx, qkv, ln1, p[GPT2_QKVW] + lc * 3 * C, p[GPT2_QKVB] + lc * 3, NULL, (int)N, C, 3 * C);
    attention_forward_cuda(ctx, atty, att, qkv, &scratch, B, T, C, NH);
    matmul_forward_cuda(ctx, residual2, atty, p[GPT2_ATTPROJW] + lc * C, p[GPT2_ATTPROJB] + lc, residual, (int)N, C,
                        C);
    layernorm_forward_cuda(ctx, ln2, ln2_mean, ln2_rstd, residual2, p[GPT2_LN2W] + lc, p[GPT2_LN2B] + lc, (int)N,
                           C);
    matmul_forward_cuda(ctx, fch, ln2, p[GPT2_FCW] + lc * 4 * C, p[GPT2_FCB] + lc * 4, NULL, (int)N, C, 4 * C);
    gelu_forward_cuda(ctx, fch_gelu, fch, N * 4 * C);
    matmul_forward_cuda(ctx, residual3, fch_gelu, p[GPT2_FCPROJW] + lc * 4 * C, p[GPT2_FCPROJB] + lc, residual2,
                        (int)N, 4 * C, C);
    residual = residual3;
  }
  layernorm_forward_cuda(ctx, m->lnf, m->lnf_mean, m->lnf_rstd, residual, p[GPT2_LNFW], p[GPT2_LNFB], (int)N, C);
  // Tied LM head: logits over all Vp rows of wte (aligned sizes for cuBLAS); the loss reads the V real ones.
  matmul_forward_cuda(ctx, m->logits, m->lnf, p[GPT2_WTE], NULL, NULL, (int)N, C, Vp);
  crossentropy_forward_cuda(ctx, m->losses, m->row_max, m->row_inv_sum, m->logits, targets ? m->targets : NULL,
                            (int)N, V, Vp);

  m->have_loss = targets != NULL;
  if (!targets) return NAN;
  copy_sync(m, m->host_losses, m->losses, N * sizeof(float), cudaMemcpyDeviceToHost);
  double sum = 0;  // in double, in order: as the CPU model
  for (size_t i = 0; i < N; i++) sum += (double)m->host_losses[i];
  return (float)(sum / (double)N);
}

void gpt2_cuda_backward(gpt2_cuda *m) {
  if (!m->have_loss) CC_FATAL("gpt2_cuda_backward: the last gpt2_cuda_forward had no targets");
  const gpt2_config *c = &m->config;
  int L = c->num_layers, C = c->channels, NH = c->num_heads, V = c->vocab_size, Vp = c->padded_vocab_size;
  int B = m->B, T = m->T;
  size_t N = (size_t)B * T;
  const gpt2_cuda_ctx *ctx = &m->ctx;
  float **p = m->tensor, **g = m->grad;

  // LM head and loss: dlogits = (probs - onehot) / N (zero in the padded columns), then dlnf = dlogits
  // wte and dwte += dlogits^T lnf.
  crossentropy_backward_cuda(ctx, m->dlogits, m->logits, m->row_max, m->row_inv_sum, m->targets, (int)N, V, Vp);
  matmul_backward_cuda(ctx, m->dln, g[GPT2_WTE], NULL, m->dlogits, m->lnf, p[GPT2_WTE], (int)N, C, Vp);
  CC_CHECK_CUDA(cudaMemsetAsync(m->dresidual, 0, N * C * sizeof(float), ctx->stream));
  const float *last_residual = m->residual3 + (size_t)(L - 1) * N * C;
  layernorm_backward_cuda(ctx, m->dresidual, g[GPT2_LNFW], g[GPT2_LNFB], m->dln, last_residual, p[GPT2_LNFW],
                          m->lnf_mean, m->lnf_rstd, (int)N, C);

  attention_scratch scratch = attention_scratch_at(m->attention, B, T, C, NH);
  for (int l = L - 1; l >= 0; l--) {
    size_t lc = (size_t)l * C;
    const float *residual = l == 0 ? m->encoded : m->residual3 + (l - 1) * N * C;
    const float *ln1 = m->ln1 + l * N * C, *ln1_mean = m->ln1_mean + l * N, *ln1_rstd = m->ln1_rstd + l * N;
    const float *qkv = m->qkv + l * N * 3 * C;
    const float *att = m->att + l * N * NH * T;
    const float *atty = m->atty + l * N * C;
    const float *residual2 = m->residual2 + l * N * C;
    const float *ln2 = m->ln2 + l * N * C, *ln2_mean = m->ln2_mean + l * N, *ln2_rstd = m->ln2_rstd + l * N;
    const float *fch = m->fch + l * N * 4 * C, *fch_gelu = m->fch_gelu + l * N * 4 * C;

    // MLP block: dresidual (the gradient of residual3) passes the residual add unchanged; the block
    // adds its share through ln2.
    matmul_backward_cuda(ctx, m->dfch, g[GPT2_FCPROJW] + lc * 4 * C, g[GPT2_FCPROJB] + lc, m->dresidual, fch_gelu,
                         p[GPT2_FCPROJW] + lc * 4 * C, (int)N, 4 * C, C);
    gelu_backward_cuda(ctx, m->dfch, fch, N * 4 * C);
    matmul_backward_cuda(ctx, m->dln, g[GPT2_FCW] + lc * 4 * C, g[GPT2_FCB] + lc * 4, m->dfch, ln2,
                         p[GPT2_FCW] + lc * 4 * C, (int)N, C, 4 * C);
    layernorm_backward_cuda(ctx, m->dresidual, g[GPT2_LN2W] + lc, g[GPT2_LN2B] + lc, m->dln, residual2,
                            p[GPT2_LN2W] + lc, ln2_mean, ln2_rstd, (int)N, C);
    // Attention block, the same way down to the layer input.
    matmul_backward_cuda(ctx, m->datty, g[GPT2_ATTPROJW] + lc * C, g[GPT2_ATTPROJB] + lc, m->dresidual, atty,
                         p[GPT2_ATTPROJW] + lc * C, (int)N, C, C);
    attention_backward_cuda(ctx, m->dqkv, m->datty, qkv, att, &scratch, B, T, C, NH);
    matmul_backward_cuda(ctx, m->dln, g[GPT2_QKVW] + lc * 3 * C, g[GPT2_QKVB] + lc * 3, m->dqkv, ln1,
                         p[GPT2_QKVW] + lc * 3 * C, (int)N, C, 3 * C);
    layernorm_backward_cuda(ctx, m->dresidual, g[GPT2_LN1W] + lc, g[GPT2_LN1B] + lc, m->dln, residual,
                            p[GPT2_LN1W] + lc, ln1_mean, ln1_rstd, (int)N, C);
  }
  encoder_backward_cuda(ctx, g[GPT2_WTE], g[GPT2_WPE], m->dresidual, &m->positions_dev, B, T, C);
}
