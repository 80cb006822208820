// Tests for trainer/data: llm.c shards written here (good, and every way of being bad), text files, the
// Markov streams, the validation split, and the batch loader: its offsets, its data-parallel property
// (P ranks with batch B read what 1 rank with batch P B reads) and its length check.
#include <math.h>
#include <stdint.h>

#include "common/error.h"
#include "common/tests/check.h"
#include "trainer/data.h"
#include "trainer/markov.h"

static const char *dir;

static const char *path_in_dir(const char *name) { return test_path(dir, name); }

// A shard with the given header fields and `written` tokens (which may disagree with the header).
static void write_shard(const char *path, int32_t magic, int32_t version, int32_t header_count,
                        const uint16_t *tokens, size_t written) {
  int32_t header[256] = {0};
  header[0] = magic;
  header[1] = version;
  header[2] = header_count;
  FILE *f = fopen(path, "wb");
  if (!f) {
    perror(path);
    exit(1);
  }
  fwrite(header, sizeof header, 1, f);
  if (written) fwrite(tokens, sizeof(uint16_t), written, f);
  fclose(f);
}


// Expects a failure whose message names the path and contains `what`.
static void expect_shard_error(const char *const *paths, int n, int vocab, const char *named,
                               const char *what) {
  token_stream s;
  char err[512] = "";
  int rc = data_token_shards(&s, paths, n, vocab, err, sizeof err);
  CHECKF(rc == -1, "%s: accepted, expected an error about '%s'", named, what);
  CHECKF(strncmp(err, named, strlen(named)) == 0 && strstr(err, what) != NULL,
         "error should start with '%s' and mention '%s': %s", named, what, err);
  if (rc == 0) token_stream_free(&s);
}

static void test_shards(void) {
  enum { N = 1000, VOCAB = 50257 };
  static uint16_t a[N], b[N / 2];
  for (int i = 0; i < N; i++) a[i] = (uint16_t)((i * 7919u) % VOCAB);
  for (int i = 0; i < N / 2; i++) b[i] = (uint16_t)((i * 104729u + 5) % VOCAB);
  const char *good = path_in_dir("good.bin"), *second = path_in_dir("second.bin");
  write_shard(good, 20240520, 1, N, a, N);
  write_shard(second, 20240520, 1, N / 2, b, N / 2);

  token_stream s;
  char err[512] = "";
  CHECKF(data_token_shards(&s, &good, 1, VOCAB, err, sizeof err) == 0, "good shard: %s", err);
  CHECK(s.count == N && s.vocab_size == VOCAB && memcmp(s.tokens, a, sizeof a) == 0);
  CHECK_STREQ(s.name, good);
  CHECK(isnan(s.entropy_rate) && isnan(s.loss_floor));
  token_stream_free(&s);

  const char *both[2] = {good, second};
  CHECKF(data_token_shards(&s, both, 2, VOCAB, err, sizeof err) == 0, "two shards: %s", err);
  CHECK(s.count == N + N / 2);
  CHECK(s.count == N + N / 2 && memcmp(s.tokens, a, sizeof a) == 0 && memcmp(s.tokens + N, b, sizeof b) == 0);
  CHECKF(strstr(s.name, good) && strstr(s.name, "+1 more"), "name of two shards: %s", s.name);
  token_stream_free(&s);

  const char *p = path_in_dir("magic.bin");
  write_shard(p, 20240326, 1, N, a, N);  // a model file's magic
  expect_shard_error(&p, 1, VOCAB, p, "magic 20240326 at byte 0");
  p = path_in_dir("version.bin");
  write_shard(p, 20240520, 2, N, a, N);
  expect_shard_error(&p, 1, VOCAB, p, "version 2");
  p = path_in_dir("truncated.bin");
  write_shard(p, 20240520, 1, N, a, N - 1);
  expect_shard_error(&p, 1, VOCAB, p, "truncated");
  p = path_in_dir("extra.bin");
  write_shard(p, 20240520, 1, N - 1, a, N);
  expect_shard_error(&p, 1, VOCAB, p, "extra bytes");
  p = path_in_dir("negative.bin");
  write_shard(p, 20240520, 1, -5, a, 0);
  expect_shard_error(&p, 1, VOCAB, p, "negative token count");
  p = path_in_dir("short.bin");
  write_test_file(p, a, 100);
  expect_shard_error(&p, 1, VOCAB, p, "shorter than the 1024-byte");
  p = path_in_dir("missing.bin");
  expect_shard_error(&p, 1, VOCAB, p, "No such file");

  // Token 37 out of the vocabulary: reported with its token and byte offsets (1024 + 2 * 37 = 1098).
  static uint16_t bad[N];
  memcpy(bad, a, sizeof a);
  bad[37] = 60000;
  bad[500] = 65535;
  p = path_in_dir("badtoken.bin");
  write_shard(p, 20240520, 1, N, bad, N);
  expect_shard_error(&p, 1, VOCAB, p, "token 60000 at token offset 37 (byte 1098)");
  CHECKF(data_token_shards(&s, &p, 1, 65536, err, sizeof err) == 0, "same shard, full uint16 vocab: %s", err);
  token_stream_free(&s);
  // The boundary: vocab_size - 1 is a token, vocab_size is not.
  uint16_t edge[2] = {VOCAB - 1, VOCAB};
  p = path_in_dir("edge.bin");
  write_shard(p, 20240520, 1, 2, edge, 2);
  expect_shard_error(&p, 1, VOCAB, p, "token 50257 at token offset 1 (byte 1026)");
  CHECKF(data_token_shards(&s, &p, 1, VOCAB + 1, err, sizeof err) == 0, "edge shard: %s", err);
  token_stream_free(&s);

  // A bad second shard is named, not the first.
  const char *good_then_bad[2] = {good, path_in_dir("truncated.bin")};
  expect_shard_error(good_then_bad, 2, VOCAB, good_then_bad[1], "truncated");
  expect_shard_error(&good, 1, 0, good, "vocabulary size 0");
}

static void test_text(void) {
  const char *p = path_in_dir("text.txt");
  const unsigned char bytes[8] = {'h', 'e', 'l', 'l', 'o', '\n', 0, 255};
  write_test_file(p, bytes, sizeof bytes);
  token_stream s;
  char err[512] = "";
  CHECKF(data_text_file(&s, p, err, sizeof err) == 0, "text: %s", err);
  CHECK(s.count == 8 && s.vocab_size == 256);
  int same = s.count == 8;
  for (size_t i = 0; same && i < 8; i++) same = s.tokens[i] == bytes[i];
  CHECK(same);
  token_stream_free(&s);

  p = path_in_dir("empty.txt");
  write_test_file(p, NULL, 0);
  CHECK(data_text_file(&s, p, err, sizeof err) == -1);
  CHECKF(strncmp(err, p, strlen(p)) == 0 && strstr(err, "empty"), "empty text: %s", err);
  p = path_in_dir("absent.txt");
  CHECK(data_text_file(&s, p, err, sizeof err) == -1);
  CHECKF(strncmp(err, p, strlen(p)) == 0, "missing text: %s", err);
}

static void test_markov_streams(void) {
  data_markov_spec spec = data_markov_default();
  CHECK(spec.vocab == MARKOV_DEFAULT_VOCAB && spec.order == MARKOV_DEFAULT_ORDER);
  spec.train_tokens = 20000;
  spec.val_tokens = 5000;
  token_stream train, val, train2, val2;
  char err[512] = "";
  CHECKF(data_markov(&spec, 64, &train, &val, err, sizeof err) == 0, "markov: %s", err);
  CHECKF(data_markov(&spec, 64, &train2, &val2, err, sizeof err) == 0, "markov: %s", err);
  CHECK(train.count == 20000 && val.count == 5000 && train.vocab_size == 64 && val.vocab_size == 64);
  CHECK(memcmp(train.tokens, train2.tokens, train.count * 2) == 0);  // deterministic
  CHECK(memcmp(train.tokens, val.tokens, val.count * 2) != 0);       // a different stream
  markov_chain *m = markov_create(spec.vocab, spec.order, spec.sharpness, spec.seed, err, sizeof err);
  CHECK(m && train.entropy_rate == markov_entropy_rate(m) && val.loss_floor == markov_loss_floor(m, 64));
  markov_free(m);
  CHECKF(strstr(train.name, "markov") && strstr(val.name, "val"), "names: %s, %s", train.name, val.name);
  token_stream_free(&train);
  token_stream_free(&val);
  token_stream_free(&train2);
  token_stream_free(&val2);

  spec.val_tokens = 64;  // fewer than T + 1
  CHECK(data_markov(&spec, 64, &train, &val, err, sizeof err) == -1);
  CHECKF(strstr(err, "T + 1 = 65") != NULL, "short markov: %s", err);
  spec = data_markov_default();
  spec.order = 5;  // 64^6 entries
  CHECK(data_markov(&spec, 64, &train, &val, err, sizeof err) == -1);
  CHECKF(strstr(err, "limit") != NULL, "markov too large: %s", err);
}

// A stream whose token i is i: a window's first token is its start offset.
static token_stream counting_stream(size_t n) {
  token_stream s = {.name = cc_strdup("counting"), .count = n, .vocab_size = 65536};
  s.tokens = malloc(n * sizeof(uint16_t));
  for (size_t i = 0; i < n; i++) s.tokens[i] = (uint16_t)i;
  s.entropy_rate = s.loss_floor = NAN;
  return s;
}

static void test_split(void) {
  char err[512] = "";
  token_stream train = counting_stream(1000), val;
  CHECKF(data_split_validation(&train, &val, 16, err, sizeof err) == 0, "split: %s", err);
  CHECK(train.count == 900 && val.count == 100 && val.tokens[0] == 900 && val.tokens[99] == 999);
  CHECKF(strstr(val.name, "counting") && strstr(val.name, "validation"), "val name: %s", val.name);
  token_stream_free(&train);
  token_stream_free(&val);

  // 10% would be shorter than one sequence: validation gets T + 1 tokens.
  train = counting_stream(40);
  CHECKF(data_split_validation(&train, &val, 16, err, sizeof err) == 0, "split 40: %s", err);
  CHECK(train.count == 23 && val.count == 17 && val.tokens[0] == 23);
  token_stream_free(&train);
  token_stream_free(&val);

  train = counting_stream(33);
  CHECK(data_split_validation(&train, &val, 16, err, sizeof err) == -1);
  CHECKF(strstr(err, "counting: 33 tokens") != NULL, "split too short: %s", err);
  token_stream_free(&train);
}

// Expected start of global sequence g, computed with 128-bit arithmetic.
static uint64_t expected_start(uint64_t batch, int G, int j, int T, size_t n) {
  unsigned __int128 g = (unsigned __int128)batch * (unsigned)G + (unsigned)j;
  return (uint64_t)((g * (unsigned)T) % (n - (size_t)T));
}

static void test_loader(void) {
  enum { T = 16, B = 3, P = 4, G = P * B };
  const size_t n = 1000;
  token_stream s = counting_stream(n);
  char err[512] = "";
  CHECK(data_check_length(&s, T, err, sizeof err) == 0);
  const uint64_t batches[] = {0, 1, 2, 5, 6, 7, 19, 1000, ((uint64_t)1 << 40) + 3, UINT64_MAX / 2};
  static int in_one[G * T], tg_one[G * T], in_rank[G * T], tg_rank[G * T];
  for (size_t bi = 0; bi < sizeof batches / sizeof batches[0]; bi++) {
    uint64_t b = batches[bi];
    data_batch(&s, b, G, 0, G, T, in_one, tg_one);  // one rank, batch P B
    for (int r = 0; r < P; r++)                     // P ranks, batch B
      data_batch(&s, b, G, r * B, B, T, in_rank + r * B * T, tg_rank + r * B * T);
    CHECKF(memcmp(in_one, in_rank, sizeof in_one) == 0 && memcmp(tg_one, tg_rank, sizeof tg_one) == 0,
           "batch %llu: %d ranks x %d differ from 1 rank x %d", (unsigned long long)b, P, B, G);
    for (int j = 0; j < G; j++) {
      uint64_t start = expected_start(b, G, j, T, n);
      CHECKF(in_one[j * T] == (int)start, "batch %llu seq %d starts at %d, expected %llu",
             (unsigned long long)b, j, in_one[j * T], (unsigned long long)start);
      for (int t = 0; t < T; t++) {
        CHECKF(in_one[j * T + t] == (int)(start + t) && tg_one[j * T + t] == (int)(start + t + 1),
               "batch %llu seq %d position %d: input %d target %d", (unsigned long long)b, j, t,
               in_one[j * T + t], tg_one[j * T + t]);
        if (t + 1 < T) CHECK(tg_one[j * T + t] == in_one[j * T + t + 1]);  // targets = inputs shifted
      }
      CHECK(start + T <= n - 1);  // the last target is inside the stream
    }
  }
  // Worked by hand: starts = 1000 - 16 = 984; batch 7, sequence 0 is g = 84, 84 * 16 = 1344 -> 360.
  data_batch(&s, 7, G, 0, G, T, in_one, tg_one);
  CHECK(in_one[0] == 360);
  // Consecutive sequences tile the stream: each starts where the previous one's inputs end.
  data_batch(&s, 0, G, 0, G, T, in_one, tg_one);
  CHECK(in_one[T] == T && in_one[2 * T] == 2 * T);
  // 984 starts, sequences 0..61 fit (61 * 16 = 976 < 984): 62 / 12 = 5 whole batches per epoch.
  CHECK(data_batches_per_epoch(&s, G, T) == 5);
  CHECK(data_val_batches(&s, G, T, 3) == 3 && data_val_batches(&s, G, T, 100) == 5);
  token_stream_free(&s);

  // Shortest usable stream: T + 1 tokens, every sequence is the whole stream.
  s = counting_stream(T + 1);
  CHECK(data_check_length(&s, T, err, sizeof err) == 0);
  data_batch(&s, 12345, G, 0, G, T, in_one, tg_one);
  CHECK(in_one[0] == 0 && in_one[(G - 1) * T] == 0 && tg_one[G * T - 1] == T);
  CHECK(data_batches_per_epoch(&s, G, T) == 1);
  token_stream_free(&s);

  s = counting_stream(T);
  CHECK(data_check_length(&s, T, err, sizeof err) == -1);
  CHECKF(strstr(err, "counting: 16 tokens") && strstr(err, "T + 1 = 17"), "too short: %s", err);
  token_stream_free(&s);
}

// Random sampling: every sequence is T + 1 consecutive tokens from a start in range, the data-parallel
// property holds, the same seed gives the same batches and another seed others, and the starts cover
// the stream about uniformly (each tenth of the starts gets its share within 20%).
static void test_random_loader(void) {
  enum { T = 16, B = 3, P = 4, G = P * B, BATCHES = 2000 };
  const size_t n = 1000, starts = n - T;
  token_stream s = counting_stream(n);
  static int in_one[G * T], tg_one[G * T], in_rank[G * T], tg_rank[G * T], again[G * T];
  int tenth[10] = {0};
  size_t same_as_other_seed = 0;
  for (uint64_t b = 0; b < BATCHES; b++) {
    data_batch_random(&s, 42, b, G, 0, G, T, in_one, tg_one);
    for (int r = 0; r < P; r++)
      data_batch_random(&s, 42, b, G, r * B, B, T, in_rank + r * B * T, tg_rank + r * B * T);
    CHECKF(memcmp(in_one, in_rank, sizeof in_one) == 0 && memcmp(tg_one, tg_rank, sizeof tg_one) == 0,
           "random batch %llu: %d ranks x %d differ from 1 rank x %d", (unsigned long long)b, P, B, G);
    data_batch_random(&s, 42, b, G, 0, G, T, again, tg_rank);
    CHECK(memcmp(in_one, again, sizeof in_one) == 0);
    data_batch_random(&s, 43, b, G, 0, G, T, again, tg_rank);
    same_as_other_seed += memcmp(in_one, again, sizeof in_one) == 0;
    for (int j = 0; j < G; j++) {
      int start = in_one[j * T];
      CHECKF(start >= 0 && (size_t)start < starts, "random start %d outside [0, %zu)", start, starts);
      for (int t = 0; t < T; t++)
        CHECK(in_one[j * T + t] == start + t && tg_one[j * T + t] == start + t + 1);
      tenth[(size_t)start * 10 / starts]++;
    }
  }
  CHECKF(same_as_other_seed == 0, "%zu batches equal under another seed", same_as_other_seed);
  for (int i = 0; i < 10; i++)
    CHECKF(fabs(tenth[i] - BATCHES * G / 10.0) < 0.2 * BATCHES * G / 10.0, "tenth %d of the starts drew %d of %d",
           i, tenth[i], BATCHES * G);
  token_stream_free(&s);
}

// --data shard lists: paths as given, glob patterns expanded in sorted order, and the errors.
static void test_shard_list(void) {
  uint16_t tok[4] = {1, 2, 3, 4};
  const char *names[] = {"train_002.bin", "train_000.bin", "train_001.bin", "val_000.bin"};
  for (int i = 0; i < 4; i++) write_shard(path_in_dir(names[i]), 20240520, 1, 4, tok, 4);
  char spec[2048], err[512] = "", **paths;
  int n;
  snprintf(spec, sizeof spec, "%s,%s", path_in_dir("train_*.bin"), path_in_dir("val_000.bin"));
  CHECKF(data_shard_list(spec, &paths, &n, err, sizeof err) == 0, "%s", err);
  CHECK(n == 4);
  const char *want[] = {"train_000.bin", "train_001.bin", "train_002.bin", "val_000.bin"};
  for (int i = 0; i < n && i < 4; i++) CHECK_STREQ(paths[i], path_in_dir(want[i]));
  data_shard_list_free(paths, n);
  snprintf(spec, sizeof spec, "%s", path_in_dir("train_00[02].bin"));
  CHECK(data_shard_list(spec, &paths, &n, err, sizeof err) == 0 && n == 2);
  data_shard_list_free(paths, n);
  snprintf(spec, sizeof spec, "%s", path_in_dir("nothing_*.bin"));
  CHECK(data_shard_list(spec, &paths, &n, err, sizeof err) == -1 && n == 0 && paths == NULL);
  CHECKF(strstr(err, "no file matches") && strstr(err, "nothing_*.bin"), "no match: %s", err);
  CHECK(data_shard_list("a.bin,,b.bin", &paths, &n, err, sizeof err) == -1);
  CHECKF(strstr(err, "empty item"), "empty item: %s", err);
  // A path without pattern characters is passed on as it is, existing or not (the loader reports it).
  CHECK(data_shard_list("missing.bin", &paths, &n, err, sizeof err) == 0 && n == 1);
  CHECK_STREQ(paths[0], "missing.bin");
  data_shard_list_free(paths, n);
}

int main(void) {
  dir = make_test_dir("test_data");
  test_random_loader();
  test_shard_list();
  test_shards();
  test_text();
  test_markov_streams();
  test_split();
  test_loader();
  remove_test_dir(dir);
  return check_done("test_data");
}
