// fp16 and bf16: each decoded element is the input rounded to nearest in the 16-bit format, so its
// relative error is at most the unit roundoff (2^-11, 2^-8) within the normal range; payload sizes.
#include <math.h>

#include "common/rng.h"
#include "common/tests/check.h"
#include "compress/compressor.h"

static void bound(const char *name, double unit_roundoff, double smallest_normal) {
  cc_compressor c;
  char err[256];
  CHECK(cc_compressor_parse(name, &c, err, sizeof err) == 0);
  enum { N = 100003 };
  static float x[N], acc[N];
  static uint16_t payload[N + 8];
  cc_rng rng;
  cc_rng_seed(&rng, 7);
  for (size_t i = 0; i < N; i++) x[i] = (float)(cc_rng_normal(&rng) * pow(10, (double)(i % 7) - 3));
  CHECKF(cc_compressed_bytes(&c, N) == 2 * (size_t)N, "%s: %zu bytes for %d elements", name, cc_compressed_bytes(&c, N), N);
  for (int k = 0; k < 8; k++) payload[N + k] = 0xbeef;
  cc_compress_encode(&c, x, N, payload, &rng, 0);
  for (int k = 0; k < 8; k++) CHECKF(payload[N + k] == 0xbeef, "%s wrote past its payload", name);
  for (size_t i = 0; i < N; i++) acc[i] = 0.0f;
  cc_compress_decode_add(&c, payload, N, acc, 0);
  for (size_t i = 0; i < N; i++) {
    double ax = fabs((double)x[i]);
    if (ax < smallest_normal) continue;
    CHECKF(fabs((double)acc[i] - x[i]) <= unit_roundoff * ax, "%s: x[%zu] = %.9g decoded %.9g (rel err %.3g > %.3g)",
           name, i, x[i], acc[i], fabs((double)acc[i] - x[i]) / ax, unit_roundoff);
  }
  // decode_add adds: twice into the same buffer gives twice the value.
  cc_compress_decode_add(&c, payload, N, acc, 0);
  for (size_t i = 0; i < N; i += 997) {
    float once = 0;
    cc_compress_decode_add(&c, (const uint16_t *)payload + i, 1, &once, 0);
    CHECKF(acc[i] == 2 * once, "%s: accumulate at %zu: %.9g vs 2 x %.9g", name, i, acc[i], once);
  }
}

int main(void) {
  bound("fp16", 0x1p-11, 0x1p-14);
  bound("bf16", 0x1p-8, 0x1p-126);
  return check_done("test_compress_cast");
}
