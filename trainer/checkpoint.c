// llm.c GPT-2 model files and cctrain's sectioned checkpoints (see checkpoint.h for both layouts).
#include "trainer/checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/atomic_file.h"
#include "common/error.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "model files and checkpoints are written as the memory lies, little-endian: port them first"
#endif

static const size_t MODEL_HEADER_BYTES = GPT2_MODEL_HEADER_INTS * sizeof(int32_t);
static const size_t CKPT_HEADER_BYTES = 16;                           // magic, version, count
static const size_t CKPT_SECTION_HEADER_BYTES = CKPT_NAME_BYTES + 8;  // name, byte count
static const size_t CKPT_CHECKSUM_BYTES = 8;

// ---- file helpers ----

// Opens path for reading and gets its size; -1 with a message when it cannot or it is not a file.
static FILE *open_for_reading(const char *path, size_t *size, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return NULL;
  }
  struct stat st;
  const char *problem = fstat(fileno(f), &st) != 0 ? strerror(errno)
                        : !S_ISREG(st.st_mode)     ? "not a regular file"
                                                   : NULL;
  if (problem) {
    snprintf(err, errlen, "%s: %s", path, problem);
    fclose(f);
    return NULL;
  }
  *size = (size_t)st.st_size;
  return f;
}

static int open_for_writing(cc_afile *af, const char *path, char *err, size_t errlen) {
  if (cc_afile_open(af, path) != 0) {
    snprintf(err, errlen, "%s: cannot write: %s", path, af->why);
    return -1;
  }
  return 0;
}

// Commits a file whose writes all succeeded (wrote_all), else discards it. 0 or -1 with a message.
static int finish_writing(cc_afile *af, const char *path, int wrote_all, char *err, size_t errlen) {
  if (!wrote_all) {
    int saved = errno;
    cc_afile_discard(af);
    snprintf(err, errlen, "%s: write failed: %s", path, strerror(saved ? saved : EIO));
    return -1;
  }
  if (cc_afile_commit(af) != 0) {  // which also removes the .partial file: a failed write leaves nothing
    snprintf(err, errlen, "%s: write failed: %s", path, af->why);
    return -1;
  }
  return 0;
}

// ---- llm.c model file ----

int gpt2_model_file_write(const char *path, const gpt2_config *c, const float *params, char *err,
                          size_t errlen) {
  const char *bad = gpt2_config_error(c);
  if (bad) {
    snprintf(err, errlen, "%s: cannot write a model with a bad shape: %s", path, bad);
    return -1;
  }
  int32_t header[GPT2_MODEL_HEADER_INTS] = {0};
  header[0] = GPT2_MODEL_MAGIC;
  header[1] = GPT2_MODEL_VERSION;
  header[2] = c->max_seq_len;
  header[3] = c->vocab_size;
  header[4] = c->num_layers;
  header[5] = c->num_heads;
  header[6] = c->channels;
  header[7] = c->padded_vocab_size;
  size_t n = gpt2_num_params(c);

  cc_afile af;
  if (open_for_writing(&af, path, err, errlen) != 0) return -1;
  errno = 0;
  int wrote_all = fwrite(header, sizeof header, 1, af.f) == 1 && fwrite(params, sizeof(float), n, af.f) == n;
  return finish_writing(&af, path, wrote_all, err, errlen);
}

int gpt2_model_file_read(const char *path, gpt2_config *out, float **params_out, char *err, size_t errlen) {
  *params_out = NULL;
  size_t file_bytes;
  FILE *f = open_for_reading(path, &file_bytes, err, errlen);
  if (!f) return -1;
  int status = -1;
  int32_t header[GPT2_MODEL_HEADER_INTS];
  if (file_bytes < MODEL_HEADER_BYTES) {
    snprintf(err, errlen, "%s: file is %zu bytes, shorter than the %zu-byte model header", path, file_bytes,
             MODEL_HEADER_BYTES);
    goto done;
  }
  if (fread(header, 1, MODEL_HEADER_BYTES, f) != MODEL_HEADER_BYTES) {
    snprintf(err, errlen, "%s: read error in the header", path);
    goto done;
  }
  if (header[0] != GPT2_MODEL_MAGIC) {
    snprintf(err, errlen, "%s: not an llm.c GPT-2 model file (magic %d at byte 0, expected %d)", path,
             header[0], GPT2_MODEL_MAGIC);
    goto done;
  }
  if (header[1] != GPT2_MODEL_VERSION) {
    snprintf(err, errlen,
             "%s: model file version %d (at byte 4) is not supported%s; only version %d (fp32 parameters, "
             "padded vocabulary) is",
             path, header[1], header[1] == 5 ? " (version 5 holds bf16 parameters)" : "", GPT2_MODEL_VERSION);
    goto done;
  }
  gpt2_config c = {.max_seq_len = header[2],
                   .vocab_size = header[3],
                   .num_layers = header[4],
                   .num_heads = header[5],
                   .channels = header[6],
                   .padded_vocab_size = header[7]};
  const char *bad = gpt2_config_error(&c);
  if (bad) {
    snprintf(err, errlen,
             "%s: bad model shape in the header (bytes 8..31: maxT %d, V %d, L %d, NH %d, C %d, Vp %d): %s",
             path, c.max_seq_len, c.vocab_size, c.num_layers, c.num_heads, c.channels, c.padded_vocab_size,
             bad);
    goto done;
  }
  size_t n = gpt2_num_params(&c);
  size_t expected_bytes = MODEL_HEADER_BYTES + n * sizeof(float);
  if (file_bytes != expected_bytes) {
    snprintf(err, errlen,
             "%s: the header describes %zu parameters, so the file should be %zu bytes, but it is %zu bytes "
             "(%s)",
             path, n, expected_bytes, file_bytes,
             file_bytes < expected_bytes ? "truncated" : "extra bytes after the parameters");
    goto done;
  }
  float *params = cc_malloc(n * sizeof(float));
  if (fread(params, sizeof(float), n, f) != n) {
    free(params);
    snprintf(err, errlen, "%s: read error in the parameters", path);
    goto done;
  }
  *out = c;
  *params_out = params;
  status = 0;
done:
  fclose(f);
  return status;
}

// ---- checksum ----

static const uint64_t HASH_MULTIPLIER = 0x9e3779b97f4a7c15ULL;  // odd: multiplying is a bijection
static const uint64_t HASH_START = 0xcbf29ce484222325ULL;

typedef struct {
  uint64_t lane[4];
  uint64_t words;  // words consumed so far: the next goes into lane words % 4
} hasher;

static uint64_t hash_step(uint64_t h, uint64_t word) {
  h = (h ^ word) * HASH_MULTIPLIER;
  return h ^ (h >> 29);
}

static void hasher_init(hasher *h) {
  for (int i = 0; i < 4; i++) h->lane[i] = HASH_START + (uint64_t)i;
  h->words = 0;
}

static uint64_t load_word(const unsigned char *p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return w;
}

// bytes is a multiple of 8. Four independent lanes let the multiplies overlap.
static void hasher_update(hasher *h, const void *data, size_t bytes) {
  const unsigned char *p = data;
  size_t words = bytes / 8, i = 0;
  for (; i < words && h->words % 4 != 0; i++, h->words++)
    h->lane[h->words % 4] = hash_step(h->lane[h->words % 4], load_word(p + 8 * i));
  uint64_t a = h->lane[0], b = h->lane[1], c = h->lane[2], d = h->lane[3];
  for (; i + 4 <= words; i += 4) {
    a = hash_step(a, load_word(p + 8 * i));
    b = hash_step(b, load_word(p + 8 * i + 8));
    c = hash_step(c, load_word(p + 8 * i + 16));
    d = hash_step(d, load_word(p + 8 * i + 24));
    h->words += 4;
  }
  h->lane[0] = a, h->lane[1] = b, h->lane[2] = c, h->lane[3] = d;
  for (; i < words; i++, h->words++)
    h->lane[h->words % 4] = hash_step(h->lane[h->words % 4], load_word(p + 8 * i));
}

static uint64_t hasher_final(const hasher *h) {
  uint64_t sum = h->words;
  for (int i = 0; i < 4; i++) sum = hash_step(sum, h->lane[i]);
  return sum;
}

uint64_t ckpt_checksum(const void *data, size_t bytes) {
  hasher h;
  hasher_init(&h);
  hasher_update(&h, data, bytes);
  return hasher_final(&h);
}

// ---- checkpoint container: building and writing ----

void ckpt_init(ckpt *ck) { *ck = (ckpt){0}; }

const ckpt_section *ckpt_find(const ckpt *ck, const char *name) {
  for (int i = 0; i < ck->count; i++)
    if (strcmp(ck->sections[i].name, name) == 0) return &ck->sections[i];
  return NULL;
}

void ckpt_add(ckpt *ck, const char *name, const void *data, size_t bytes) {
  size_t len = strlen(name);
  if (len == 0 || len >= CKPT_NAME_BYTES)
    CC_FATAL("checkpoint section name '%s' must have 1..%d characters", name, CKPT_NAME_BYTES - 1);
  if (ckpt_find(ck, name)) CC_FATAL("checkpoint section '%s' added twice", name);
  if (ck->count == ck->capacity) {
    ck->capacity = ck->capacity ? 2 * ck->capacity : 16;
    ckpt_section *grown = realloc(ck->sections, (size_t)ck->capacity * sizeof *grown);
    if (!grown) CC_FATAL("out of memory for checkpoint sections");
    ck->sections = grown;
  }
  ckpt_section *s = &ck->sections[ck->count++];
  memset(s->name, 0, sizeof s->name);
  memcpy(s->name, name, len);
  s->data = data;
  s->bytes = bytes;
}

static void put_u32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put_u64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get_u32(const unsigned char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
static uint64_t get_u64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

// Writes bytes (a multiple of 8) to the file and the checksum; returns 1 on success.
static int write_hashed(FILE *f, hasher *h, const void *data, size_t bytes) {
  hasher_update(h, data, bytes);
  return fwrite(data, 1, bytes, f) == bytes;
}

int ckpt_write(const ckpt *ck, const char *path, char *err, size_t errlen) {
  cc_afile af;
  if (open_for_writing(&af, path, err, errlen) != 0) return -1;
  hasher h;
  hasher_init(&h);
  errno = 0;

  unsigned char header[16];
  memcpy(header, CKPT_MAGIC, 8);
  put_u32(header + 8, CKPT_VERSION);
  put_u32(header + 12, (uint32_t)ck->count);
  int ok = write_hashed(af.f, &h, header, sizeof header);

  for (int i = 0; i < ck->count && ok; i++) {
    const ckpt_section *s = &ck->sections[i];
    unsigned char section_header[CKPT_NAME_BYTES + 8] = {0};
    memcpy(section_header, s->name, CKPT_NAME_BYTES);
    put_u64(section_header + CKPT_NAME_BYTES, s->bytes);
    ok = write_hashed(af.f, &h, section_header, sizeof section_header);
    // The whole words of the data straight from the caller's memory, then the tail zero-padded.
    size_t whole = (size_t)s->bytes / 8 * 8, tail = (size_t)s->bytes - whole;
    if (ok && whole) ok = write_hashed(af.f, &h, s->data, whole);
    if (ok && tail) {
      unsigned char last[8] = {0};
      memcpy(last, (const unsigned char *)s->data + whole, tail);
      ok = write_hashed(af.f, &h, last, sizeof last);
    }
  }
  unsigned char checksum[8];
  put_u64(checksum, hasher_final(&h));
  ok = ok && fwrite(checksum, 1, sizeof checksum, af.f) == sizeof checksum;
  return finish_writing(&af, path, ok, err, errlen);
}

// ---- checkpoint container: reading ----

void ckpt_free(ckpt *ck) {
  free(ck->sections);
  free(ck->file_data);
  free(ck->path);
  *ck = (ckpt){0};
}

// Reads the whole file into a malloc'd buffer (8-byte aligned, as malloc's always is).
static unsigned char *read_whole(const char *path, size_t *size, char *err, size_t errlen) {
  FILE *f = open_for_reading(path, size, err, errlen);
  if (!f) return NULL;
  size_t min_bytes = CKPT_HEADER_BYTES + CKPT_CHECKSUM_BYTES;
  if (*size < min_bytes) {
    snprintf(err, errlen, "%s: file is %zu bytes, too short for a checkpoint (at least %zu)", path, *size,
             min_bytes);
    fclose(f);
    return NULL;
  }
  unsigned char *data = cc_malloc(*size);
  size_t got = fread(data, 1, *size, f);
  fclose(f);
  if (got != *size) {
    snprintf(err, errlen, "%s: read error at byte %zu (the file changed while it was read?)", path, got);
    free(data);
    return NULL;
  }
  return data;
}

// Checks the layout of the sections and records them in ck; the checksum has been verified already, so
// this guards against a well-formed-looking file written by something else.
static int parse_sections(ckpt *ck, const unsigned char *data, size_t size, char *err, size_t errlen) {
  const char *path = ck->path;
  size_t end = size - CKPT_CHECKSUM_BYTES;  // where the sections must stop
  uint32_t count = get_u32(data + 12);
  if (count > (end - CKPT_HEADER_BYTES) / CKPT_SECTION_HEADER_BYTES) {
    snprintf(err, errlen, "%s: section count %u (at byte 12) cannot fit in a file of %zu bytes", path, count,
             size);
    return -1;
  }
  ck->sections = cc_calloc(count ? count : 1, sizeof *ck->sections);
  ck->capacity = (int)count;
  size_t offset = CKPT_HEADER_BYTES;
  for (uint32_t i = 0; i < count; i++) {
    if (end - offset < CKPT_SECTION_HEADER_BYTES) {
      snprintf(err, errlen, "%s: section %u header (at byte %zu) runs past the end of the sections", path, i,
               offset);
      return -1;
    }
    const char *name = (const char *)data + offset;
    const char *nul = memchr(name, '\0', CKPT_NAME_BYTES);
    if (!nul || nul == name) {
      snprintf(err, errlen, "%s: section %u name (at byte %zu) is %s", path, i, offset,
               nul ? "empty" : "not NUL-terminated within 64 bytes");
      return -1;
    }
    for (const char *p = nul; p < name + CKPT_NAME_BYTES; p++) {
      if (*p != '\0') {
        snprintf(err, errlen, "%s: section %u name (at byte %zu) has nonzero padding", path, i, offset);
        return -1;
      }
    }
    if (ckpt_find(ck, name)) {
      snprintf(err, errlen, "%s: duplicate section '%s' (at byte %zu)", path, name, offset);
      return -1;
    }
    uint64_t bytes = get_u64(data + offset + CKPT_NAME_BYTES);
    size_t data_offset = offset + CKPT_SECTION_HEADER_BYTES;
    size_t remaining = end - data_offset;  // a multiple of 8, like every offset
    if (bytes > remaining) {
      snprintf(err, errlen, "%s: section '%s' (at byte %zu) claims %llu bytes, but only %zu remain", path,
               name, offset, (unsigned long long)bytes, remaining);
      return -1;
    }
    size_t padded = ((size_t)bytes + 7) / 8 * 8;
    for (size_t p = data_offset + (size_t)bytes; p < data_offset + padded; p++) {
      if (data[p] != 0) {
        snprintf(err, errlen, "%s: nonzero padding after section '%s' (at byte %zu)", path, name, p);
        return -1;
      }
    }
    ckpt_section *s = &ck->sections[ck->count++];
    memcpy(s->name, name, CKPT_NAME_BYTES);
    s->data = data + data_offset;
    s->bytes = bytes;
    offset = data_offset + padded;
  }
  if (offset != end) {
    snprintf(err, errlen, "%s: %zu unexpected bytes after the last section (at byte %zu)", path, end - offset,
             offset);
    return -1;
  }
  return 0;
}

int ckpt_read(ckpt *ck, const char *path, char *err, size_t errlen) {
  *ck = (ckpt){0};
  ck->path = cc_strdup(path);
  size_t size;
  unsigned char *data = read_whole(path, &size, err, errlen);
  if (!data) return -1;
  ck->file_data = data;
  if (memcmp(data, CKPT_MAGIC, 8) != 0) {
    snprintf(err, errlen, "%s: not a cctrain checkpoint (bytes 0..7 are not \"%s\")", path, CKPT_MAGIC);
    return -1;
  }
  uint32_t version = get_u32(data + 8);
  if (version != CKPT_VERSION) {
    snprintf(err, errlen,
             "%s: checkpoint version %u (at byte 8) is not supported; this build reads version %d", path,
             version, CKPT_VERSION);
    return -1;
  }
  if (size % 8 != 0) {
    snprintf(err, errlen, "%s: size %zu is not a multiple of 8: the file is truncated or corrupted", path,
             size);
    return -1;
  }
  size_t checked = size - CKPT_CHECKSUM_BYTES;
  uint64_t stored = get_u64(data + checked), computed = ckpt_checksum(data, checked);
  if (stored != computed) {
    snprintf(err, errlen,
             "%s: checksum mismatch (stored %016llx at byte %zu, computed %016llx): the file is truncated or "
             "corrupted",
             path, (unsigned long long)stored, checked, (unsigned long long)computed);
    return -1;
  }
  return parse_sections(ck, data, size, err, errlen);
}

int ckpt_get(const ckpt *ck, const char *name, void *dst, size_t bytes, char *err, size_t errlen) {
  const char *path = ck->path ? ck->path : "checkpoint";
  const ckpt_section *s = ckpt_find(ck, name);
  if (!s) {
    snprintf(err, errlen, "%s: no section '%s'", path, name);
    return -1;
  }
  if (s->bytes != bytes) {
    snprintf(err, errlen, "%s: section '%s' has %llu bytes, expected %zu", path, name,
             (unsigned long long)s->bytes, bytes);
    return -1;
  }
  if (bytes) memcpy(dst, s->data, bytes);
  return 0;
}
