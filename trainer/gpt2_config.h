// GPT-2 shape and parameter layout.
//
// The parameters live in one flat f32 array, tensor after tensor, in the order of llm.c's GPT-2
// checkpoints, so its model files load as they are and a bucket of gradients is just a slice.
// Sizes (L layers, C channels, maxT context, Vp padded vocab):
//   wte Vp*C, wpe maxT*C, ln1w L*C, ln1b L*C, qkvw L*3C*C, qkvb L*3C, attprojw L*C*C, attprojb L*C,
//   ln2w L*C, ln2b L*C, fcw L*4C*C, fcb L*4C, fcprojw L*C*4C, fcprojb L*C, lnfw C, lnfb C.
// Weight matrices are stored (out, in): y = x W^T + b. The padded vocabulary rows of wte exist only
// so matmuls have friendly sizes; logits of padded tokens are never part of the softmax.
#pragma once
#include <stddef.h>

typedef struct {
  int max_seq_len;        // maxT: context length the position embedding covers
  int vocab_size;         // V: real tokens
  int padded_vocab_size;  // Vp >= V (llm.c pads GPT-2's 50257 to 50304)
  int num_layers;         // L
  int num_heads;          // NH; channels % num_heads == 0
  int channels;           // C
} gpt2_config;

enum {
  GPT2_WTE, GPT2_WPE, GPT2_LN1W, GPT2_LN1B, GPT2_QKVW, GPT2_QKVB, GPT2_ATTPROJW, GPT2_ATTPROJB,
  GPT2_LN2W, GPT2_LN2B, GPT2_FCW, GPT2_FCB, GPT2_FCPROJW, GPT2_FCPROJB, GPT2_LNFW, GPT2_LNFB,
  GPT2_NUM_PARAM_TENSORS
};

// Element count of every tensor, in layout order.
void gpt2_param_sizes(const gpt2_config *c, size_t sizes[GPT2_NUM_PARAM_TENSORS]);
// Offset of every tensor in the flat array; returns the total element count.
size_t gpt2_param_offsets(const gpt2_config *c, size_t offsets[GPT2_NUM_PARAM_TENSORS]);
size_t gpt2_num_params(const gpt2_config *c);
const char *gpt2_param_name(int tensor);  // "wte", "qkvw", ...
// Layers a tensor holds one slice of each: L for the blocks' tensors, 1 for wte, wpe, lnfw, lnfb.
int gpt2_param_layers(const gpt2_config *c, int tensor);
// NULL when the shape is usable, else a message naming the bad field (for "--flag: message").
const char *gpt2_config_error(const gpt2_config *c);
// Smallest multiple of 128 >= vocab_size (llm.c's padding rule; 50257 -> 50304).
int gpt2_pad_vocab(int vocab_size);
// Backward produces the gradient in stages: 0 the LM head and the final LayerNorm (lnfw, lnfb are
// final; wte is not: the embedding adds to it last), 1..L the layers from the last to the first
// (layer l at stage L - l), L + 1 the embeddings (wte, wpe). gpt2_grad_stage is the stage after which
// the gradient of `tensor` in `layer` (any layer for the tensors outside the layers) is final;
// gpt2_grad_stages the number of stages, L + 2.
int gpt2_grad_stage(const gpt2_config *c, int tensor, int layer);
int gpt2_grad_stages(const gpt2_config *c);
// Training FLOPs per token of one forward + backward pass at sequence length T: 6 x (weights touched by
// matmuls) + the attention score and value products (12 L C T), the usual MFU accounting.
double gpt2_flops_per_token(const gpt2_config *c, int T);
// Activation elements the CPU model keeps for a B x T batch (gpt2.h): in double, so an absurd shape
// gives a huge number to refuse instead of a wrapped size_t (the attention probabilities alone are
// L B NH T^2).
double gpt2_activation_elements(const gpt2_config *c, int B, int T);
