// Training data for cctrain: token streams from three sources and the data-parallel batch loader.
//
// A token stream is every token of a data set in memory, as uint16 (enough for GPT-2's 50257 tokens,
// bytes, and any Markov source). Sources:
//   - Markov: the synthetic source of markov.h, a training stream and a validation stream drawn from
//     the same chain with different seeds; its loss floor is known exactly.
//   - text file: byte-level, vocabulary 256, every byte one token.
//   - llm.c token shards (.bin): a header of 256 int32 (magic 20240520, version 1, token count), then
//     the tokens as uint16. Several shards are concatenated in the order given.
// Bad files come back as -1 with "<path>: <what is wrong>" in err; nothing here exits on bad input.
//
// Validation split of a file source without its own validation file (data_split_validation): the last
// max(count / 10, T + 1) tokens, so the validation part always holds at least one sequence; the
// training part keeps the rest and must also hold at least T + 1 tokens.
//
// Batches. A sequence is T + 1 consecutive tokens: inputs are the first T, targets the last T (the
// inputs shifted by one). A global batch is G sequences; global sequence g = b G + j (batch b, j < G)
// starts at
//     start(g) = (g T) mod (n - T),        n = tokens in the stream,
// so consecutive sequences tile the stream (each shares one token with the next) and wrap around at the
// end: later epochs see the stream again at shifted offsets. Every start leaves room for T + 1 tokens.
// Rank r of a data-parallel job with B sequences per rank takes j in [r B, (r+1) B) of the global batch
// G = ranks x B: P ranks with batch B read exactly the tokens that 1 rank with batch P B reads.
#pragma once
#include <stddef.h>
#include <stdint.h>

#define DATA_SHARD_MAGIC 20240520
#define DATA_SHARD_VERSION 1
#define DATA_SHARD_HEADER_INTS 256

typedef struct {
  char *name;        // what it came from, for messages: a path, or "markov(V=64,k=2,...)/train"
  uint16_t *tokens;  // count tokens, each < vocab_size
  size_t count;
  int vocab_size;       // tokens are 0..vocab_size-1 (text: 256; shards: the vocabulary given)
  double entropy_rate;  // nats per token of the source when known (Markov), else NAN
  double loss_floor;    // lowest expected loss at the sequence length T given when it was made, or NAN
} token_stream;

// The synthetic source: chain (vocab, order, sharpness, seed) from markov.h; the training stream has
// train_tokens tokens drawn with stream seed cc_hash64(seed, 1), validation val_tokens with
// cc_hash64(seed, 2).
typedef struct {
  int vocab, order;
  double sharpness;
  uint64_t seed;
  size_t train_tokens, val_tokens;
} data_markov_spec;
// The built-in default: markov.h's defaults, 16M training tokens, 1M validation tokens.
data_markov_spec data_markov_default(void);

// Makes both Markov streams; loss_floor is markov_loss_floor(T). -1 with a message on bad parameters
// (either stream shorter than T + 1 tokens included).
int data_markov(const data_markov_spec *spec, int T, token_stream *train, token_stream *val, char *err,
                size_t errlen);
// A file's bytes as tokens, vocabulary 256. An empty file is an error.
int data_text_file(token_stream *out, const char *path, char *err, size_t errlen);
// llm.c token shards concatenated in order. Every header is checked (magic, version 1, count, and the
// file size, which must be exactly 1024 + 2 count bytes), and every token must be < vocab_size; the
// first that is not is reported with its shard, token offset and byte offset.
int data_token_shards(token_stream *out, const char *const *paths, int num_paths, int vocab_size, char *err,
                      size_t errlen);
// The shard paths of a --data list: comma-separated items, each a path or a glob(3) pattern (with
// * ? or [), which stands for the files it matches in sorted order, as llm.c's loader reads
// "fineweb_train_*.bin". *paths (malloc'd, *n of them) is freed with data_shard_list_free. -1 with
// one line in err for an empty item, a pattern that matches nothing, or an unreadable directory.
int data_shard_list(const char *spec, char ***paths, int *n, char *err, size_t errlen);
void data_shard_list_free(char **paths, int n);
// Moves the validation tail (see above) of *train into *val. -1 when the stream is too short for both.
int data_split_validation(token_stream *train, token_stream *val, int T, char *err, size_t errlen);
void token_stream_free(token_stream *s);

// 0 when the stream holds at least one sequence of length T (T + 1 tokens), else -1 with
// "<name>: N tokens, too few for one sequence of T + 1 = M tokens".
int data_check_length(const token_stream *s, int T, char *err, size_t errlen);

// Sequences [first_seq, first_seq + B) of global batch `batch_index` (G = global_batch sequences) into
// inputs and targets, B x T ints each, row-major. The stream must pass data_check_length for T
// (checked: calling it otherwise is a program error). A data-parallel rank passes first_seq = rank B.
void data_batch(const token_stream *s, uint64_t batch_index, int global_batch, int first_seq, int B, int T,
                int *inputs, int *targets);

// Random sampling, as nanoGPT's get_batch draws its batches: global sequence g = batch_index G + j
// starts at cc_hash64(seed, g) mod (n - T), uniform over the starts (and independent of the ranks:
// P ranks with batch B still read what 1 rank with batch P B reads). Same contract as data_batch.
void data_batch_random(const token_stream *s, uint64_t seed, uint64_t batch_index, int global_batch, int first_seq,
                       int B, int T, int *inputs, int *targets);

// Global batches of G sequences that fit in the stream before the loader wraps around (at least 1).
uint64_t data_batches_per_epoch(const token_stream *s, int global_batch, int T);
// Validation uses fixed batches: batches 0..n-1 of the validation stream through data_batch, with
// n = data_val_batches(...) = min(max_batches, data_batches_per_epoch) so no token counts twice.
uint64_t data_val_batches(const token_stream *val, int global_batch, int T, uint64_t max_batches);
