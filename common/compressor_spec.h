// Compressor spelling: the part after '+' in a strategy name, shared by every tool (docs/compress.md).
//
//   compressor := kind [ ":" args ] [ "+ef" ]
//   fp16 | bf16 | int8 | int4 | qsgd:<levels> | sign | topk:<ratio>[,approx] | randk:<ratio> | powersgd:<rank>
//
// Only the spelling lives here (common/ sits below every module); the encoders are in compress/.
#pragma once
#include <stdbool.h>
#include <stddef.h>

typedef enum {
  CC_COMP_FP16,
  CC_COMP_BF16,
  CC_COMP_INT8,
  CC_COMP_INT4,
  CC_COMP_QSGD,
  CC_COMP_SIGN,
  CC_COMP_TOPK,
  CC_COMP_RANDK,
  CC_COMP_POWERSGD,
  CC_NCOMPRESSORS
} cc_comp_kind;

// How a compressed allreduce moves a scheme's payloads (docs/compress.md says why each is where it is).
typedef enum {
  CC_PATH_REDUCE,     // payloads can be summed step by step inside the algorithm (fp16, bf16, randk)
  CC_PATH_ALLGATHER,  // allgather every rank's payload, then decode and sum locally
  CC_PATH_LOW_RANK,   // PowerSGD: two allreduces of small factors (compress/powersgd.h)
} cc_comp_path;

// A parsed compressor: its kind and options.
typedef struct {
  cc_comp_kind kind;
  double ratio;       // topk, randk: fraction of elements sent, in (0, 1]
  bool approx;        // topk: threshold estimated from a sample instead of an exact selection
  int levels;         // qsgd: quantization levels s (1..127)
  int rank;           // powersgd: rank of the factors (>= 1)
  bool ef;            // wrapped in error feedback
  char name[48];      // canonical spelling, e.g. "topk:0.01,approx+ef"
} cc_compressor;

// Elements per scaling block of int8, int4 and sign, and per norm bucket of qsgd.
enum { CC_COMP_BLOCK = 256 };

// Parses a compressor spelling. 0, or -1 with a one-line reason naming the bad part in err.
int cc_compressor_parse(const char *text, cc_compressor *out, char *err, size_t errlen);
const char *cc_comp_kind_name(cc_comp_kind k);
cc_comp_path cc_compressor_path(const cc_compressor *c);

