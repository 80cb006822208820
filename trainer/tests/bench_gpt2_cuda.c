// bench_gpt2_cuda: training throughput of the CUDA model (trainer/gpt2_cuda.h) on one GPU, GPT-2 124M by
// default, in every matmul mode: tokens/s, model TFLOP/s and MFU of a whole optimizer step (zero grads,
// forward with the loss, backward, gradient norm, clipping, AdamW), timed with CUDA events over
// --steps steps after --warmup. scripts/torch_gpt2.py prints the same rows for PyTorch.
//   bench_gpt2_cuda [--batch 8] [--seq-len 1024] [--dtype fp32,tf32,bf16] [--steps 20] [--csv FILE]
// FLOPs per token are gpt2_flops_per_token (6 x matmul weights with the padded vocabulary + the
// attention products, causal mask not discounted); the peak is trainer/gpu_peak.c's (or --peak-tflops).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime.h>

#include "common/atomic_file.h"
#include "common/check_cuda.h"
#include "common/cli.h"
#include "common/error.h"
#include "common/rng.h"
#include "kernels/cuda_device.h"
#include "trainer/gpt2.h"
#include "trainer/gpt2_cuda.h"
#include "trainer/gpu_peak.h"
#include "trainer/optim.h"
#include "trainer/optim_cuda.h"

typedef struct {
  double tokens_per_s, step_ms, tflops, mfu_percent, peak;
} result;

static bool tensor_decays(int t) {  // as cctrain
  return t == GPT2_WTE || t == GPT2_WPE || t == GPT2_QKVW || t == GPT2_ATTPROJW || t == GPT2_FCW || t == GPT2_FCPROJW;
}

static result run(const gpt2_config *c, const float *init, int B, int T, gpt2_math math, int steps, int warmup,
                  double peak, cudaStream_t stream) {
  gpt2_cuda_options opt = {.stream = stream, .math = math};
  gpt2_cuda *m = gpt2_cuda_create(c, B, T, &opt);
  gpt2_cuda_upload_params(m, init);
  size_t n = gpt2_cuda_param_count(m), sizes[GPT2_NUM_PARAM_TENSORS], off[GPT2_NUM_PARAM_TENSORS];
  gpt2_param_sizes(c, sizes);
  gpt2_param_offsets(c, off);
  float *adam_m, *adam_v, *p = gpt2_cuda_params(m), *g = gpt2_cuda_grads(m);
  double *work;
  CC_CHECK_CUDA(cudaMalloc((void **)&adam_m, n * sizeof(float)));
  CC_CHECK_CUDA(cudaMalloc((void **)&adam_v, n * sizeof(float)));
  CC_CHECK_CUDA(cudaMemsetAsync(adam_m, 0, n * sizeof(float), stream));
  CC_CHECK_CUDA(cudaMemsetAsync(adam_v, 0, n * sizeof(float), stream));
  CC_CHECK_CUDA(cudaMalloc((void **)&work, GRAD_NORM_WORKSPACE * sizeof(double)));
  int *inputs = cc_malloc((size_t)B * T * sizeof(int)), *targets = cc_malloc((size_t)B * T * sizeof(int));
  cc_rng rng;
  cc_rng_seed(&rng, 1);
  for (int i = 0; i < B * T; i++) {
    inputs[i] = (int)cc_rng_below(&rng, (uint64_t)c->vocab_size);
    targets[i] = (int)cc_rng_below(&rng, (uint64_t)c->vocab_size);
  }
  adamw_params hp = {.beta1 = 0.9, .beta2 = 0.95, .eps = 1e-8, .weight_decay = 0.1};
  cudaEvent_t start, stop;
  CC_CHECK_CUDA(cudaEventCreate(&start));
  CC_CHECK_CUDA(cudaEventCreate(&stop));
  float loss = 0;
  for (int s = 0; s < warmup + steps; s++) {
    if (s == warmup) CC_CHECK_CUDA(cudaEventRecord(start, stream));
    gpt2_cuda_zero_grads(m);
    loss = gpt2_cuda_forward(m, inputs, targets, B, T);
    gpt2_cuda_backward(m);
    clip_grad_norm_cuda(g, n, grad_norm_cuda(g, n, work, stream), 1.0, stream);
    for (int t = 0; t < GPT2_NUM_PARAM_TENSORS; t++)
      adamw_update_cuda(p + off[t], g + off[t], adam_m + off[t], adam_v + off[t], sizes[t], s + 1, 1e-4, &hp,
                        tensor_decays(t), stream);
  }
  CC_CHECK_CUDA(cudaEventRecord(stop, stream));
  CC_CHECK_CUDA(cudaEventSynchronize(stop));
  float ms;
  CC_CHECK_CUDA(cudaEventElapsedTime(&ms, start, stop));
  if (!isfinite(loss)) CC_FATAL("%s: the loss became %g", gpt2_math_name(math), loss);

  result r = {.step_ms = ms / steps, .peak = peak};
  r.tokens_per_s = (double)B * T / (r.step_ms * 1e-3);
  r.tflops = gpt2_flops_per_token(c, T) * r.tokens_per_s / 1e12;
  r.mfu_percent = peak > 0 ? 100 * r.tflops / peak : NAN;
  cudaEventDestroy(start), cudaEventDestroy(stop);
  cudaFree(adam_m), cudaFree(adam_v), cudaFree(work);
  free(inputs), free(targets);
  gpt2_cuda_free(m);
  return r;
}

int main(int argc, char **argv) {
  cc_set_progname("bench_gpt2_cuda");
  long long batch = 8, seq_len = 1024, layers = 12, heads = 12, channels = 768, vocab = 50257, steps = 20, warmup = 3;
  double peak_flag = 0;
  const char *dtypes = "fp32,tf32,bf16", *csv = NULL;
  cc_option opts[] = {
      {"batch", 'b', CC_OPT_INT, &batch, "B", "sequences per step", 1, 1 << 20},
      {"seq-len", 'T', CC_OPT_INT, &seq_len, "T", "tokens per sequence (the context)", 1, 1 << 16},
      {"layers", 'L', CC_OPT_INT, &layers, "N", "transformer blocks", 1, 1024},
      {"heads", 0, CC_OPT_INT, &heads, "N", "attention heads", 1, 1024},
      {"channels", 'C', CC_OPT_INT, &channels, "N", "model width", 1, 65536},
      {"vocab", 0, CC_OPT_INT, &vocab, "V", "vocabulary (padded to a multiple of 128)", 2, 1 << 24},
      {"dtype", 0, CC_OPT_STRING, &dtypes, "LIST", "matmul modes to time, comma-separated: fp32, tf32, bf16", 0, 0},
      {"steps", 'n', CC_OPT_INT, &steps, "N", "timed steps", 1, 100000},
      {"warmup", 'w', CC_OPT_INT, &warmup, "N", "untimed steps first", 0, 100000},
      {"peak-tflops", 0, CC_OPT_DOUBLE, &peak_flag, "TF", "peak for MFU (default: trainer/gpu_peak.c per dtype)", 0, 1e9},
      {"csv", 'o', CC_OPT_STRING, &csv, "FILE", "rows as CSV (scripts/torch_gpt2.py writes the same columns)", 0, 0},
  };
  cc_cli cli = {.prog = "bench_gpt2_cuda",
                .usage = "bench_gpt2_cuda [options]",
                .summary = "Times whole training steps of the CUDA GPT-2 (GPT-2 124M by default) in each matmul mode: "
                           "tokens/s, TFLOP/s and MFU.",
                .opts = opts,
                .nopts = (int)(sizeof opts / sizeof opts[0])};
  char err[512];
  cc_cli_result parsed = cc_cli_parse(&cli, argc, argv, NULL, NULL, err, sizeof err);
  if (parsed == CC_CLI_HELP) return 0;
  if (parsed == CC_CLI_ERROR) cc_input_error("%s", err);
  gpt2_math maths[3];
  int nmaths = 0;
  char list[64];
  snprintf(list, sizeof list, "%s", dtypes);
  for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    int math = gpt2_math_parse(tok);
    if (math < 0 || nmaths >= (int)(sizeof maths / sizeof maths[0]))
      cc_input_error("--dtype: '%s' is not a list of fp32, tf32, bf16", dtypes);
    else maths[nmaths++] = (gpt2_math)math;
  }
  gpt2_config c = {.max_seq_len = (int)seq_len, .vocab_size = (int)vocab, .padded_vocab_size = gpt2_pad_vocab((int)vocab),
                   .num_layers = (int)layers, .num_heads = (int)heads, .channels = (int)channels};
  const char *why = gpt2_config_error(&c);
  if (why) cc_input_error("model shape: %s", why);
  cc_cuda_require_gpu_or_skip("bench_gpt2_cuda");

  struct cudaDeviceProp prop;
  int dev;
  CC_CHECK_CUDA(cudaGetDevice(&dev));
  CC_CHECK_CUDA(cudaGetDeviceProperties(&prop, dev));
  for (char *q = prop.name; *q; q++)
    if (*q == ',') *q = ' ';  // the name is a CSV field
  const gpu_peak *peak = gpu_peak_find(prop.name);
  cudaStream_t stream;
  CC_CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  gpt2 *host = gpt2_create(&c, 1, 1);  // GPT-2's init, drawn on the host
  gpt2_init_params(host, 1337);

  printf("# GPT-2 L %d H %d C %d T %d V %d (padded %d), %zu parameters, %.4g FLOP/token; batch %lld; %s\n", c.num_layers,
         c.num_heads, c.channels, (int)seq_len, c.vocab_size, c.padded_vocab_size, gpt2_num_params(&c),
         gpt2_flops_per_token(&c, (int)seq_len), batch, prop.name);
  printf("# peak: %s; a step is zero grads, forward + loss, backward, grad norm, clip, AdamW; %lld timed after %lld\n",
         peak_flag > 0 ? "--peak-tflops" : peak ? peak->label : "unknown GPU (no MFU; give --peak-tflops)", steps, warmup);
  printf("# %-8s %-8s %-5s %6s %6s %11s %9s %8s %6s %7s\n", "impl", "mode", "dtype", "batch", "seq", "tokens/s", "step_ms",
         "TFLOP/s", "MFU%", "peak");
  cc_afile f = {0};
  if (csv) {
    if (cc_afile_open(&f, csv) != 0) CC_FATAL("cannot write %s.partial", csv);
    fputs("impl,mode,dtype,batch,seq_len,params,tokens_per_s,step_ms,tflops,mfu_percent,peak_tflops,gpu\n", f.f);
  }
  for (int i = 0; i < nmaths; i++) {
    const char *name = gpt2_math_name(maths[i]);
    double p = peak_flag > 0 ? peak_flag : gpu_peak_tflops(peak, name);
    result r = run(&c, gpt2_params(host), (int)batch, (int)seq_len, maths[i], (int)steps, (int)warmup, p, stream);
    printf("  %-8s %-8s %-5s %6lld %6lld %11.0f %9.2f %8.1f %6.1f %7.1f\n", "ccbench", "cuda", name, batch, seq_len,
           r.tokens_per_s, r.step_ms, r.tflops, r.mfu_percent, r.peak);
    fflush(stdout);
    if (f.f)
      fprintf(f.f, "ccbench,cuda,%s,%lld,%lld,%zu,%.1f,%.3f,%.3f,%.2f,%.1f,%s\n", name, batch, seq_len, gpt2_num_params(&c),
              r.tokens_per_s, r.step_ms, r.tflops, r.mfu_percent, r.peak, prop.name);
  }
  if (f.f && cc_afile_commit(&f) != 0) CC_FATAL("cannot finish %s", csv);
  gpt2_free(host);
  CC_CHECK_CUDA(cudaStreamDestroy(stream));
  return 0;
}
