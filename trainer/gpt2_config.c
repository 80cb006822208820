// GPT-2 shape and parameter layout (see gpt2_config.h).
#include "trainer/gpt2_config.h"

#include <limits.h>
#include <stdbool.h>

void gpt2_param_sizes(const gpt2_config *c, size_t sizes[GPT2_NUM_PARAM_TENSORS]) {
  size_t L = (size_t)c->num_layers, C = (size_t)c->channels;
  sizes[GPT2_WTE] = (size_t)c->padded_vocab_size * C;
  sizes[GPT2_WPE] = (size_t)c->max_seq_len * C;
  sizes[GPT2_LN1W] = L * C;
  sizes[GPT2_LN1B] = L * C;
  sizes[GPT2_QKVW] = L * 3 * C * C;
  sizes[GPT2_QKVB] = L * 3 * C;
  sizes[GPT2_ATTPROJW] = L * C * C;
  sizes[GPT2_ATTPROJB] = L * C;
  sizes[GPT2_LN2W] = L * C;
  sizes[GPT2_LN2B] = L * C;
  sizes[GPT2_FCW] = L * 4 * C * C;
  sizes[GPT2_FCB] = L * 4 * C;
  sizes[GPT2_FCPROJW] = L * C * 4 * C;
  sizes[GPT2_FCPROJB] = L * C;
  sizes[GPT2_LNFW] = C;
  sizes[GPT2_LNFB] = C;
}

size_t gpt2_param_offsets(const gpt2_config *c, size_t offsets[GPT2_NUM_PARAM_TENSORS]) {
  size_t sizes[GPT2_NUM_PARAM_TENSORS];
  gpt2_param_sizes(c, sizes);
  size_t total = 0;
  for (int i = 0; i < GPT2_NUM_PARAM_TENSORS; i++) {
    offsets[i] = total;
    total += sizes[i];
  }
  return total;
}

size_t gpt2_num_params(const gpt2_config *c) {
  size_t offsets[GPT2_NUM_PARAM_TENSORS];
  return gpt2_param_offsets(c, offsets);
}

const char *gpt2_param_name(int tensor) {
  static const char *names[GPT2_NUM_PARAM_TENSORS] = {
      "wte", "wpe", "ln1w", "ln1b", "qkvw", "qkvb", "attprojw", "attprojb",
      "ln2w", "ln2b", "fcw", "fcb", "fcprojw", "fcprojb", "lnfw", "lnfb"};
  return tensor >= 0 && tensor < GPT2_NUM_PARAM_TENSORS ? names[tensor] : "?";
}

int gpt2_param_layers(const gpt2_config *c, int tensor) {
  bool outside = tensor == GPT2_WTE || tensor == GPT2_WPE || tensor == GPT2_LNFW || tensor == GPT2_LNFB;
  return outside ? 1 : c->num_layers;
}

const char *gpt2_config_error(const gpt2_config *c) {
  if (c->num_layers < 1 || c->num_layers > 1024) return "layers must be in 1..1024";
  if (c->channels < 1 || c->channels > 65536) return "channels must be in 1..65536";
  if (c->num_heads < 1 || c->channels % c->num_heads != 0) return "heads must divide channels";
  if (c->max_seq_len < 1 || c->max_seq_len > 1 << 20) return "context length must be in 1..1048576";
  if (c->vocab_size < 2 || c->vocab_size > 1 << 24) return "vocab must be in 2..16777216";
  if (c->padded_vocab_size < c->vocab_size || c->padded_vocab_size > 1 << 24)
    return "padded vocab must be >= vocab";
  // Every tensor (and the flat array) must be addressable with size_t and an int index per row.
  double total = 0;
  size_t sizes[GPT2_NUM_PARAM_TENSORS];
  gpt2_param_sizes(c, sizes);
  for (int i = 0; i < GPT2_NUM_PARAM_TENSORS; i++) total += (double)sizes[i];
  if (total > 1e11) return "model too large (more than 1e11 parameters)";
  return NULL;
}

int gpt2_pad_vocab(int vocab_size) { return (vocab_size + 127) / 128 * 128; }

double gpt2_flops_per_token(const gpt2_config *c, int T) {
  double L = c->num_layers, C = c->channels;
  // Matmul weights touched per token: qkv 3C^2, proj C^2, fc 4C^2, fcproj 4C^2 per layer, LM head Vp C.
  double matmul_weights = L * 12 * C * C + (double)c->padded_vocab_size * C;
  // Attention: QK^T and AV, 2 x T x C multiply-adds per layer forward (causal masking not discounted).
  double attention = L * 2.0 * 2.0 * T * C;
  return 6.0 * matmul_weights + 3.0 * attention;
}

double gpt2_activation_elements(const gpt2_config *c, int B, int T) {
  return (double)B * T *
         ((double)c->num_layers * (16.0 * c->channels + (double)c->num_heads * T) + c->vocab_size + 12.0 * c->channels);
}

int gpt2_grad_stage(const gpt2_config *c, int tensor, int layer) {
  if (tensor == GPT2_LNFW || tensor == GPT2_LNFB) return 0;
  if (tensor == GPT2_WTE || tensor == GPT2_WPE) return c->num_layers + 1;
  return c->num_layers - layer;
}

int gpt2_grad_stages(const gpt2_config *c) { return c->num_layers + 2; }
