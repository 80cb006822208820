// cc_cuda_reduce / cc_cuda_divide against the C reference (cc_host_reduce / cc_host_divide), bit for
// bit (NaN results: NaN-ness only, as the reference promises). Every dtype and op (integers with the
// values where they wrap, floats with ties of signed zeros); integer divisions by rank counts, a
// divisor past the type's range and one past 2^32; sizes 0, 1, 7, 4097 and 2^20 + 3; pointers
// aligned, all offset by one element (the wide path after a scalar head), and offset differently (all
// scalar); in place on either input; outputs poisoned with NaN bytes and guard zones checked for stray
// writes. Large cases (over 2^31 elements) check the index arithmetic when the GPU has the memory.
// Skips (77) without a GPU.
#include <math.h>

#include "common/rng.h"
#include "kernels/cuda_device.h"
#include "kernels/dtype.h"
#include "kernels/reduce.h"
#include "kernels/reduce_cuda.h"
#include "kernels/tests/cuda_test.h"

static cc_rng rng;

// Random values for f32/f64 (magnitudes 2^-30..2^30, with cancellation), with a sprinkle of specials;
// uniformly random bit patterns for f16/bf16 (every class: subnormals, infinities, NaNs); integers:
// random bits, every fourth element one of the values where sums wrap and signed compares flip.
static void fill(void *buf, size_t n, cc_dtype t) {
  static const double specials[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 1e-310, -3e-42, 1e300};
  uint64_t mask = cc_dtype_mask(t), top = (mask >> 1) + 1;
  const uint64_t edges[] = {0, 1, mask, top, top - 1, 2, mask - 1};
  for (size_t i = 0; i < n; i++) {
    uint64_t r = cc_rng_next(&rng);
    switch (t) {
      case CC_F16:
      case CC_BF16: ((uint16_t *)buf)[i] = (uint16_t)r; break;
      case CC_I8:
      case CC_U8:
      case CC_I32:
      case CC_U32:
      case CC_I64:
      case CC_U64: cc_store_bits(buf, i, t, r % 4 == 0 ? edges[(r >> 8) % 7] : cc_rng_next(&rng)); break;
      default: {
        double v = ldexp(cc_rng_uniform(&rng) * 2 - 1, (int)(r % 61) - 30);
        if (r % 97 == 0) v = specials[(r >> 8) % 8];
        if (t == CC_F32) ((float *)buf)[i] = (float)v;
        else ((double *)buf)[i] = v;
      }
    }
  }
}

// Some pairs tie: equal elements, and zeros of opposite signs (min and max must choose alike).
static void add_ties(void *a, void *b, size_t n, cc_dtype t) {
  size_t esz = cc_dtype_size(t);
  for (size_t i = 0; i < n; i += 5) memcpy((char *)b + i * esz, (const char *)a + i * esz, esz);
  if (cc_dtype_is_integer(t)) return;
  for (size_t i = 2; i < n; i += 9) cc_store(a, i, t, 0.0), cc_store(b, i, t, -0.0);
}

static int same_bits_or_nan(const void *x, const void *y, size_t i, cc_dtype t) {
  size_t esz = cc_dtype_size(t);
  if (memcmp((const char *)x + i * esz, (const char *)y + i * esz, esz) == 0) return 1;
  return !cc_dtype_is_integer(t) && isnan(cc_load(x, i, t)) && isnan(cc_load(y, i, t));
}

static size_t count_differences(const void *got, const void *want, size_t n, cc_dtype t, size_t *first) {
  size_t bad = 0;
  *first = n;
  for (size_t i = 0; i < n; i++) {
    if (!same_bits_or_nan(got, want, i, t)) {
      if (!bad) *first = i;
      bad++;
    }
  }
  return bad;
}

enum { OUT_OF_PLACE, IN_PLACE_A, IN_PLACE_B };

// One reduce: element offsets of dst, a, b (ignored for the operand that dst replaces in place).
static void reduce_case(cc_dtype t, cc_redop op, size_t n, size_t off_dst, size_t off_a, size_t off_b, int mode) {
  size_t esz = cc_dtype_size(t), bytes = n * esz;
  void *a = host_alloc(bytes), *b = host_alloc(bytes), *want = host_alloc(bytes), *got = host_alloc(bytes);
  fill(a, n, t), fill(b, n, t);
  add_ties(a, b, n, t);
  cc_host_reduce(want, a, b, n, t, op);
  dev_buf da = dev_buf_alloc(bytes, off_a * esz), db = dev_buf_alloc(bytes, off_b * esz);
  dev_buf dd = dev_buf_alloc(bytes, off_dst * esz);  // poisoned
  dev_upload(&da, a), dev_upload(&db, b);
  dev_buf *out = mode == IN_PLACE_A ? &da : mode == IN_PLACE_B ? &db : &dd;
  cc_cuda_reduce(out->p, da.p, db.p, n, t, op, 0);
  dev_download(got, out);
  size_t first, bad = count_differences(got, want, n, t, &first);
  CHECKF(bad == 0, "reduce %s %s n=%zu offsets %zu/%zu/%zu mode %d: %zu wrong, first [%zu]: got %.9g want %.9g",
         cc_dtype_name(t), cc_redop_name(op), n, off_dst, off_a, off_b, mode, bad, first,
         bad ? cc_load(got, first, t) : 0, bad ? cc_load(want, first, t) : 0);
  size_t damage = dev_guard_damage(&da) + dev_guard_damage(&db) + dev_guard_damage(&dd);
  CHECKF(damage == 0, "reduce %s %s n=%zu mode %d: %zu guard bytes overwritten", cc_dtype_name(t), cc_redop_name(op),
         n, mode, damage);
  if (mode == OUT_OF_PLACE) {  // the inputs are untouched
    dev_download(got, &da);
    CHECKF(memcmp(got, a, bytes) == 0, "reduce %s %s n=%zu: input a changed", cc_dtype_name(t), cc_redop_name(op), n);
  }
  dev_buf_free(&da), dev_buf_free(&db), dev_buf_free(&dd);
  free(a), free(b), free(want), free(got);
}

static void divide_case(cc_dtype t, size_t n, size_t off, double divisor) {
  size_t esz = cc_dtype_size(t), bytes = n * esz;
  void *x = host_alloc(bytes), *got = host_alloc(bytes);
  fill(x, n, t);
  dev_buf d = dev_buf_alloc(bytes, off * esz);
  dev_upload(&d, x);
  cc_host_divide(x, n, t, divisor);
  cc_cuda_divide(d.p, n, t, divisor, 0);
  dev_download(got, &d);
  size_t first, bad = count_differences(got, x, n, t, &first);
  CHECKF(bad == 0, "divide %s n=%zu off %zu by %g: %zu wrong, first [%zu]: got %.9g want %.9g", cc_dtype_name(t), n,
         off, divisor, bad, first, bad ? cc_load(got, first, t) : 0, bad ? cc_load(x, first, t) : 0);
  CHECKF(dev_guard_damage(&d) == 0, "divide %s n=%zu: guard bytes overwritten", cc_dtype_name(t), n);
  dev_buf_free(&d);
  free(x), free(got);
}

// Every element of a huge buffer filled from one byte pattern, so the expected result is one value:
// reduce in place (a += b), then divide, then check all of it in chunks. n > 2^31 catches 32-bit
// index arithmetic; the tail past the last pack runs too (n is odd).
static void large_case(cc_dtype t, cc_redop op, size_t n, unsigned char byte_a, unsigned char byte_b,
                       double divisor) {
  size_t esz = cc_dtype_size(t), bytes = n * esz, free_bytes, total_bytes;
  CC_CHECK_CUDA(cudaMemGetInfo(&free_bytes, &total_bytes));
  if (2 * bytes + (256u << 20) > free_bytes) {
    printf("large %s %s n=%zu: skipped, needs %zu MiB of GPU memory, %zu free\n", cc_dtype_name(t),
           cc_redop_name(op), n, 2 * bytes >> 20, free_bytes >> 20);
    return;
  }
  unsigned char ea[8], eb[8], want[8];
  memset(ea, byte_a, sizeof ea), memset(eb, byte_b, sizeof eb);
  cc_host_reduce(want, ea, eb, 1, t, op);
  cc_host_divide(want, 1, t, divisor);
  void *a, *b;
  CC_CHECK_CUDA(cudaMalloc(&a, bytes));
  CC_CHECK_CUDA(cudaMalloc(&b, bytes));
  CC_CHECK_CUDA(cudaMemset(a, byte_a, bytes));
  CC_CHECK_CUDA(cudaMemset(b, byte_b, bytes));
  cc_cuda_reduce(a, a, b, n, t, op, 0);
  cc_cuda_divide(a, n, t, divisor, 0);
  CC_CHECK_CUDA(cudaDeviceSynchronize());
  size_t chunk = (size_t)64 << 20, bad = 0, first = n;
  unsigned char *host = host_alloc(chunk * esz);
  for (size_t start = 0; start < n; start += chunk) {
    size_t len = n - start < chunk ? n - start : chunk;
    CC_CHECK_CUDA(cudaMemcpy(host, (unsigned char *)a + start * esz, len * esz, cudaMemcpyDeviceToHost));
    for (size_t i = 0; i < len; i++) {
      if (memcmp(host + i * esz, want, esz) != 0) {
        if (first == n) first = start + i;
        bad++;
      }
    }
  }
  CHECKF(bad == 0, "large %s %s n=%zu: %zu wrong, first at %zu", cc_dtype_name(t), cc_redop_name(op), n, bad, first);
  free(host);
  CC_CHECK_CUDA(cudaFree(a));
  CC_CHECK_CUDA(cudaFree(b));
}

int main(void) {
  cc_cuda_require_gpu_or_skip("test_reduce_cuda");
  cc_rng_seed(&rng, test_seed("test_reduce_cuda"));
  const size_t sizes[] = {0, 1, 2, 7, 8, 9, 15, 17, 4097, ((size_t)1 << 20) + 3};
  const double float_divisors[] = {1, 3, 7, 0.5, 6.1};
  const double integer_divisors[] = {1, 3, 8, 1000, 0x1p32 + 3};  // 1000: past int8; 2^32+3: past 32 bits
  for (cc_dtype t = 0; t < CC_NDTYPES; t++) {
    const double *divisors = cc_dtype_is_integer(t) ? integer_divisors : float_divisors;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
      size_t n = sizes[k];
      for (cc_redop op = 0; op < CC_NREDOPS; op++) {
        reduce_case(t, op, n, 0, 0, 0, OUT_OF_PLACE);
        reduce_case(t, op, n, 1, 1, 1, OUT_OF_PLACE);  // one misalignment shared: scalar head, then wide
        reduce_case(t, op, n, 3, 3, 3, OUT_OF_PLACE);
        reduce_case(t, op, n, 0, 1, 2, OUT_OF_PLACE);  // mixed: all scalar
        reduce_case(t, op, n, 0, 0, 0, IN_PLACE_A);
        reduce_case(t, op, n, 1, 1, 1, IN_PLACE_B);
      }
      for (size_t d = 0; d < 5; d++) {
        divide_case(t, n, 0, divisors[d]);
        divide_case(t, n, 1, divisors[d]);
      }
    }
  }
  size_t big = ((size_t)1 << 31) + 5;
  large_case(CC_BF16, CC_SUM, big, 0x3f, 0x40, 3.0);  // 0x3f3f + 0x4040 in bf16
  large_case(CC_F16, CC_SUM, big, 0x3c, 0x41, 7.0);
  large_case(CC_F32, CC_SUM, big, 0x3f, 0xbe, 3.0);
  large_case(CC_I8, CC_SUM, big, 0x7f, 0x02, 3.0);    // 127 + 2 wraps to -127; / 3 truncates to -42
  large_case(CC_U8, CC_MAX, big, 0x7f, 0x90, 7.0);
  return check_done("test_reduce_cuda");
}
