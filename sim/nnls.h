// Non-negative least squares: min |A x - b|^2 subject to x >= 0, given the normal equations G = A'A and
// h = A'b (Lawson and Hanson's active-set method in Bro and De Jong's Gram-matrix form). Exact for the
// problem sizes ccsim fits (tens of parameters), and the optimum is unique when G is positive definite.
#pragma once

// G is n x n (row-major), h has n entries; x receives the solution. Columns whose diagonal is 0 (no
// row depends on the parameter) stay 0. Returns the number of iterations, or -1 if it did not settle
// within its iteration limit (x then holds the best feasible point found).
int cc_nnls(const double *G, const double *h, int n, double *x);

// Solves the n x n system M y = r in place by Gaussian elimination with partial pivoting, on the
// indices in `idx` (q of them) only. Returns -1 when the subsystem is singular.
int cc_solve_subset(const double *M, const double *r, int n, const int *idx, int q, double *y);
