// Token streams (Markov, text, llm.c shards) and the data-parallel batch loader (see data.h).
#include "trainer/data.h"

#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/error.h"
#include "common/readfile.h"
#include "common/rng.h"
#include "trainer/markov.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "token shards are read as little-endian int32/uint16 in place: port the loader first"
#endif

static const size_t SHARD_HEADER_BYTES = DATA_SHARD_HEADER_INTS * sizeof(int32_t);

void token_stream_free(token_stream *s) {
  free(s->name);
  free(s->tokens);
  *s = (token_stream){0};
}

static char *format_name(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format_name(const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return cc_strdup(buf);
}

// ---- Markov ----

data_markov_spec data_markov_default(void) {
  return (data_markov_spec){.vocab = MARKOV_DEFAULT_VOCAB,
                            .order = MARKOV_DEFAULT_ORDER,
                            .sharpness = MARKOV_DEFAULT_SHARPNESS,
                            .seed = 1,
                            .train_tokens = (size_t)1 << 24,
                            .val_tokens = (size_t)1 << 20};
}

static void markov_stream(token_stream *out, const markov_chain *chain, const data_markov_spec *spec,
                          uint64_t stream_seed, size_t count, const char *part, int T) {
  out->name = format_name("markov(V=%d,k=%d,sharpness=%g,seed=%llu)/%s", spec->vocab, spec->order,
                          spec->sharpness, (unsigned long long)spec->seed, part);
  out->tokens = cc_malloc(count * sizeof(uint16_t));
  out->count = count;
  out->vocab_size = chain->vocab;
  out->entropy_rate = markov_entropy_rate(chain);
  out->loss_floor = markov_loss_floor(chain, T);
  markov_generate(chain, stream_seed, out->tokens, count);
}

int data_markov(const data_markov_spec *spec, int T, token_stream *train, token_stream *val, char *err,
                size_t errlen) {
  *train = *val = (token_stream){0};
  if (T < 1) {
    snprintf(err, errlen, "markov: sequence length %d must be at least 1", T);
    return -1;
  }
  const size_t max_tokens = (size_t)1 << 40;
  if (spec->train_tokens < (size_t)T + 1 || spec->val_tokens < (size_t)T + 1 ||
      spec->train_tokens > max_tokens || spec->val_tokens > max_tokens) {
    snprintf(err, errlen,
             "markov: %zu training and %zu validation tokens: each needs at least T + 1 = %d tokens "
             "(and at most 2^40)",
             spec->train_tokens, spec->val_tokens, T + 1);
    return -1;
  }
  markov_chain *chain = markov_create(spec->vocab, spec->order, spec->sharpness, spec->seed, err, errlen);
  if (!chain) return -1;
  markov_stream(train, chain, spec, cc_hash64(spec->seed, 1), spec->train_tokens, "train", T);
  markov_stream(val, chain, spec, cc_hash64(spec->seed, 2), spec->val_tokens, "val", T);
  markov_free(chain);
  return 0;
}

// ---- text ----

int data_text_file(token_stream *out, const char *path, char *err, size_t errlen) {
  *out = (token_stream){0};
  size_t len;
  char *bytes = cc_read_text_file(path, &len, err, errlen);
  if (!bytes) return -1;
  if (len == 0) {
    free(bytes);
    snprintf(err, errlen, "%s: file is empty (byte-level text needs at least one byte)", path);
    return -1;
  }
  out->name = cc_strdup(path);
  out->tokens = cc_malloc(len * sizeof(uint16_t));
  for (size_t i = 0; i < len; i++) out->tokens[i] = (unsigned char)bytes[i];
  free(bytes);
  out->count = len;
  out->vocab_size = 256;
  out->entropy_rate = out->loss_floor = NAN;
  return 0;
}

// ---- llm.c token shards ----

static void append_path(char ***paths, int *n, int *cap, const char *path) {
  if (*n == *cap) {
    *cap = *cap * 2 + 8;
    CC_CHECK_PTR(*paths = realloc(*paths, (size_t)*cap * sizeof **paths));
  }
  (*paths)[(*n)++] = cc_strdup(path);
}

int data_shard_list(const char *spec, char ***paths, int *n, char *err, size_t errlen) {
  *paths = NULL;
  *n = 0;
  int cap = 0, status = 0;
  char *copy = cc_strdup(spec);
  for (char *item = copy, *comma; item && status == 0; item = comma ? comma + 1 : NULL) {
    if ((comma = strchr(item, ','))) *comma = '\0';
    if (!item[0]) {
      snprintf(err, errlen, "--data: an empty item in '%s' (a stray comma?)", spec);
      status = -1;
    } else if (!strpbrk(item, "*?[")) {
      append_path(paths, n, &cap, item);
    } else {
      glob_t g;
      int rc = glob(item, GLOB_ERR, NULL, &g);
      if (rc == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) append_path(paths, n, &cap, g.gl_pathv[i]);
      } else {
        snprintf(err, errlen, "--data: %s '%s'", rc == GLOB_NOMATCH ? "no file matches" : "cannot read the directories of",
                 item);
        status = -1;
      }
      globfree(&g);
    }
  }
  free(copy);
  if (status != 0) {
    data_shard_list_free(*paths, *n);
    *paths = NULL;
    *n = 0;
  }
  return status;
}

void data_shard_list_free(char **paths, int n) {
  for (int i = 0; i < n; i++) free(paths[i]);
  free(paths);
}

// Appends one shard's tokens to *tokens (grown to *count + its count). Header and size are checked
// before anything is allocated.
static int read_shard(const char *path, int vocab_size, uint16_t **tokens, size_t *count, char *err,
                      size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  int status = -1;
  struct stat st;
  int32_t header[DATA_SHARD_HEADER_INTS];
  if (fstat(fileno(f), &st) != 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    goto done;
  }
  size_t file_bytes = (size_t)st.st_size;
  if (!S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "%s: not a regular file", path);
    goto done;
  }
  if (file_bytes < SHARD_HEADER_BYTES) {
    snprintf(err, errlen, "%s: file is %zu bytes, shorter than the %zu-byte token shard header", path,
             file_bytes, SHARD_HEADER_BYTES);
    goto done;
  }
  if (fread(header, 1, SHARD_HEADER_BYTES, f) != SHARD_HEADER_BYTES) {
    snprintf(err, errlen, "%s: read error in the header", path);
    goto done;
  }
  if (header[0] != DATA_SHARD_MAGIC) {
    snprintf(err, errlen, "%s: not an llm.c token shard (magic %d at byte 0, expected %d)", path, header[0],
             DATA_SHARD_MAGIC);
    goto done;
  }
  if (header[1] != DATA_SHARD_VERSION) {
    snprintf(err, errlen,
             "%s: token shard version %d (at byte 4) is not supported; only version %d (uint16 tokens)", path,
             header[1], DATA_SHARD_VERSION);
    goto done;
  }
  if (header[2] < 0) {
    snprintf(err, errlen, "%s: negative token count %d (at byte 8)", path, header[2]);
    goto done;
  }
  size_t shard_tokens = (size_t)header[2];
  size_t expected_bytes = SHARD_HEADER_BYTES + shard_tokens * sizeof(uint16_t);
  if (file_bytes != expected_bytes) {
    snprintf(err, errlen,
             "%s: header says %zu tokens (at byte 8), so the file should be %zu bytes, but it is %zu "
             "bytes (%s)",
             path, shard_tokens, expected_bytes, file_bytes,
             file_bytes < expected_bytes ? "truncated" : "extra bytes after the tokens");
    goto done;
  }

  uint16_t *grown = realloc(*tokens, (*count + shard_tokens) * sizeof(uint16_t) + 1);
  if (!grown) CC_FATAL("out of memory for %zu tokens of %s", *count + shard_tokens, path);
  *tokens = grown;
  uint16_t *shard = grown + *count;
  if (fread(shard, sizeof(uint16_t), shard_tokens, f) != shard_tokens) {
    snprintf(err, errlen, "%s: read error (the file changed while it was read?)", path);
    goto done;
  }
  for (size_t i = 0; i < shard_tokens; i++) {
    if (shard[i] >= vocab_size) {
      snprintf(err, errlen,
               "%s: token %u at token offset %zu (byte %zu) is outside the vocabulary of %d tokens", path,
               shard[i], i, SHARD_HEADER_BYTES + i * sizeof(uint16_t), vocab_size);
      goto done;
    }
  }
  *count += shard_tokens;
  status = 0;
done:
  fclose(f);
  return status;
}

int data_token_shards(token_stream *out, const char *const *paths, int num_paths, int vocab_size, char *err,
                      size_t errlen) {
  *out = (token_stream){0};
  if (num_paths < 1) {
    snprintf(err, errlen, "token shards: no shard paths given");
    return -1;
  }
  if (vocab_size < 1 || vocab_size > 65536) {
    snprintf(err, errlen, "%s: vocabulary size %d must be in 1..65536 for uint16 tokens", paths[0],
             vocab_size);
    return -1;
  }
  uint16_t *tokens = NULL;
  size_t count = 0;
  for (int i = 0; i < num_paths; i++) {
    if (read_shard(paths[i], vocab_size, &tokens, &count, err, errlen) != 0) {
      free(tokens);
      return -1;
    }
  }
  if (count == 0) {
    free(tokens);
    snprintf(err, errlen, "%s: the token shards hold no tokens", paths[0]);
    return -1;
  }
  out->name =
      num_paths == 1 ? cc_strdup(paths[0]) : format_name("%s (+%d more shards)", paths[0], num_paths - 1);
  out->tokens = tokens;
  out->count = count;
  out->vocab_size = vocab_size;
  out->entropy_rate = out->loss_floor = NAN;
  return 0;
}

// ---- split ----

int data_split_validation(token_stream *train, token_stream *val, int T, char *err, size_t errlen) {
  *val = (token_stream){0};
  size_t sequence = (size_t)T + 1;
  size_t val_count = train->count / 10 > sequence ? train->count / 10 : sequence;
  if (T < 1 || train->count < 2 * sequence) {
    snprintf(err, errlen,
             "%s: %zu tokens are too few to split into training and validation parts of at least "
             "T + 1 = %zu tokens each",
             train->name, train->count, sequence);
    return -1;
  }
  size_t train_count = train->count - val_count;
  val->name = format_name("%s (validation: last %zu tokens)", train->name, val_count);
  val->tokens = cc_malloc(val_count * sizeof(uint16_t));
  memcpy(val->tokens, train->tokens + train_count, val_count * sizeof(uint16_t));
  val->count = val_count;
  val->vocab_size = train->vocab_size;
  val->entropy_rate = train->entropy_rate;
  val->loss_floor = train->loss_floor;
  train->count = train_count;  // the allocation keeps its size; only the count shrinks
  return 0;
}

// ---- batches ----

int data_check_length(const token_stream *s, int T, char *err, size_t errlen) {
  if (T < 1 || s->count < (size_t)T + 1) {
    snprintf(err, errlen, "%s: %zu tokens, too few for one sequence of T + 1 = %lld tokens", s->name,
             s->count, (long long)T + 1);
    return -1;
  }
  return 0;
}

// (a + b) mod m and (a b) mod m for a, b < m, without overflow.
static uint64_t add_mod(uint64_t a, uint64_t b, uint64_t m) { return a >= m - b ? a - (m - b) : a + b; }
static uint64_t mul_mod(uint64_t a, uint64_t b, uint64_t m) {
  if (a < ((uint64_t)1 << 32) && b < ((uint64_t)1 << 32)) return a * b % m;
  uint64_t product = 0;
  for (; b; b >>= 1) {
    if (b & 1) product = add_mod(product, a, m);
    a = add_mod(a, a, m);
  }
  return product;
}

// The batch loaders' contract (data.h): a stream long enough for T, and sequences inside the global batch.
static void check_batch(const char *fn, const token_stream *s, int global_batch, int first_seq, int B, int T) {
  if (T < 1 || s->count < (size_t)T + 1)
    CC_FATAL("%s: %s has %zu tokens, fewer than T + 1 = %d", fn, s->name, s->count, T + 1);
  if (B < 1 || first_seq < 0 || global_batch < first_seq + B)
    CC_FATAL("%s: sequences [%d, %d) are not within a global batch of %d", fn, first_seq, first_seq + B, global_batch);
}

// Row i of a batch: the T tokens from start as inputs, the same shifted by one as targets.
static void take_sequence(const token_stream *s, uint64_t start, int i, int T, int *inputs, int *targets) {
  const uint16_t *seq = s->tokens + start;
  for (int t = 0; t < T; t++) {
    inputs[(size_t)i * T + t] = seq[t];
    targets[(size_t)i * T + t] = seq[t + 1];
  }
}

void data_batch(const token_stream *s, uint64_t batch_index, int global_batch, int first_seq, int B, int T,
                int *inputs, int *targets) {
  check_batch("data_batch", s, global_batch, first_seq, B, T);
  uint64_t starts = s->count - (uint64_t)T;  // start positions with room for T + 1 tokens
  // g T mod starts, with g = batch_index G + j computed mod starts.
  uint64_t batch_first = mul_mod(batch_index % starts, (uint64_t)global_batch % starts, starts);
  uint64_t stride = (uint64_t)T % starts;
  for (int i = 0; i < B; i++) {
    uint64_t g = add_mod(batch_first, (uint64_t)(first_seq + i) % starts, starts);
    take_sequence(s, mul_mod(g, stride, starts), i, T, inputs, targets);
  }
}

void data_batch_random(const token_stream *s, uint64_t seed, uint64_t batch_index, int global_batch, int first_seq,
                       int B, int T, int *inputs, int *targets) {
  check_batch("data_batch_random", s, global_batch, first_seq, B, T);
  uint64_t starts = s->count - (uint64_t)T;
  for (int i = 0; i < B; i++) {
    uint64_t g = batch_index * (uint64_t)global_batch + (uint64_t)(first_seq + i);
    take_sequence(s, cc_hash64(seed, g) % starts, i, T, inputs, targets);  // bias below starts / 2^64
  }
}

uint64_t data_batches_per_epoch(const token_stream *s, int global_batch, int T) {
  if (T < 1 || global_batch < 1 || s->count < (size_t)T + 1) return 1;
  uint64_t starts = s->count - (uint64_t)T;
  uint64_t sequences = (starts + (uint64_t)T - 1) / (uint64_t)T;  // g with g T < starts: no wrap
  uint64_t batches = sequences / (uint64_t)global_batch;
  return batches ? batches : 1;
}

uint64_t data_val_batches(const token_stream *val, int global_batch, int T, uint64_t max_batches) {
  uint64_t per_epoch = data_batches_per_epoch(val, global_batch, T);
  return max_batches < per_epoch ? max_batches : per_epoch;
}
