// Top-k on the device (kernels/sparse_cuda.h): the payload of compress/sparsify.c, bit for bit.
//
// Keys are the f32 bit patterns with the sign cleared (31 bits), as in sparsify.c. Everything runs on
// the device, in stream order, without a round trip to the host: every decision a later kernel needs
// (the bucket of a pass, the threshold, how many passed) is written into a small state in the
// workspace and read back by the next kernel.
//
// Exact topk = select + emit:
//
//   select  three histogram passes over the key, bits 30..20, 19..10 and 9..0. A pass counts the keys
//           that share the high bits found so far into a per-block shared-memory histogram, flushed
//           to global memory with one atomic per nonzero bin; a one-block kernel then scans the bins
//           from the top and keeps the bucket holding the k-th largest key. After the third pass the
//           k-th largest key t is known, and ties = k - (keys > t) says how many keys equal to t go.
//   emit    the elements in tiles of TILE: a count pass (keys > t and keys == t per tile), a one-block
//           exclusive scan of those counts, and a write pass that ranks each tile's elements with a
//           block-wide prefix count. Element i lands at (keys > t before i) + min(keys == t before i,
//           ties): indices ascend and the first `ties` keys equal to t are the ones kept, which is the
//           C reference's tie rule. Positions come from counts, never from atomics, so the payload is
//           the same on every run.
//
// Approximate topk is sparsify.c's approx_topk: the threshold t1 is the ceil(ratio m)-th largest key
// of m sampled elements (element cc_hash_below(seed, j, n) for j < m, gathered by one kernel), found by
// the same select. Then every key >= t1 is counted (an emit with all ties). If at most k pass, that emit
// writes them straight into the payload. Otherwise the k largest of them are wanted, and those are the
// k largest of the whole input (every element that did not pass is below every one that did), so a
// second select + emit runs over the candidates, compacted by the first emit into a list of up to 2k
// indices, or over the whole input when more than 2k passed (heavy ties at the threshold): the same
// result either way, the list being only the fast path.
#include "kernels/common_cuda.h"
#include "kernels/sparse_cuda.h"

extern "C" {
#include "compress/schemes.h"
}

#include "kernels/block_scan_cuda.h"
#include "kernels/cuda_device.h"

enum {
  THREADS = 256,                    // histogram, count and write kernels
  SCAN_THREADS = 1024,              // the one-block kernels: bucket search, tile scan
  ITEMS = 16,                       // consecutive elements per thread in a tile
  TILE = THREADS * ITEMS,           // 4096: a tile's counts fit 16 bits (packed scans below)
  BLOCKS_PER_SM = 8,
  PASSES = 3,
  MAX_BINS = 2048,                  // 11 bits, the widest pass; at most 2 bins per SCAN_THREADS thread
  ALIGN = 256,                      // workspace regions start on this boundary
};
static const int PASS_SHIFT[PASSES] = {20, 10, 0};  // lowest key bit of each pass
static const int PASS_BITS[PASSES] = {11, 10, 10};
static_assert(MAX_BINS <= 2 * SCAN_THREADS, "find_bucket_kernel takes at most 2 bins per thread");
static_assert(TILE < 65536, "a tile's counts are packed into 16 bits");

// --- the state kernels share through the workspace --------------------------------------------------

// Elements a select or an emit runs over: element j is x[idx[j]], or x[j] when idx is NULL.
typedef struct {
  const float *x;
  const uint32_t *idx;
  uint32_t m;
} source;

// A radix select: the k-th largest key of src, 1 <= k <= m. k == 0: skipped.
typedef struct {
  source src;
  uint32_t k;
  uint32_t prefix;     // the key bits found by the passes so far, the lower bits zero
  uint32_t remaining;  // rank of the wanted key (1 = largest) among the keys that share the prefix
  uint32_t thresh;     // result: the k-th largest key
  uint32_t ties;       // result: how many keys equal to thresh are among the k largest
} select_job;

// An ordered compaction of src: keys above sel->thresh, then the first sel->ties keys equal to it (all
// of them when all_ties), in src order, as indices into x at out_idx and values at out_val.
typedef struct {
  source src;
  const select_job *sel;
  uint32_t active;     // 0: skipped
  uint32_t all_ties;
  uint32_t *out_idx;   // NULL: count only
  float *out_val;      // NULL: indices only
  uint32_t total_above, total_equal;  // over src, from the tile scan
} emit_job;

typedef struct {
  select_job sel[2];  // exact: sel[0]. approx: the sample's threshold, then the trim to k
  emit_job emit[2];   // exact: emit[0]. approx: everything >= the threshold, then the k largest of it
  uint32_t hist[2][PASSES][MAX_BINS];  // one histogram per select and pass, zeroed per encode
} topk_state;

// Where each part of the workspace lies.
typedef struct {
  topk_state *state;
  uint32_t *tile_above, *tile_equal;  // per tile counts, then their exclusive prefix sums
  float *sample;                      // approx with m < n: the sampled values
  uint32_t *cand;                     // approx: up to cap candidate indices
  size_t ntiles, m, cap;
} layout;

static size_t align_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

static __host__ __device__ size_t tiles_of(size_t m) { return (m + TILE - 1) / TILE; }

// The layout for n elements inside a workspace starting at `base` (NULL: only sizes). Returns the bytes
// the workspace needs, ALIGN of slack included so any base address works.
static size_t plan(const cc_compressor *c, size_t n, void *base, layout *L) {
  size_t k = cc_sparse_k(c->ratio, n);
  *L = layout{};
  L->ntiles = tiles_of(n) > 0 ? tiles_of(n) : 1;
  L->m = n > 0 && c->approx ? cc_topk_sample_size(c->ratio, n) : 0;
  L->cap = c->approx ? (2 * k < n ? 2 * k : n) : 0;
  size_t sample_elems = L->m < n ? L->m : 0;  // m == n: the sample is the input itself
  size_t at = 0, state_at = at;
  at = align_up(at + sizeof(topk_state), ALIGN);
  size_t above_at = at;
  at = align_up(at + L->ntiles * sizeof(uint32_t), ALIGN);
  size_t equal_at = at;
  at = align_up(at + L->ntiles * sizeof(uint32_t), ALIGN);
  size_t sample_at = at;
  at = align_up(at + sample_elems * sizeof(float), ALIGN);
  size_t cand_at = at;
  at = align_up(at + L->cap * sizeof(uint32_t), ALIGN);
  if (base) {
    char *b = (char *)align_up((size_t)(uintptr_t)base, ALIGN);
    L->state = (topk_state *)(b + state_at);
    L->tile_above = (uint32_t *)(b + above_at);
    L->tile_equal = (uint32_t *)(b + equal_at);
    L->sample = (float *)(b + sample_at);
    L->cand = (uint32_t *)(b + cand_at);
  }
  return at + ALIGN;
}

// --- keys ----------------------------------------------------------------------------------------------

static __device__ __forceinline__ uint32_t mag_key(float v) { return __float_as_uint(v) & 0x7fffffffu; }

static __device__ __forceinline__ uint32_t source_index(const source &s, size_t j) {
  return s.idx ? s.idx[j] : (uint32_t)j;
}

static __device__ __forceinline__ uint32_t source_key(const source &s, size_t j) {
  return mag_key(s.x[source_index(s, j)]);
}

// --- select ----------------------------------------------------------------------------------------------

// Histogram of key bits [shift, shift + bits) over the keys whose higher bits equal the job's prefix.
static __global__ void histogram_kernel(const select_job *job, uint32_t *hist, int shift, int bits) {
  __shared__ uint32_t local[MAX_BINS];
  if (job->k == 0) return;  // the same for the whole block
  const source src = job->src;
  const uint32_t nbins = 1u << bits, high_shift = (uint32_t)(shift + bits);
  const uint32_t want_high = job->prefix >> high_shift;  // first pass: 31, and every key >> 31 is 0
  for (uint32_t b = threadIdx.x; b < nbins; b += blockDim.x) local[b] = 0;
  __syncthreads();
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  for (size_t j = (size_t)blockIdx.x * blockDim.x + threadIdx.x; j < src.m; j += stride) {
    uint32_t key = source_key(src, j);
    if (key >> high_shift == want_high) atomicAdd(&local[(key >> shift) & (nbins - 1)], 1u);
  }
  __syncthreads();
  for (uint32_t b = threadIdx.x; b < nbins; b += blockDim.x)
    if (local[b]) atomicAdd(&hist[b], local[b]);
}

// One block of SCAN_THREADS: the bin of this pass that holds the job's wanted key. Thread t takes the
// bins ranked t*per..t*per+per-1 from the top; an exclusive sum over threads gives the keys in the bins
// above its own, so exactly one thread sees the running count cross `remaining` inside one of its bins.
static __global__ void find_bucket_kernel(select_job *job, const uint32_t *hist, int shift, int bits) {
  if (job->k == 0) return;
  const uint32_t nbins = 1u << bits, remaining = job->remaining;  // read before anyone writes it
  const uint32_t per = (nbins + blockDim.x - 1) / blockDim.x;   // 1 or 2
  uint32_t h[2] = {0, 0}, sum = 0;
  for (uint32_t i = 0; i < per; i++) {
    uint32_t rank = threadIdx.x * per + i;
    h[i] = rank < nbins ? hist[nbins - 1 - rank] : 0;
    sum += h[i];
  }
  uint32_t total;
  uint32_t before = cc_block_exclusive_sum(sum, &total);  // keys in the bins above this thread's
  for (uint32_t i = 0; i < per; i++) {
    if (before < remaining && remaining <= before + h[i]) {
      uint32_t bin = nbins - 1 - (threadIdx.x * per + i);
      uint32_t prefix = job->prefix | bin << shift;
      job->prefix = prefix;
      job->remaining = remaining - before;
      if (shift == 0) job->thresh = prefix, job->ties = remaining - before;
    }
    before += h[i];
  }
}

static void run_select(select_job *job, uint32_t (*hist)[MAX_BINS], size_t max_m, cudaStream_t s) {
  unsigned blocks = cc_cuda_grid_blocks(max_m, THREADS, BLOCKS_PER_SM);
  for (int p = 0; p < PASSES; p++) {
    histogram_kernel<<<blocks, THREADS, 0, s>>>(job, hist[p], PASS_SHIFT[p], PASS_BITS[p]);
    CC_CHECK_CUDA(cudaGetLastError());
    find_bucket_kernel<<<1, SCAN_THREADS, 0, s>>>(job, hist[p], PASS_SHIFT[p], PASS_BITS[p]);
    CC_CHECK_CUDA(cudaGetLastError());
  }
}

// --- emit ------------------------------------------------------------------------------------------------

static __device__ __forceinline__ uint32_t job_ties(const emit_job *job) {
  return job->all_ties ? UINT32_MAX : job->sel->ties;
}

// Per tile: keys > thresh and keys == thresh, packed as above << 16 | equal (each at most TILE < 2^16).
static __global__ void emit_count_kernel(const emit_job *job, uint32_t *tile_above, uint32_t *tile_equal) {
  if (!job->active) return;
  const source src = job->src;
  const uint32_t t = job->sel->thresh;
  const size_t ntiles = tiles_of(src.m);
  for (size_t tile = blockIdx.x; tile < ntiles; tile += gridDim.x) {
    size_t start = tile * TILE, end = start + TILE < src.m ? start + TILE : src.m;
    uint32_t above = 0, equal = 0;
    for (size_t j = start + threadIdx.x; j < end; j += blockDim.x) {
      uint32_t key = source_key(src, j);
      above += key > t;
      equal += key == t;
    }
    uint32_t total;
    cc_block_exclusive_sum(above << 16 | equal, &total);
    if (threadIdx.x == 0) tile_above[tile] = total >> 16, tile_equal[tile] = total & 0xffffu;
  }
}

// One block of SCAN_THREADS: the tile counts become exclusive prefix sums, in place; totals to the job.
static __global__ void emit_scan_kernel(emit_job *job, uint32_t *tile_above, uint32_t *tile_equal) {
  if (!job->active) return;
  const size_t ntiles = tiles_of(job->src.m);
  const size_t per = (ntiles + blockDim.x - 1) / blockDim.x;
  const size_t first = threadIdx.x * per, last = first + per < ntiles ? first + per : ntiles;
  uint32_t above = 0, equal = 0;
  for (size_t i = first; i < last; i++) above += tile_above[i], equal += tile_equal[i];
  uint32_t total_above, total_equal;
  uint32_t base_above = cc_block_exclusive_sum(above, &total_above);
  uint32_t base_equal = cc_block_exclusive_sum(equal, &total_equal);
  for (size_t i = first; i < last; i++) {
    uint32_t a = tile_above[i], e = tile_equal[i];
    tile_above[i] = base_above, tile_equal[i] = base_equal;
    base_above += a, base_equal += e;
  }
  if (threadIdx.x == 0) job->total_above = total_above, job->total_equal = total_equal;
}

// Shared-memory slot of tile element e: one pad word per 32, so that the 32 threads of a warp reading
// elements 16t + i (t = lane) hit 32 different banks.
static __device__ __forceinline__ uint32_t padded(uint32_t e) { return e + e / 32; }

// Writes the selected elements of each tile at their final positions (see the top of this file). The
// tile's keys are staged in shared memory with coalesced loads, then thread t walks elements
// 16t..16t+15 in index order, starting from the counts before its first element.
static __global__ void emit_write_kernel(const emit_job *job, const uint32_t *tile_above, const uint32_t *tile_equal) {
  __shared__ uint32_t keys[TILE + TILE / 32];
  if (!job->active || job->out_idx == NULL) return;
  const source src = job->src;
  const uint32_t t = job->sel->thresh;
  const uint64_t ties = job_ties(job);
  uint32_t *out_idx = job->out_idx;
  float *out_val = job->out_val;
  const size_t ntiles = tiles_of(src.m);
  for (size_t tile = blockIdx.x; tile < ntiles; tile += gridDim.x) {
    const size_t start = tile * TILE;
    const uint32_t valid = (uint32_t)(src.m - start < TILE ? src.m - start : TILE);
    for (uint32_t e = threadIdx.x; e < valid; e += blockDim.x) keys[padded(e)] = source_key(src, start + e);
    __syncthreads();
    const uint32_t mine = threadIdx.x * ITEMS;
    uint32_t above = 0, equal = 0;
    for (uint32_t i = 0; i < ITEMS && mine + i < valid; i++) {
      uint32_t key = keys[padded(mine + i)];
      above += key > t;
      equal += key == t;
    }
    uint32_t total;
    uint32_t before = cc_block_exclusive_sum(above << 16 | equal, &total);
    uint64_t n_above = (uint64_t)tile_above[tile] + (before >> 16);  // keys > t before my first element
    uint64_t n_equal = (uint64_t)tile_equal[tile] + (before & 0xffffu);
    for (uint32_t i = 0; i < ITEMS && mine + i < valid; i++) {
      uint32_t key = keys[padded(mine + i)];
      if (key > t || (key == t && n_equal < ties)) {
        uint64_t pos = n_above + (n_equal < ties ? n_equal : ties);
        uint32_t index = source_index(src, start + mine + i);
        out_idx[pos] = index;
        if (out_val) out_val[pos] = src.x[index];
      }
      n_above += key > t;
      n_equal += key == t;
    }
    __syncthreads();  // keys is refilled by the next tile
  }
}

static unsigned emit_blocks(size_t max_m) {
  return cc_cuda_grid_blocks(tiles_of(max_m), 1, BLOCKS_PER_SM);  // a block per tile, up to 8 per SM
}

// Count and scan: afterwards the job's totals and the tiles' offsets are known.
static void run_emit_count(emit_job *job, const layout *L, size_t max_m, cudaStream_t s) {
  emit_count_kernel<<<emit_blocks(max_m), THREADS, 0, s>>>(job, L->tile_above, L->tile_equal);
  CC_CHECK_CUDA(cudaGetLastError());
  emit_scan_kernel<<<1, SCAN_THREADS, 0, s>>>(job, L->tile_above, L->tile_equal);
  CC_CHECK_CUDA(cudaGetLastError());
}

static void run_emit_write(const emit_job *job, const layout *L, size_t max_m, cudaStream_t s) {
  emit_write_kernel<<<emit_blocks(max_m), THREADS, 0, s>>>(job, L->tile_above, L->tile_equal);
  CC_CHECK_CUDA(cudaGetLastError());
}

// --- the two encoders ------------------------------------------------------------------------------------

static __global__ void setup_exact_kernel(topk_state *st, const float *x, uint32_t n, uint32_t k, uint32_t *words) {
  select_job *sel = &st->sel[0];
  sel->src = source{x, NULL, n};
  sel->k = k, sel->prefix = 0, sel->remaining = k;
  emit_job *e = &st->emit[0];
  e->src = sel->src, e->sel = sel, e->active = 1, e->all_ties = 0;
  e->out_idx = words + 1, e->out_val = (float *)(words + 1 + k);
  words[0] = k;
}

static __global__ void gather_sample_kernel(const float *x, uint64_t n, uint64_t seed, float *sample, uint32_t m) {
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  for (size_t j = (size_t)blockIdx.x * blockDim.x + threadIdx.x; j < m; j += stride)
    sample[j] = x[cc_hash_below(seed, j, n)];
}

// Stage 1 of approx: the threshold from the sample (sample_k-th largest of m), then a count of every
// element at or above it. Stage 2 stays skipped (zeroed) until approx_decide_kernel fills it in.
static __global__ void setup_approx_kernel(topk_state *st, const float *x, uint32_t n, const float *sample, uint32_t m,
                                    uint32_t sample_k) {
  select_job *sel = &st->sel[0];
  sel->src = source{sample, NULL, m};
  sel->k = sample_k, sel->prefix = 0, sel->remaining = sample_k;
  emit_job *e = &st->emit[0];
  e->src = source{x, NULL, n}, e->sel = sel, e->active = 1, e->all_ties = 1;
  st->emit[1].sel = &st->sel[1];
}

// After stage 1's count, as in sparsify.c's approx_topk: at most k passed: stage 1 writes them all into
// the payload (count = passed, the tail stays zero). More: stage 1 writes them into the candidate list
// when it holds them, and stage 2 selects and writes the k largest of the candidates (or of the whole
// input: the same elements).
static __global__ void approx_decide_kernel(topk_state *st, const float *x, uint32_t n, uint32_t k, uint32_t *words,
                                     uint32_t *cand, uint32_t cap) {
  emit_job *all = &st->emit[0], *trim = &st->emit[1];
  select_job *sel = &st->sel[1];
  uint32_t passed = all->total_above + all->total_equal;
  if (passed <= k) {
    words[0] = passed;
    all->out_idx = words + 1, all->out_val = (float *)(words + 1 + passed);
    return;
  }
  words[0] = k;
  bool listed = passed <= cap;
  source within = listed ? source{x, cand, passed} : source{x, NULL, n};
  all->out_idx = listed ? cand : NULL, all->out_val = NULL;
  sel->src = within, sel->k = k, sel->prefix = 0, sel->remaining = k;
  trim->src = within, trim->active = 1, trim->all_ties = 0;
  trim->out_idx = words + 1, trim->out_val = (float *)(words + 1 + k);
}

size_t cc_cuda_sparse_workspace_bytes(const cc_compressor *c, size_t n) {
  if (c->kind != CC_COMP_TOPK) return 0;
  layout L;
  return plan(c, n, NULL, &L);
}

void cc_cuda_topk_encode(const cc_compressor *c, const float *in, size_t n, void *out, uint64_t seed,
                         void *workspace, cudaStream_t s) {
  if (c->kind != CC_COMP_TOPK) CC_FATAL("cc_cuda_topk_encode: %s is not topk", c->name);
  if (n > UINT32_MAX) CC_FATAL("topk: %zu elements do not fit the payload's 32-bit indices", n);
  size_t k = cc_sparse_k(c->ratio, n);
  uint32_t *words = (uint32_t *)out;
  if (k == 0) {  // n == 0: a count of 0
    CC_CHECK_CUDA(cudaMemsetAsync(out, 0, sizeof(uint32_t), s));
    return;
  }
  layout L;
  plan(c, n, workspace, &L);
  topk_state *st = L.state;
  CC_CHECK_CUDA(cudaMemsetAsync(st, 0, sizeof *st, s));
  if (!c->approx) {
    setup_exact_kernel<<<1, 1, 0, s>>>(st, in, (uint32_t)n, (uint32_t)k, words);
    CC_CHECK_CUDA(cudaGetLastError());
    run_select(&st->sel[0], st->hist[0], n, s);
    run_emit_count(&st->emit[0], &L, n, s);
    run_emit_write(&st->emit[0], &L, n, s);
    return;
  }
  CC_CHECK_CUDA(cudaMemsetAsync(out, 0, cc_sparse_bytes(c, n), s));
  const float *sample = in;
  if (L.m < n) {
    gather_sample_kernel<<<cc_cuda_grid_blocks(L.m, THREADS, BLOCKS_PER_SM), THREADS, 0, s>>>(in, n, seed, L.sample,
                                                                                               (uint32_t)L.m);
    CC_CHECK_CUDA(cudaGetLastError());
    sample = L.sample;
  }
  setup_approx_kernel<<<1, 1, 0, s>>>(st, in, (uint32_t)n, sample, (uint32_t)L.m,
                                      (uint32_t)cc_sparse_k(c->ratio, L.m));
  CC_CHECK_CUDA(cudaGetLastError());
  run_select(&st->sel[0], st->hist[0], L.m, s);
  run_emit_count(&st->emit[0], &L, n, s);
  approx_decide_kernel<<<1, 1, 0, s>>>(st, in, (uint32_t)n, (uint32_t)k, words, L.cand, (uint32_t)L.cap);
  CC_CHECK_CUDA(cudaGetLastError());
  run_emit_write(&st->emit[0], &L, n, s);
  run_select(&st->sel[1], st->hist[1], n, s);
  run_emit_count(&st->emit[1], &L, n, s);
  run_emit_write(&st->emit[1], &L, n, s);
}
