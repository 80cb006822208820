// GPU topk (exact and approximate), randk and their scatter-add decode against compress/sparsify.c.
//
//   test_sparse_cuda            every case below; skips (77) without a GPU
//   test_sparse_cuda --large    n = 2^31 + 5 (past INT32_MAX: any 32-bit signed index shows), ~20 GB
//                               of host and device memory, skipped when the GPU has less
//
// Payloads must equal the C reference's byte for byte (randk: a NaN input only needs to stay a NaN);
// the approximate encoder is given the draw the C encoder takes from its rng. Data: Gaussians over
// five decades, values from a set of five (heavy ties at every threshold), all zeros of both signs,
// one constant, magnitudes falling with the index, Gaussians sprinkled with infinities and NaNs.
// Sizes 0, 1, 2, 7, 31, around the 4096-element tile, 100003 and 2^22 + 5; k = 1, 1%, 0.1%, half and
// all. Inputs sit one element past an aligned address, payloads at a 4-byte offset (allgathered
// payloads lie back to back); outputs and workspaces start poisoned and their guard zones are checked;
// each encode runs twice with the same workspace; decode adds into nonzero accumulators, twice.
#include <math.h>

#include "common/rng.h"
#include "compress/compressor.h"
#include "compress/schemes.h"
#include "kernels/cuda_device.h"
#include "kernels/sparse_cuda.h"
#include "kernels/tests/cuda_test.h"
#include "compress/tests/compressor_fixture.h"

static cc_rng rng;
static cudaStream_t stream;

enum { GAUSS, FIVE, ZEROS, CONSTANT, FALLING, SPECIALS, NKINDS };
static const char *kind_names[NKINDS] = {"gauss", "five-values", "zeros", "constant", "falling", "inf-nan"};

static void fill(float *x, size_t n, int kind) {
  static const float five[5] = {0.0f, 0.5f, 1.0f, 2.0f, 3.0f};
  for (size_t i = 0; i < n; i++) {
    float sign = cc_rng_next(&rng) & 1 ? -1.0f : 1.0f;
    switch (kind) {
      case GAUSS: x[i] = (float)(cc_rng_normal(&rng) * pow(10, (double)(i % 5) - 2)); break;
      case FIVE: x[i] = sign * five[cc_rng_below(&rng, 5)]; break;
      case ZEROS: x[i] = sign * 0.0f; break;
      case CONSTANT: x[i] = 1.5f; break;
      case FALLING: x[i] = sign * (float)(n - i); break;
      default: {
        uint64_t r = cc_rng_below(&rng, 64);
        x[i] = r == 0 ? sign * INFINITY : r == 1 ? NAN : (float)cc_rng_normal(&rng);
      }
    }
  }
}

// Floats equal bit for bit, or both NaN.
static size_t float_differences(const float *got, const float *want, size_t n, size_t *first) {
  size_t bad = 0;
  *first = n;
  for (size_t i = 0; i < n; i++) {
    if (memcmp(&got[i], &want[i], sizeof(float)) == 0 || (isnan(got[i]) && isnan(want[i]))) continue;
    if (!bad) *first = i;
    bad++;
  }
  return bad;
}

static size_t byte_differences(const unsigned char *got, const unsigned char *want, size_t n, size_t *first) {
  size_t bad = 0;
  *first = n;
  for (size_t i = 0; i < n; i++)
    if (got[i] != want[i] && !bad++) *first = i;
  return bad;
}

// How the approximate encodes went, to check that the test reached both of the device's branches.
static int approx_sent_fewer, approx_trimmed;

static void encode_on_device(const cc_compressor *c, const dev_buf *in, size_t n, dev_buf *out, dev_buf *work,
                             uint64_t draw, uint64_t shared) {
  if (c->kind == CC_COMP_TOPK) cc_cuda_topk_encode(c, in->p, n, out->p, draw, work->p, stream);
  else cc_cuda_randk_encode(c, in->p, n, out->p, shared, stream);
  CC_CHECK_CUDA(cudaStreamSynchronize(stream));
}

static void check_payload(const char *what, const cc_compressor *c, const unsigned char *got,
                          const unsigned char *want, size_t bytes) {
  size_t first, bad;
  if (c->kind == CC_COMP_RANDK)
    bad = float_differences((const float *)got, (const float *)want, bytes / sizeof(float), &first);
  else bad = byte_differences(got, want, bytes, &first);
  CHECKF(bad == 0, "%s: %zu of %zu payload %s differ from the C reference, first at %zu", what, bad,
         c->kind == CC_COMP_RANDK ? bytes / 4 : bytes, c->kind == CC_COMP_RANDK ? "values" : "bytes", first);
}

// acc (n floats, nonzero) += decode(payload), twice, on the device and in C: the same bits.
static void check_decode(const char *what, const cc_compressor *c, const unsigned char *payload, const dev_buf *dpay,
                         size_t n, uint64_t shared) {
  float *want = host_alloc(n * sizeof(float)), *got = host_alloc(n * sizeof(float));
  for (size_t i = 0; i < n; i++) want[i] = (float)(cc_rng_uniform(&rng) - 0.5);
  dev_buf acc = dev_buf_alloc(n * sizeof(float), sizeof(float));
  dev_upload(&acc, want);
  for (int round = 0; round < 2; round++) {
    cc_compress_decode_add(c, payload, n, want, shared);
    cc_cuda_sparse_decode_add(c, dpay->p, n, acc.p, shared, stream);
  }
  dev_download(got, &acc);
  size_t first, bad = float_differences(got, want, n, &first);
  CHECKF(bad == 0, "%s: decode_add twice differs from C at %zu of %zu elements, first %zu (%.9g, want %.9g)", what,
         bad, n, first, bad ? got[first] : 0.0, bad ? want[first] : 0.0);
  CHECKF(dev_guard_damage(&acc) == 0, "%s: decode wrote outside acc", what);
  dev_buf_free(&acc);
  free(want), free(got);
}

static void one_case(const char *name, size_t n, int kind) {
  cc_compressor c = test_compressor(name);
  char what[160];
  snprintf(what, sizeof what, "%s n=%zu %s", name, n, kind_names[kind]);
  size_t bytes = cc_compressed_bytes(&c, n), k = cc_sparse_k(c.ratio, n);
  float *x = host_alloc(n * sizeof(float));
  fill(x, n, kind);
  unsigned char *want = host_alloc(bytes), *got = host_alloc(bytes);

  cc_rng per_rank, copy;
  cc_rng_seed(&per_rank, cc_rng_next(&rng));
  copy = per_rank;
  uint64_t draw = cc_rng_next(&copy), shared = cc_rng_next(&rng);
  cc_compress_encode(&c, x, n, want, &per_rank, shared);

  dev_buf in = dev_buf_alloc(n * sizeof(float), sizeof(float));  // one element past an aligned start
  dev_buf out = dev_buf_alloc(bytes, 4);
  dev_buf work = dev_buf_alloc(cc_cuda_sparse_workspace_bytes(&c, n), 0);
  dev_upload(&in, x);
  for (int round = 0; round < 2; round++) {  // the second round finds the first one's workspace
    dev_buf_poison(&out);
    encode_on_device(&c, &in, n, &out, &work, draw, shared);
    dev_download(got, &out);
    check_payload(what, &c, got, want, bytes);
    CHECKF(dev_guard_damage(&out) == 0, "%s: encode wrote outside its %zu-byte payload", what, bytes);
  }
  CHECKF(dev_guard_damage(&work) == 0, "%s: encode wrote outside its workspace", what);
  float *x_after = host_alloc(n * sizeof(float));
  dev_download(x_after, &in);
  CHECKF(n == 0 || memcmp(x_after, x, n * sizeof(float)) == 0, "%s: encode changed its input", what);
  if (c.kind == CC_COMP_TOPK && c.approx && n > 0 && cc_topk_sample_size(c.ratio, n) < n) {
    uint32_t count;
    memcpy(&count, want, sizeof count);
    if (count < k) approx_sent_fewer++;
    else approx_trimmed++;
  }
  check_decode(what, &c, want, &out, n, shared);
  dev_buf_free(&in), dev_buf_free(&out), dev_buf_free(&work);
  free(x), free(x_after), free(want), free(got);
}

static void all_cases(void) {
  const char *names[] = {"topk:0.01",        "topk:0.001",        "topk:0.5",       "topk:1",
                         "topk:1e-9",        "topk:0.01,approx",  "topk:0.001,approx", "topk:0.3,approx",
                         "topk:1e-9,approx", "randk:0.01",        "randk:0.3",      "randk:1",
                         "randk:0.01+ef",    "randk:1e-9"};
  const size_t sizes[] = {0, 1, 2, 7, 31, 4095, 4096, 4097, 100003, ((size_t)1 << 22) + 5};
  for (size_t a = 0; a < sizeof names / sizeof names[0]; a++)
    for (size_t b = 0; b < sizeof sizes / sizeof sizes[0]; b++)
      for (int kind = 0; kind < NKINDS; kind++) one_case(names[a], sizes[b], kind);
}

// Sampled thresholds on Gaussians pass slightly more or slightly fewer than k, by chance: over 24
// draws at 2^20 elements both of the device's branches (send all that passed; trim to the k largest)
// must come up, each with probability 1 - 2^-24 or so. Zeros and constants passed everything: the
// trim over the whole input.
static void approx_branches(void) {
  for (int t = 0; t < 24; t++) one_case("topk:0.01,approx", (size_t)1 << 20, GAUSS);
  CHECKF(approx_sent_fewer > 0 && approx_trimmed > 0,
         "approximate topk: %d encodes sent fewer than k, %d trimmed to k: a branch was never tested",
         approx_sent_fewer, approx_trimmed);
}

// n past INT32_MAX, exact and approximate: payload and decode into the input itself.
static void large(void) {
  const size_t n = ((size_t)1 << 31) + 5;
  size_t free_bytes, total_bytes;
  CC_CHECK_CUDA(cudaMemGetInfo(&free_bytes, &total_bytes));
  if (free_bytes < n * sizeof(float) + ((size_t)1 << 30)) {
    printf("test_sparse_cuda --large: skipped: %zu MiB free on the GPU\n", free_bytes >> 20);
    exit(77);
  }
  float *x = host_alloc(n * sizeof(float));
  uint64_t salt = cc_rng_next(&rng);
  for (size_t i = 0; i < n; i++) x[i] = (float)((double)(int64_t)cc_hash64(salt, i) * 0x1p-63);  // ties too
  dev_buf in = dev_buf_alloc(n * sizeof(float), 0);
  dev_upload(&in, x);
  const char *names[] = {"topk:1e-4", "topk:1e-4,approx", "randk:1e-4"};
  for (int t = 0; t < 3; t++) {
    cc_compressor c = test_compressor(names[t]);
    size_t bytes = cc_compressed_bytes(&c, n);
    unsigned char *want = host_alloc(bytes), *got = host_alloc(bytes);
    cc_rng per_rank, copy;
    cc_rng_seed(&per_rank, cc_rng_next(&rng));
    copy = per_rank;
    uint64_t draw = cc_rng_next(&copy), shared = cc_rng_next(&rng);
    cc_compress_encode(&c, x, n, want, &per_rank, shared);
    dev_buf out = dev_buf_alloc(bytes, 4), work = dev_buf_alloc(cc_cuda_sparse_workspace_bytes(&c, n), 0);
    encode_on_device(&c, &in, n, &out, &work, draw, shared);
    dev_download(got, &out);
    char what[96];
    snprintf(what, sizeof what, "%s n=2^31+5", names[t]);
    check_payload(what, &c, got, want, bytes);
    CHECKF(dev_guard_damage(&out) == 0 && dev_guard_damage(&work) == 0, "%s: wrote out of bounds", what);
    if (t == 0) {  // x += decode(payload), in place on both sides
      cc_compress_decode_add(&c, want, n, x, shared);
      cc_cuda_sparse_decode_add(&c, out.p, n, in.p, shared, stream);
      float *back = host_alloc(n * sizeof(float));
      dev_download(back, &in);
      size_t first, bad = float_differences(back, x, n, &first);
      CHECKF(bad == 0, "%s: decode differs at %zu elements, first %zu", what, bad, first);
      free(back);
    }
    dev_buf_free(&out), dev_buf_free(&work);
    free(want), free(got);
  }
  dev_buf_free(&in);
  free(x);
}

int main(int argc, char **argv) {
  cc_cuda_require_gpu_or_skip("test_sparse_cuda");
  cc_rng_seed(&rng, test_seed("test_sparse_cuda"));
  CC_CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));  // not the default stream
  if (argc > 1 && strcmp(argv[1], "--large") == 0) large();
  else all_cases(), approx_branches();
  CC_CHECK_CUDA(cudaStreamDestroy(stream));
  return check_done("test_sparse_cuda");
}
