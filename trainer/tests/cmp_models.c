// Compares two llm.c model files: same shape, and every parameter within an absolute tolerance
// (0: bit-identical). Prints the largest difference and where it is.
//   cmp_models A.bin B.bin TOLERANCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trainer/checkpoint.h"
#include "trainer/gpt2_config.h"

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: cmp_models A.bin B.bin TOLERANCE\n");
    return 2;
  }
  double tol = atof(argv[3]);
  gpt2_config ca, cb;
  float *a, *b;
  char err[1024];
  if (gpt2_model_file_read(argv[1], &ca, &a, err, sizeof err) != 0 ||
      gpt2_model_file_read(argv[2], &cb, &b, err, sizeof err) != 0) {
    fprintf(stderr, "cmp_models: %s\n", err);
    return 2;
  }
  if (memcmp(&ca, &cb, sizeof ca) != 0) {
    fprintf(stderr, "cmp_models: %s and %s have different shapes\n", argv[1], argv[2]);
    return 1;
  }
  size_t n = gpt2_num_params(&ca), worst = 0, differ = 0;
  double max_diff = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - (double)b[i]);
    if (a[i] != b[i]) differ++;
    if (d > max_diff || isnan(d)) max_diff = isnan(d) ? INFINITY : d, worst = i;
  }
  size_t offsets[GPT2_NUM_PARAM_TENSORS];
  gpt2_param_offsets(&ca, offsets);
  int tensor = 0;
  while (tensor + 1 < GPT2_NUM_PARAM_TENSORS && offsets[tensor + 1] <= worst) tensor++;
  printf("cmp_models: %zu parameters, %zu differ, largest difference %.3g (%s[%zu]: %.9g vs %.9g), tolerance %g\n",
         n, differ, max_diff, gpt2_param_name(tensor), worst - offsets[tensor], a[worst], b[worst], tol);
  free(a), free(b);
  return max_diff <= tol ? 0 : 1;
}
