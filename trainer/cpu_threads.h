// Threads of the CPU model: OpenMP runs its own loops (trainer/gpt2_layers.h) and OpenBLAS its
// matmuls, with one count for both. With Debian's OpenMP build of OpenBLAS they are one pool.
#pragma once

// CPUs this process may run on (its affinity mask: mpirun binds ranks to cores by default).
int cpu_affinity_count(void);
// The node's online cores shared among its ranks (at least 1).
int cpu_threads_share(int ranks_on_node);
// The default per rank: that share, and no more than the CPUs this rank is bound to.
int cpu_threads_default(int ranks_on_node);
// Sets the threads of the model's loops and of the BLAS (n >= 1); cpu_threads_get reads it back.
void cpu_threads_set(int n);
int cpu_threads_get(void);
// The BLAS the model runs on and how it threads, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... (openmp)".
const char *cpu_blas_config(void);
