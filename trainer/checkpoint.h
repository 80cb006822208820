// Files of cctrain: llm.c GPT-2 model files and the trainer's own checkpoints.
//
// Model file (llm.c's layout, so its checkpoints load here and ours load there): 256 int32 header
//   [0] 20240326 magic, [1] 3 version (fp32 parameters, padded vocabulary), [2] maxT, [3] V, [4] L,
//   [5] NH, [6] C, [7] Vp, the rest 0;
// then gpt2_num_params float32 in the layout of gpt2_config.h. Version 5 (bf16 parameters) is not read.
//
// Training checkpoint: a container of named byte sections, so the trainer can store anything (parameters,
// AdamW moments, step, RNG state, data position) and find it by name. Layout, all integers little-endian:
//   bytes 0..7    magic "CCTRAIN1"
//   bytes 8..11   u32 version (1)
//   bytes 12..15  u32 section count
//   per section:  name[64] (NUL-terminated, NUL-padded, 1..63 characters, unique),
//                 u64 byte count, the data, then zero bytes up to a multiple of 8
//   last 8 bytes  u64 checksum of every byte before it (ckpt_checksum below)
// Every part starts at a multiple of 8, so after ckpt_read a section's data is 8-byte aligned and can
// be used in place as floats, doubles or u64. Section data is stored as it lies in memory: the format
// assumes a little-endian machine (x86, ARM as commonly run), and the build refuses others.
//
// Both kinds are written atomically (cc_afile: "<path>.partial", fsync, rename): a failed write leaves an
// existing file at path untouched and removes its .partial file. Readers validate everything (sizes
// against the file size before any allocation, checksum) and return -1 with
// "<path>: <what is wrong> (at byte N)" in err; nothing here exits on a bad file.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "trainer/gpt2_config.h"

#define GPT2_MODEL_MAGIC 20240326
#define GPT2_MODEL_VERSION 3
#define GPT2_MODEL_HEADER_INTS 256

// Writes the model file. params holds gpt2_num_params(c) floats. -1 with a message on failure (bad
// config, cannot create or write the file).
int gpt2_model_file_write(const char *path, const gpt2_config *c, const float *params, char *err,
                          size_t errlen);
// Reads a version-3 model file: *out gets the config, *params_out a malloc'd array of
// gpt2_num_params(out) floats (caller frees). -1 with a message (and nothing allocated) on a bad file:
// wrong magic, unsupported version, bad config, size not exactly header + parameters.
int gpt2_model_file_read(const char *path, gpt2_config *out, float **params_out, char *err, size_t errlen);

#define CKPT_MAGIC "CCTRAIN1"
#define CKPT_VERSION 1
#define CKPT_NAME_BYTES 64

typedef struct {
  char name[CKPT_NAME_BYTES];
  const void *data;  // bytes of data (not owned: the caller's memory, or the file buffer after ckpt_read)
  uint64_t bytes;
} ckpt_section;

typedef struct {
  ckpt_section *sections;
  int count, capacity;
  void *file_data;  // after ckpt_read: the whole file, which the sections point into
  char *path;       // after ckpt_read: where it came from (for messages)
} ckpt;

// An empty container (same as zero-initializing it).
void ckpt_init(ckpt *ck);
// Adds a section that refers to data without copying it: the memory must stay valid and unchanged
// until ckpt_write. A name that is empty, longer than 63 characters or already present is a program
// error (CC_FATAL).
void ckpt_add(ckpt *ck, const char *name, const void *data, size_t bytes);
// Writes the container atomically (see above). 0, or -1 with a message.
int ckpt_write(const ckpt *ck, const char *path, char *err, size_t errlen);
// Reads and validates a checkpoint into *ck (initialized here; ckpt_free it, also after a failure).
int ckpt_read(ckpt *ck, const char *path, char *err, size_t errlen);
// The section with this name, or NULL.
const ckpt_section *ckpt_find(const ckpt *ck, const char *name);
// Copies section `name` into dst, which holds exactly `bytes`. -1 with "<path>: no section 'name'" or
// "<path>: section 'name' has N bytes, expected M" otherwise.
int ckpt_get(const ckpt *ck, const char *name, void *dst, size_t bytes, char *err, size_t errlen);
void ckpt_free(ckpt *ck);

// The checksum: four lanes over the little-endian 64-bit words of the data (a multiple of 8 bytes),
// word i into lane i mod 4 by h = (h ^ w) * K; h ^= h >> 29, then the lanes folded the same way with the
// word count. Every step is a bijection of the lane, so any change confined to one word always changes
// the sum. Exposed for tests.
uint64_t ckpt_checksum(const void *data, size_t bytes);
