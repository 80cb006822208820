// The device compressors (fp16, bf16, int8, int4, qsgd, sign, and PowerSGD's raw vector) against the C
// reference in compress/: the same payload bytes from the same seed, and decode-add with the same f32
// bits. Through both entry points (cc_cuda_compress_* and the family calls). Sizes 0, 1, 7, 255-257,
// 4097, 2^20 + 3; inputs and accumulators offset by one element (scalar paths), payloads at odd byte
// offsets (allgathered payloads lie anywhere); blocks of every character (gaussian, tiny, zero, a single
// value, huge, NaN, infinity, norm overflow); outputs poisoned twice (0xff, then 0x00) so an unwritten
// byte cannot pass; guard zones checked. A large int8 case (> 2^31 elements) checks the index
// arithmetic when the GPU has the memory. Skips (77) without a GPU.
#include <math.h>

#include "common/rng.h"
#include "compress/compressor.h"
#include "kernels/cast_cuda.h"
#include "kernels/compress_cuda.h"
#include "kernels/cuda_device.h"
#include "kernels/quantize_cuda.h"
#include "kernels/tests/cuda_test.h"
#include "compress/tests/compressor_fixture.h"

enum { B = CC_COMP_BLOCK };
static cc_rng rng;

// Blocks of different character, cycling; `specials` adds NaN, infinity and norm-overflow blocks.
static void fill(float *x, size_t n, bool specials) {
  size_t nb = (n + B - 1) / B;
  for (size_t b = 0; b < nb; b++) {
    size_t start = b * B, len = n - start < B ? n - start : B;
    float *y = x + start;
    int kind = (int)(cc_rng_next(&rng) % (specials ? 10 : 7));
    for (size_t i = 0; i < len; i++) {
      double g = cc_rng_normal(&rng);
      switch (kind) {
        case 0: y[i] = (float)g; break;
        case 1: y[i] = (float)(1e-3 * g); break;
        case 2: y[i] = 0.0f; break;
        case 3: y[i] = i == len / 3 ? -2.5f : 0.0f; break;
        case 4: y[i] = (float)(1e30 * g); break;  // f16 overflows, qsgd's norm is large but finite
        case 5: y[i] = i % 5 == 0 ? (i % 10 ? -0.0f : 0.0f) : (float)(2 * cc_rng_uniform(&rng) - 1); break;
        case 6: y[i] = (float)(ldexp(g, -20)); break;  // f16 subnormals
        case 7: y[i] = i == len / 2 ? NAN : (float)g; break;
        case 8: y[i] = i == len / 4 ? -INFINITY : (float)g; break;
        default: y[i] = 3e38f * (g < 0 ? -1 : 1); break;  // finite, but qsgd's norm overflows
      }
    }
  }
}

// Decoded results: equal bits, or both NaN (which NaN an addition keeps is not specified).
static size_t count_float_differences(const float *got, const float *want, size_t n, size_t *first) {
  size_t bad = 0;
  *first = n;
  for (size_t i = 0; i < n; i++) {
    bool same = memcmp(&got[i], &want[i], 4) == 0 || (isnan(got[i]) && isnan(want[i]));
    if (!same && !bad++) *first = i;
  }
  return bad;
}

static size_t count_byte_differences(const unsigned char *got, const unsigned char *want, size_t n, size_t *first) {
  size_t bad = 0;
  *first = n;
  for (size_t i = 0; i < n; i++)
    if (got[i] != want[i] && !bad++) *first = i;
  return bad;
}

static void encode_on_device(const cc_compressor *c, bool dispatch, const float *in, size_t n, void *out,
                             uint64_t seed, void *workspace) {
  if (dispatch) cc_cuda_compress_encode(c, in, n, out, seed, 1234, workspace, 0);
  else if (c->kind == CC_COMP_FP16 || c->kind == CC_COMP_BF16) cc_cuda_cast_encode(c->kind, in, n, out, 0);
  else cc_cuda_quant_encode(c, in, n, out, seed, 0);
}

static void decode_on_device(const cc_compressor *c, bool dispatch, const void *payload, size_t n, float *acc) {
  if (dispatch) cc_cuda_compress_decode_add(c, payload, n, acc, 1234, 0);
  else if (c->kind == CC_COMP_FP16 || c->kind == CC_COMP_BF16) cc_cuda_cast_decode_add(c->kind, payload, n, acc, 0);
  else cc_cuda_quant_decode_add(c, payload, n, acc, 0);
}

// One encode and one decode-add on the device against the C reference. Offsets in elements (in, acc)
// and bytes (payload).
static void roundtrip(const char *name, size_t n, size_t in_off, size_t payload_off, size_t acc_off, bool dispatch) {
  cc_compressor c = test_compressor(name);
  size_t bytes = cc_compressed_bytes(&c, n);
  float *x = host_alloc(n * 4), *acc = host_alloc(n * 4), *got_acc = host_alloc(n * 4);
  unsigned char *want = host_alloc(bytes), *got = host_alloc(bytes);
  fill(x, n, true);
  for (size_t i = 0; i < n; i++) acc[i] = (float)(cc_rng_normal(&rng) * 4);

  // The C encode draws its seed from `host`; the device gets that draw from a copy.
  cc_rng host = rng, twin = rng;
  cc_rng_next(&rng);  // the next case gets other draws
  uint64_t seed = cc_rng_next(&twin);
  memset(want, 0x5a, bytes);
  cc_compress_encode(&c, x, n, want, &host, 1234);

  dev_buf din = dev_buf_alloc(n * 4, in_off * 4), dout = dev_buf_alloc(bytes, payload_off);
  size_t ws_bytes = cc_cuda_compress_workspace_bytes(&c, n);
  CHECKF(ws_bytes == 0, "%s: %zu workspace bytes for a dense scheme", name, ws_bytes);
  dev_upload(&din, x);
  size_t first, bad = 0;
  for (int pass = 0; pass < 2; pass++) {  // poisoned 0xff, then 0x00: every byte must be written
    if (pass == 1 && bytes) CC_CHECK_CUDA(cudaMemset(dout.p, 0x00, bytes));
    encode_on_device(&c, dispatch, din.p, n, dout.p, seed, NULL);
    dev_download(got, &dout);
    bad += count_byte_differences(got, want, bytes, &first);
  }
  CHECKF(bad == 0, "%s n=%zu in+%zu payload+%zu%s: %zu payload bytes differ, first at byte %zu (got %#x want %#x)",
         name, n, in_off, payload_off, dispatch ? " (dispatch)" : "", bad, first, bad ? got[first] : 0,
         bad ? want[first] : 0);
  CHECKF(dev_guard_damage(&dout) == 0, "%s n=%zu: encode wrote outside its %zu-byte payload", name, n, bytes);
  CHECKF(dev_guard_damage(&din) == 0, "%s n=%zu: encode wrote around its input", name, n);

  // Decode-add the C payload into acc, on both sides.
  dev_buf dpay = dev_buf_alloc(bytes, payload_off), dacc = dev_buf_alloc(n * 4, acc_off * 4);
  dev_upload(&dpay, want), dev_upload(&dacc, acc);
  cc_compress_decode_add(&c, want, n, acc, 1234);
  decode_on_device(&c, dispatch, dpay.p, n, dacc.p);
  dev_download(got_acc, &dacc);
  bad = count_float_differences(got_acc, acc, n, &first);
  CHECKF(bad == 0, "%s n=%zu acc+%zu payload+%zu%s: %zu decoded elements differ, first [%zu]: got %.9g want %.9g",
         name, n, acc_off, payload_off, dispatch ? " (dispatch)" : "", bad, first, bad ? got_acc[first] : 0,
         bad ? acc[first] : 0);
  CHECKF(dev_guard_damage(&dacc) == 0 && dev_guard_damage(&dpay) == 0, "%s n=%zu: decode wrote out of bounds", name, n);

  dev_buf_free(&din), dev_buf_free(&dout), dev_buf_free(&dpay), dev_buf_free(&dacc);
  free(x), free(acc), free(got_acc), free(want), free(got);
}

// The device encode depends on `seed` (stochastic schemes) and on nothing else.
static void seeds_matter(const char *name) {
  cc_compressor c = test_compressor(name);
  size_t n = 3 * B + 5, bytes = cc_compressed_bytes(&c, n);
  float *x = host_alloc(n * 4);
  unsigned char *p1 = host_alloc(bytes), *p2 = host_alloc(bytes);
  for (size_t i = 0; i < n; i++) x[i] = (float)cc_rng_normal(&rng);
  dev_buf din = dev_buf_alloc(n * 4, 0), dout = dev_buf_alloc(bytes, 0);
  dev_upload(&din, x);
  cc_cuda_compress_encode(&c, din.p, n, dout.p, 42, 0, NULL, 0);
  dev_download(p1, &dout);
  cc_cuda_compress_encode(&c, din.p, n, dout.p, 43, 0, NULL, 0);
  dev_download(p2, &dout);
  bool same = memcmp(p1, p2, bytes) == 0;
  bool stochastic = c.kind == CC_COMP_INT8 || c.kind == CC_COMP_INT4 || c.kind == CC_COMP_QSGD;
  CHECKF(same != stochastic, "%s: seeds 42 and 43 give %s payloads", name, same ? "equal" : "different");
  dev_buf_free(&din), dev_buf_free(&dout);
  free(x), free(p1), free(p2);
}

// n > 2^31 with every element equal: every int8 code is exactly 127 (x is its block's absmax), every
// scale x / 127, and decode-add gives 127 fl(x / 127) + acc everywhere. Checks that no block is
// skipped, doubled or misplaced when element indices pass 32 bits.
static void large_int8(void) {
  cc_compressor c = test_compressor("int8");
  size_t n = ((size_t)1 << 31) + 300, bytes = cc_compressed_bytes(&c, n), nb = (n + B - 1) / B;
  size_t free_bytes, total_bytes;
  CC_CHECK_CUDA(cudaMemGetInfo(&free_bytes, &total_bytes));
  if (n * 4 + bytes + (256u << 20) > free_bytes) {
    printf("large int8: skipped, needs %zu MiB of GPU memory, %zu free\n", (n * 4 + bytes) >> 20, free_bytes >> 20);
    return;
  }
  float x;
  uint32_t xbits = 0x3f3f3f3fu;  // the cudaMemset byte pattern 0x3f, about 0.747
  memcpy(&x, &xbits, 4);
  float scale = x / 127.0f, decoded = 127.0f * scale + x;
  float *in;
  unsigned char *payload;
  CC_CHECK_CUDA(cudaMalloc((void **)&in, n * 4));
  CC_CHECK_CUDA(cudaMalloc((void **)&payload, bytes));
  CC_CHECK_CUDA(cudaMemset(in, 0x3f, n * 4));
  CC_CHECK_CUDA(cudaMemset(payload, 0xff, bytes));
  cc_cuda_compress_encode(&c, in, n, payload, 7, 0, NULL, 0);
  cc_cuda_compress_decode_add(&c, payload, n, in, 0, 0);  // acc = in: x + 127 fl(x / 127)
  CC_CHECK_CUDA(cudaDeviceSynchronize());
  size_t chunk = (size_t)64 << 20, bad_scale = 0, bad_code = 0, bad_acc = 0;
  unsigned char *host = host_alloc(chunk * 4);
  for (size_t start = 0; start < nb * 4; start += chunk) {  // scales
    size_t len = nb * 4 - start < chunk ? nb * 4 - start : chunk;
    CC_CHECK_CUDA(cudaMemcpy(host, payload + start, len, cudaMemcpyDeviceToHost));
    for (size_t i = 0; i < len; i += 4) bad_scale += memcmp(host + i, &scale, 4) != 0;
  }
  for (size_t start = 0; start < n; start += chunk) {  // codes
    size_t len = n - start < chunk ? n - start : chunk;
    CC_CHECK_CUDA(cudaMemcpy(host, payload + nb * 4 + start, len, cudaMemcpyDeviceToHost));
    for (size_t i = 0; i < len; i++) bad_code += host[i] != 127;
  }
  for (size_t start = 0; start < n; start += chunk) {  // decoded
    size_t len = n - start < chunk ? n - start : chunk;
    CC_CHECK_CUDA(cudaMemcpy(host, in + start, len * 4, cudaMemcpyDeviceToHost));
    for (size_t i = 0; i < len; i++) bad_acc += memcmp(host + 4 * i, &decoded, 4) != 0;
  }
  CHECKF(bad_scale == 0 && bad_code == 0 && bad_acc == 0, "large int8 n=%zu: %zu scales, %zu codes, %zu decodes wrong",
         n, bad_scale, bad_code, bad_acc);
  free(host);
  CC_CHECK_CUDA(cudaFree(in));
  CC_CHECK_CUDA(cudaFree(payload));
}

int main(void) {
  cc_cuda_require_gpu_or_skip("test_compress_cuda");
  cc_rng_seed(&rng, test_seed("test_compress_cuda"));
  const char *names[] = {"fp16", "bf16", "int8", "int4", "qsgd:1", "qsgd:4", "qsgd:16", "qsgd:127", "sign",
                         "int8+ef", "powersgd:2"};
  const size_t sizes[] = {0, 1, 7, 8, 255, 256, 257, 4097, ((size_t)1 << 20) + 3};
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
    cc_compressor c = test_compressor(names[k]);
    // 16-bit payloads and raw f32 vectors are arrays of their element: aligned to it, as in C.
    bool cast = c.kind == CC_COMP_FP16 || c.kind == CC_COMP_BF16, raw = c.kind == CC_COMP_POWERSGD;
    size_t odd = raw ? 4 : cast ? 2 : 1, odd3 = raw ? 12 : cast ? 6 : 3;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      size_t n = sizes[s];
      roundtrip(names[k], n, 0, 0, 0, true);        // aligned: the wide paths
      roundtrip(names[k], n, 1, odd, 1, true);      // misaligned everything
      roundtrip(names[k], n, 0, odd3, 0, false);    // misaligned payload only
      roundtrip(names[k], n, 1, 0, 1, !raw);        // misaligned in/acc only (family entry point)
    }
    seeds_matter(names[k]);
  }
  large_int8();
  return check_done("test_compress_cuda");
}
