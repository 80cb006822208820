// Thread count of the CPU model (see cpu_threads.h).
#define _GNU_SOURCE  // sched_getaffinity, CPU_COUNT
#include "trainer/cpu_threads.h"

#include <omp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

// OpenBLAS's own interface (its cblas.h declares them; they are repeated here so that any cblas.h
// will do for the rest).
extern void openblas_set_num_threads(int n);
extern int openblas_get_parallel(void);  // 0 sequential, 1 pthreads, 2 OpenMP
extern char *openblas_get_config(void);

int cpu_affinity_count(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? (int)online : 1;
}

int cpu_threads_share(int ranks_on_node) {
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  long share = online / (ranks_on_node > 0 ? ranks_on_node : 1);
  return share > 0 ? (int)share : 1;
}

int cpu_threads_default(int ranks_on_node) {
  int share = cpu_threads_share(ranks_on_node), bound = cpu_affinity_count();
  return share < bound ? share : bound;
}

void cpu_threads_set(int n) {
  if (n < 1) n = 1;
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int cpu_threads_get(void) { return omp_get_max_threads(); }

const char *cpu_blas_config(void) {
  static char text[256];
  int parallel = openblas_get_parallel();
  const char *how = parallel == 2 ? "openmp" : parallel == 1 ? "pthreads" : "sequential";
  char config[200];
  snprintf(config, sizeof config, "%s", openblas_get_config());
  size_t n = strlen(config);
  while (n > 0 && config[n - 1] == ' ') config[--n] = '\0';  // OpenBLAS ends it with a blank
  snprintf(text, sizeof text, "%s (%s)", config, how);
  return text;
}
