// PowerSGD (Vogels, Karimireddy, Jaggi, NeurIPS 2019): a rank-r approximation of the average of the
// ranks' gradient matrices, found by one step of subspace (power) iteration per training step and sent
// as two small factors instead of the matrix.
//
// This is the C reference later kernels (GPU included) are checked against, and it knows nothing of
// MPI: the caller runs the two allreduces between the phases. Per step, per matrix, on every rank:
//
//   project(s, M)          p = M q                    rows x r floats
//   -- allreduce-sum p --                             every rank now holds the same p
//   orthogonalize(s)       p = orthonormal basis of span(p)
//   back_project(s, M)     q = M^T p                  cols x r floats
//   -- allreduce-sum q --                             q = (sum of the ranks' M)^T p
//   decode(s, out, 1/P)    out = p q^T / P = p p^T (average of the ranks' M)
//
// The two allreduces carry cc_powersgd_bytes() = 4 r (rows + cols) bytes in all. q stays in the state
// and warm-starts the next step's projection, so on a slowly changing gradient the subspace keeps
// converging across steps (one power-iteration step per training step).
//
// Every rank must end with bitwise the same p and q, which holds as long as they start from the same q
// (same seed to init) and the allreduce hands every rank the same sum (ring and tree allreduces do):
// orthogonalize is then the same computation on the same numbers everywhere.
//
// Error feedback is the caller's, on M (as in torch's PowerSGD hook): with P ranks,
//   corrected = grad + residual;  run the phases above on corrected;
//   residual  = corrected - p q^T / P        (cc_powersgd_residual(s, corrected, residual, 1/P))
// i.e. each rank keeps what the decoded average missed of its own corrected gradient.
//
// Only matrices are PowerSGD's business: 1-D tensors (biases, norms) have nothing to factor and go
// uncompressed, and so does any matrix for which cc_powersgd_compresses() says the factors would be no
// smaller than the matrix.
//
// Layouts: M is rows x cols, p rows x r and q cols x r, all row-major f32. Dot products accumulate in
// double; the loops are O(rows cols r) and walk M row by row.
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  size_t rows, cols;
  int rank;      // r: the requested rank clamped to min(rows, cols)
  float *p;      // rows x r: M q, then (after orthogonalize) orthonormal columns
  float *q;      // cols x r: M^T p; kept across steps (warm start)
  double *acc;   // scratch: max(rows, cols r) doubles
} cc_powersgd;

// q = N(0, 1) draws from cc_rng seeded with `seed`, in row-major order; every rank passes the same seed
// so every rank starts from the same q. rows, cols and rank must be >= 1 (fatal otherwise); rank is
// clamped to min(rows, cols), where the approximation is already exact.
void cc_powersgd_init(cc_powersgd *s, size_t rows, size_t cols, int rank, uint64_t seed);
void cc_powersgd_free(cc_powersgd *s);

// The matrix a flat vector of n elements is viewed as, zero-padded, when it has no shape of its own:
// near-square, cols = ceil(sqrt(n)), rows = ceil(n / cols), both at least 1. Collectives and the cost
// model both call it, so they always agree on the factors' sizes.
void cc_powersgd_matrix_shape(size_t n, size_t *rows, size_t *cols);
// Wire bytes per step, both allreduces together: 4 r (rows + cols), r clamped as in init.
size_t cc_powersgd_bytes(size_t rows, size_t cols, int rank);
// Whether the factors are smaller than the matrix itself (4 rows cols bytes); when not, send M as is.
bool cc_powersgd_compresses(size_t rows, size_t cols, int rank);

// p = m q. The caller then sums p over ranks.
void cc_powersgd_project(cc_powersgd *s, const float *m);

// Replaces p (the sum over ranks) by orthonormal columns spanning the same space: Gram-Schmidt, each
// column projected against the earlier ones twice ("twice is enough": the second pass removes what
// rounding left of the first, so p^T p = I to f32 precision even for ill-conditioned p).
//
// A column that is zero, or whose part outside the earlier columns' span is below 1e-4 of its own norm
// (dependent up to rounding), is replaced by the unit vector e_i least covered by the earlier columns
// (smallest sum_j p[i][j]^2, lowest i on ties), orthogonalized the same way. So p always has r
// orthonormal columns, never NaN. A zero column would work for one step (p p^T M is still a projection)
// but, warm-started, it would stay zero forever: q = M^T 0 = 0, next p = M 0 = 0; a gradient that is
// zero on the first step (or rank-deficient) would lose that rank for the rest of training. An extra
// orthonormal direction never makes p p^T M worse, and the choice is deterministic, so every rank makes
// the same one.
void cc_powersgd_orthogonalize(cc_powersgd *s);

// q = m^T p (p orthonormal, the same on every rank). The caller then sums q over ranks.
void cc_powersgd_back_project(cc_powersgd *s, const float *m);

// out = scale p q^T (rows x cols). With q summed over P ranks, scale = 1/P gives the approximate
// average, 1 the approximate sum.
void cc_powersgd_decode(const cc_powersgd *s, float *out, float scale);

// residual = corrected - scale p q^T, the error-feedback update (see the top of this file). The
// difference is taken in double and rounded once. residual may alias corrected.
void cc_powersgd_residual(const cc_powersgd *s, const float *corrected, float *residual, float scale);
