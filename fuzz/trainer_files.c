// The trainer's binary inputs: llm.c token shards, llm.c model files and cctrain checkpoints. The first
// byte picks the reader, the rest is the file.
#include <stdlib.h>

#include "fuzz/fuzz_input.h"
#include "trainer/checkpoint.h"
#include "trainer/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  const char *path = fuzz_file(data + 1, size - 1, ".bin");
  char err[256] = "";
  int rc = 0;
  switch (data[0] % 3) {
    case 0: {
      token_stream s = {0};
      rc = data_token_shards(&s, (const char *const[]){path}, 1, 50257, err, sizeof err);
      if (rc == 0) token_stream_free(&s);
      break;
    }
    case 1: {
      gpt2_config c;
      float *params = NULL;
      rc = gpt2_model_file_read(path, &c, &params, err, sizeof err);
      free(params);
      break;
    }
    default: {
      ckpt ck;
      ckpt_init(&ck);
      rc = ckpt_read(&ck, path, err, sizeof err);
      ckpt_free(&ck);
      break;
    }
  }
  if (rc != 0 && err[0] == '\0') abort();  // a rejection always says why
  return 0;
}
