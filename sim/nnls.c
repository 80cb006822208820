#include "sim/nnls.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

int cc_solve_subset(const double *M, const double *r, int n, const int *idx, int q, double *y) {
  double *a = cc_malloc(sizeof(double) * (size_t)q * (size_t)(q + 1));
  for (int i = 0; i < q; i++) {
    for (int j = 0; j < q; j++) a[i * (q + 1) + j] = M[idx[i] * n + idx[j]];
    a[i * (q + 1) + q] = r[idx[i]];
  }
  double scale = 0;
  for (int i = 0; i < q; i++) scale = fmax(scale, fabs(a[i * (q + 1) + i]));
  int rc = 0;
  for (int col = 0; col < q && rc == 0; col++) {
    int piv = col;
    for (int i = col + 1; i < q; i++)
      if (fabs(a[i * (q + 1) + col]) > fabs(a[piv * (q + 1) + col])) piv = i;
    if (!(fabs(a[piv * (q + 1) + col]) > 1e-13 * scale)) {
      rc = -1;
      break;
    }
    if (piv != col)
      for (int j = 0; j <= q; j++) {
        double t = a[col * (q + 1) + j];
        a[col * (q + 1) + j] = a[piv * (q + 1) + j], a[piv * (q + 1) + j] = t;
      }
    for (int i = 0; i < q; i++) {
      if (i == col) continue;
      double f = a[i * (q + 1) + col] / a[col * (q + 1) + col];
      if (f == 0) continue;
      for (int j = col; j <= q; j++) a[i * (q + 1) + j] -= f * a[col * (q + 1) + j];
    }
  }
  if (rc == 0)
    for (int i = 0; i < q; i++) y[i] = a[i * (q + 1) + q] / a[i * (q + 1) + i];
  free(a);
  return rc;
}

// The unconstrained solution on the passive set P (other entries 0). A singular subsystem (collinear
// parameters) drops the newest parameter from the set rather than failing.
static bool solve_passive(const double *G, const double *h, int n, bool *P, double *s, int *idx, double *y) {
  int q = 0;
  for (int j = 0; j < n; j++)
    if (P[j]) idx[q++] = j;
  memset(s, 0, sizeof(double) * (size_t)n);
  if (q == 0) return true;
  if (cc_solve_subset(G, h, n, idx, q, y) != 0) return false;
  for (int i = 0; i < q; i++) s[idx[i]] = y[i];
  return true;
}

int cc_nnls(const double *G, const double *h, int n, double *x) {
  bool *P = cc_calloc((size_t)n, sizeof(bool)), *collinear = cc_calloc((size_t)n, sizeof(bool));
  double *w = cc_malloc(sizeof(double) * (size_t)n), *s = cc_malloc(sizeof(double) * (size_t)n);
  double *y = cc_malloc(sizeof(double) * (size_t)n);
  int *idx = cc_malloc(sizeof(int) * (size_t)n);
  memset(x, 0, sizeof(double) * (size_t)n);
  double hmax = 0;
  for (int j = 0; j < n; j++) hmax = fmax(hmax, fabs(h[j]));
  double tol = 1e-12 * (hmax > 0 ? hmax : 1);
  int iter = 0, max_iter = 30 * n + 30, rc = -1;
  for (; iter < max_iter; iter++) {
    // w = h - G x: the negative gradient; a parameter at 0 whose w > 0 would lower the residual.
    int best = -1;
    for (int j = 0; j < n; j++) {
      w[j] = h[j];
      for (int k = 0; k < n; k++) w[j] -= G[j * n + k] * x[k];
      if (!P[j] && !collinear[j] && G[j * n + j] > 0 && w[j] > tol && (best < 0 || w[j] > w[best])) best = j;
    }
    if (best < 0) {
      rc = iter;
      break;
    }
    P[best] = true;
    // Inner loop: move toward the unconstrained solution on P, dropping parameters that hit 0.
    for (int inner = 0; inner < 3 * n + 3; inner++) {
      if (!solve_passive(G, h, n, P, s, idx, y)) {
        P[best] = false;  // collinear with the set: it stays at 0
        collinear[best] = true;
        break;
      }
      bool feasible = true;
      for (int j = 0; j < n; j++)
        if (P[j] && s[j] <= 0) feasible = false;
      if (feasible) {
        memcpy(x, s, sizeof(double) * (size_t)n);
        break;
      }
      // Step from x toward s until the first passive parameter reaches 0; it leaves the set.
      double alpha = 1, xmax = 0;
      int first = -1;
      for (int j = 0; j < n; j++)
        if (P[j] && s[j] <= 0 && (first < 0 || x[j] / (x[j] - s[j]) < alpha)) alpha = x[j] / (x[j] - s[j]), first = j;
      for (int j = 0; j < n; j++) x[j] += alpha * (s[j] - x[j]), xmax = fmax(xmax, fabs(x[j]));
      x[first] = 0;
      for (int j = 0; j < n; j++)
        if (P[j] && x[j] <= 1e-14 * xmax) P[j] = false, x[j] = 0;
    }
  }
  free(P), free(collinear), free(w), free(s), free(y), free(idx);
  return rc;
}
