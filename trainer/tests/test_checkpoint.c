// Tests for trainer/checkpoint: llm.c model files (bit-exact round trip, the header as llm.c lays it out,
// every kind of bad file named by path) and the sectioned training checkpoint (round trip, alignment,
// truncation and every single-byte corruption detected, structural checks behind a valid checksum,
// failed writes that leave nothing behind and an existing checkpoint untouched).
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>

#include "common/rng.h"
#include "common/tests/check.h"
#include "trainer/checkpoint.h"

static const char *dir;

static char *path_in_dir(const char *name) {
  char *p = malloc(512);
  snprintf(p, 512, "%s/%s", dir, name);
  return p;
}

static unsigned char *read_bytes(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *size = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *data = malloc(*size ? *size : 1);
  if (fread(data, 1, *size, f) != *size) *size = 0;
  fclose(f);
  return data;
}


static int starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

// ---- model files ----

static void expect_model_error(const char *path, const char *what) {
  gpt2_config c;
  float *params = (float *)1;
  char err[512] = "";
  int rc = gpt2_model_file_read(path, &c, &params, err, sizeof err);
  CHECKF(rc == -1 && params == NULL, "%s: accepted, expected an error about '%s'", path, what);
  CHECKF(starts_with(err, path) && strstr(err, what), "error should start with '%s' and mention '%s': %s",
         path, what, err);
  if (rc == 0) free(params);
}

static void test_model_file(void) {
  cc_rng rng;
  cc_rng_seed(&rng, 2024);
  gpt2_config c = {.max_seq_len = 32, .vocab_size = 100, .num_layers = 2, .num_heads = 4, .channels = 48};
  c.padded_vocab_size = gpt2_pad_vocab(c.vocab_size);
  size_t n = gpt2_num_params(&c);
  float *params = malloc(n * sizeof(float));
  for (size_t i = 0; i < n; i++) {
    uint32_t bits = (uint32_t)cc_rng_next(&rng);  // every bit pattern: NaNs, infinities, subnormals, -0
    memcpy(&params[i], &bits, 4);
  }
  char *path = path_in_dir("model.bin"), *partial = path_in_dir("model.bin.partial");
  char err[512] = "";
  CHECKF(gpt2_model_file_write(path, &c, params, err, sizeof err) == 0, "write: %s", err);
  CHECK(file_exists(path) && !file_exists(partial));

  // The header as llm.c reads it.
  size_t size = 0;
  unsigned char *raw = read_bytes(path, &size);
  CHECK(size == 1024 + 4 * n);
  int32_t header[256];
  memcpy(header, raw, sizeof header);
  CHECK(header[0] == 20240326 && header[1] == 3 && header[2] == 32 && header[3] == 100 && header[4] == 2 &&
        header[5] == 4 && header[6] == 48 && header[7] == 128);
  int rest_zero = 1;
  for (int i = 8; i < 256; i++) rest_zero &= header[i] == 0;
  CHECK(rest_zero);

  gpt2_config back;
  float *loaded = NULL;
  CHECKF(gpt2_model_file_read(path, &back, &loaded, err, sizeof err) == 0, "read: %s", err);
  CHECK(loaded && memcmp(&back, &c, sizeof c) == 0);
  CHECK(loaded && memcmp(loaded, params, n * sizeof(float)) == 0);  // bit-exact
  free(loaded);

  char *bad = path_in_dir("bad_model.bin");
  unsigned char *copy = malloc(size + 4);
  memcpy(copy, raw, size);
  int32_t v;
  v = 20240520;  // a token shard's magic
  memcpy(copy, &v, 4);
  write_test_file(bad, copy, size);
  expect_model_error(bad, "magic 20240520 at byte 0");
  memcpy(copy, raw, size);
  v = 5;
  memcpy(copy + 4, &v, 4);
  write_test_file(bad, copy, size);
  expect_model_error(bad, "version 5");
  expect_model_error(bad, "bf16");
  v = 1;
  memcpy(copy + 4, &v, 4);
  write_test_file(bad, copy, size);
  expect_model_error(bad, "version 1");
  memcpy(copy, raw, size);
  write_test_file(bad, copy, size - 4);
  expect_model_error(bad, "truncated");
  memset(copy + size, 0, 4);
  write_test_file(bad, copy, size + 4);
  expect_model_error(bad, "extra bytes");
  write_test_file(bad, copy, 1000);
  expect_model_error(bad, "shorter than the 1024-byte");
  v = 5;  // 48 channels, 5 heads
  memcpy(copy + 20, &v, 4);
  write_test_file(bad, copy, size);
  expect_model_error(bad, "heads");
  memcpy(copy, raw, size);
  v = -7;  // maxT
  memcpy(copy + 8, &v, 4);
  write_test_file(bad, copy, size);
  expect_model_error(bad, "context length");
  char *missing = path_in_dir("no_such_model.bin");
  expect_model_error(missing, "No such file");

  // A write that cannot start leaves the good file as it was.
  CHECK(mkdir(partial, 0700) == 0);  // "<path>.partial" is a directory: the write fails to open it
  c.num_layers = 1;
  CHECK(gpt2_model_file_write(path, &c, params, err, sizeof err) == -1);
  CHECKF(starts_with(err, path), "failed write: %s", err);
  rmdir(partial);
  c.num_layers = 2;
  size_t size_after = 0;
  unsigned char *after = read_bytes(path, &size_after);
  CHECK(size_after == size && memcmp(after, raw, size) == 0);
  free(after);
  // A bad shape is refused before any file is made.
  c.num_heads = 5;
  char *refused = path_in_dir("refused.bin");
  CHECK(gpt2_model_file_write(refused, &c, params, err, sizeof err) == -1);
  CHECKF(starts_with(err, refused) && strstr(err, "heads"), "bad shape: %s", err);
  CHECK(!file_exists(refused));

  free(copy);
  free(raw);
  free(params);
  free(path);
  free(partial);
  free(bad);
  free(missing);
  free(refused);
}

// ---- training checkpoints ----

static void expect_ckpt_error(const char *path, const char *what) {
  ckpt ck;
  char err[512] = "";
  int rc = ckpt_read(&ck, path, err, sizeof err);
  CHECKF(rc == -1, "%s: accepted, expected an error about '%s'", path, what);
  CHECKF(starts_with(err, path) && strstr(err, what), "error should start with '%s' and mention '%s': %s",
         path, what, err);
  ckpt_free(&ck);
}

// Writes raw with `len` bytes at `offset` replaced and the checksum recomputed, so only the structure
// checks can catch it (a file written by something else), then expects ckpt_read to name `want`.
static void expect_resealed_error(const unsigned char *raw, size_t size, size_t offset, const void *patch,
                                  size_t len, const char *bad, const char *want) {
  unsigned char *copy = malloc(size);
  memcpy(copy, raw, size);
  memcpy(copy + offset, patch, len);
  uint64_t sum = ckpt_checksum(copy, size - 8);
  memcpy(copy + size - 8, &sum, 8);
  write_test_file(bad, copy, size);
  expect_ckpt_error(bad, want);
  free(copy);
}

enum { NPARAMS = 1001 };
static float ck_params[NPARAMS];
static const uint64_t ck_step = 123456789012345ULL;
static const char ck_note[5] = {'h', 'e', 'l', 'l', 'o'};

static void build_checkpoint(ckpt *ck) {
  ckpt_init(ck);
  ckpt_add(ck, "params", ck_params, sizeof ck_params);  // 4004 bytes: 4 bytes of padding
  ckpt_add(ck, "step", &ck_step, sizeof ck_step);
  ckpt_add(ck, "note", ck_note, sizeof ck_note);
  ckpt_add(ck, "empty", NULL, 0);
}

static void test_checkpoint_round_trip(const char *path) {
  for (int i = 0; i < NPARAMS; i++) ck_params[i] = (float)i * 0.5f - 7.25f;
  ckpt out;
  build_checkpoint(&out);
  char err[512] = "";
  CHECKF(ckpt_write(&out, path, err, sizeof err) == 0, "write: %s", err);
  ckpt_free(&out);

  size_t size = 0;
  unsigned char *raw = read_bytes(path, &size);
  // 16 header + 4 x 72 section headers + 4008 + 8 + 8 + 0 data + 8 checksum.
  CHECK(size == 16 + 4 * 72 + 4008 + 8 + 8 + 8);
  CHECK(memcmp(raw, "CCTRAIN1", 8) == 0);
  uint64_t stored;
  memcpy(&stored, raw + size - 8, 8);
  CHECK(stored == ckpt_checksum(raw, size - 8));
  free(raw);

  ckpt in;
  CHECKF(ckpt_read(&in, path, err, sizeof err) == 0, "read: %s", err);
  CHECK(in.count == 4);
  const ckpt_section *s = ckpt_find(&in, "params");
  CHECK(s && s->bytes == sizeof ck_params && memcmp(s->data, ck_params, sizeof ck_params) == 0);
  CHECK(s && (uintptr_t)s->data % 8 == 0);
  s = ckpt_find(&in, "step");
  CHECK(s && s->bytes == 8 && *(const uint64_t *)s->data == ck_step);
  s = ckpt_find(&in, "note");
  CHECK(s && s->bytes == 5 && memcmp(s->data, "hello", 5) == 0);
  s = ckpt_find(&in, "empty");
  CHECK(s && s->bytes == 0);
  CHECK(ckpt_find(&in, "adam_m") == NULL);

  float params_back[NPARAMS];
  CHECKF(ckpt_get(&in, "params", params_back, sizeof params_back, err, sizeof err) == 0, "get: %s", err);
  CHECK(memcmp(params_back, ck_params, sizeof ck_params) == 0);
  uint32_t small;
  CHECK(ckpt_get(&in, "step", &small, sizeof small, err, sizeof err) == -1);
  CHECKF(starts_with(err, path) && strstr(err, "section 'step' has 8 bytes, expected 4"), "get size: %s",
         err);
  CHECK(ckpt_get(&in, "adam_v", &small, sizeof small, err, sizeof err) == -1);
  CHECKF(starts_with(err, path) && strstr(err, "no section 'adam_v'"), "get missing: %s", err);
  ckpt_free(&in);
}

static void test_checkpoint_damage(const char *path) {
  size_t size = 0;
  unsigned char *raw = read_bytes(path, &size);
  char *bad = path_in_dir("bad.ckpt");

  // Truncated anywhere, on a word boundary or not.
  const size_t cuts[] = {0, 7, 16, 23, 24, 100, size / 2, size - 16, size - 9, size - 8, size - 1};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    write_test_file(bad, raw, cuts[i]);
    expect_ckpt_error(bad, ":");
  }
  write_test_file(bad, raw, size - 8);
  expect_ckpt_error(bad, "checksum mismatch");

  // A flipped bit in any byte is caught (bit i mod 8 of byte i, so every bit position is tried).
  unsigned char *copy = malloc(size + 8);
  int undetected = 0;
  for (size_t i = 0; i < size; i++) {
    memcpy(copy, raw, size);
    copy[i] ^= (unsigned char)(1u << (i % 8));
    write_test_file(bad, copy, size);
    ckpt ck;
    char err[512] = "";
    if (ckpt_read(&ck, bad, err, sizeof err) == 0)
      undetected++;
    else
      CHECKF(starts_with(err, bad), "flip at byte %zu: %s", i, err);
    ckpt_free(&ck);
  }
  CHECKF(undetected == 0, "%d single-bit flips were not detected", undetected);

  // Structure errors behind a valid checksum (a file written by something else).
  uint8_t version2 = 2, one = 1;
  uint32_t count = 1000000, three = 3;  // three: one section left over at the end
  uint64_t huge = UINT64_MAX - 3;       // the first section's byte count
  char no_nul[64];                      // a name without its NUL
  memset(no_nul, 'x', sizeof no_nul);
  expect_resealed_error(raw, size, 8, &version2, 1, bad, "version 2 (at byte 8)");
  expect_resealed_error(raw, size, 12, &count, 4, bad, "section count 1000000 (at byte 12)");
  expect_resealed_error(raw, size, 16 + 64, &huge, 8, bad, "section 'params' (at byte 16) claims");
  expect_resealed_error(raw, size, 12, &three, 4, bad, "unexpected bytes after the last section");
  // The second section renamed to the first's name.
  expect_resealed_error(raw, size, 16 + 72 + 4008, "params", 7, bad, "duplicate section 'params'");
  expect_resealed_error(raw, size, 16, no_nul, sizeof no_nul, bad, "not NUL-terminated");
  expect_resealed_error(raw, size, 16 + 72 + 4004, &one, 1, bad, "nonzero padding");  // after "params"

  memcpy(copy, raw, size);
  memcpy(copy, "CCTRAIN2", 8);
  write_test_file(bad, copy, size);
  expect_ckpt_error(bad, "not a cctrain checkpoint");

  free(copy);
  free(raw);
  free(bad);
}

static void test_failed_writes(const char *path) {
  ckpt ck;
  build_checkpoint(&ck);
  char err[512] = "";

  // A directory that does not exist: an error naming the path, and nothing created.
  char *nowhere = path_in_dir("no_such_dir/ck.bin");
  char *nowhere_dir = path_in_dir("no_such_dir");
  CHECK(ckpt_write(&ck, nowhere, err, sizeof err) == -1);
  CHECKF(starts_with(err, nowhere) && strstr(err, "No such file"), "missing dir: %s", err);
  CHECK(!file_exists(nowhere_dir));

  // A write that fails at the very end (the rename onto a directory) leaves no .partial file behind.
  char *a_dir = path_in_dir("a_directory"), *a_dir_partial = path_in_dir("a_directory.partial");
  CHECK(mkdir(a_dir, 0700) == 0);
  CHECK(ckpt_write(&ck, a_dir, err, sizeof err) == -1);
  CHECKF(starts_with(err, a_dir), "rename failure: %s", err);
  CHECK(!file_exists(a_dir_partial));
  rmdir(a_dir);
  free(a_dir);
  free(a_dir_partial);

  // A write that fails over an existing good checkpoint leaves it as it was.
  size_t size = 0;
  unsigned char *before = read_bytes(path, &size);
  char *partial = malloc(strlen(path) + 16);
  sprintf(partial, "%s.partial", path);
  CHECK(mkdir(partial, 0700) == 0);
  ckpt_free(&ck);
  ckpt_init(&ck);
  ckpt_add(&ck, "other", "x", 1);
  CHECK(ckpt_write(&ck, path, err, sizeof err) == -1);
  CHECKF(starts_with(err, path), "failed write: %s", err);
  rmdir(partial);
  size_t size_after = 0;
  unsigned char *after = read_bytes(path, &size_after);
  CHECK(size_after == size && memcmp(after, before, size) == 0);
  ckpt in;
  CHECKF(ckpt_read(&in, path, err, sizeof err) == 0 && ckpt_find(&in, "params"), "survivor: %s", err);
  ckpt_free(&in);

  // And a good write replaces it whole.
  CHECKF(ckpt_write(&ck, path, err, sizeof err) == 0, "rewrite: %s", err);
  CHECK(!file_exists(partial));
  CHECK(ckpt_read(&in, path, err, sizeof err) == 0 && in.count == 1 && ckpt_find(&in, "other"));
  ckpt_free(&in);

  ckpt_free(&ck);
  free(before);
  free(after);
  free(partial);
  free(nowhere);
  free(nowhere_dir);
}

// Any change confined to one 64-bit word changes the checksum (each step is a bijection of its lane).
static void test_checksum(void) {
  enum { WORDS = 37 };
  uint64_t words[WORDS];
  cc_rng rng;
  cc_rng_seed(&rng, 5);
  for (int i = 0; i < WORDS; i++) words[i] = cc_rng_next(&rng);
  uint64_t base = ckpt_checksum(words, sizeof words);
  int same = 0;
  for (int trial = 0; trial < 20000; trial++) {
    int i = (int)cc_rng_below(&rng, WORDS);
    uint64_t saved = words[i];
    words[i] ^= cc_rng_next(&rng) | 1;
    same += ckpt_checksum(words, sizeof words) == base;
    words[i] = saved;
  }
  CHECKF(same == 0, "%d one-word changes kept the checksum", same);
  // Swapping two different words is noticed too, and so is dropping the last one.
  uint64_t swapped[WORDS];
  memcpy(swapped, words, sizeof words);
  swapped[3] = words[4];
  swapped[4] = words[3];
  CHECK(ckpt_checksum(swapped, sizeof swapped) != base);
  CHECK(ckpt_checksum(words, sizeof words - 8) != base);
}

int main(void) {
  dir = make_test_dir("test_checkpoint");
  test_model_file();
  char *path = path_in_dir("train.ckpt");
  test_checkpoint_round_trip(path);
  test_checkpoint_damage(path);
  test_failed_writes(path);
  test_checksum();
  free(path);
  remove_test_dir(dir);
  return check_done("test_checkpoint");
}
