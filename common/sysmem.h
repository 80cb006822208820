// How much memory this machine has: the tools refuse a run whose buffers cannot fit before allocating
// them, with an error naming the flags, rather than dying inside malloc or the kernel's OOM killer.
#pragma once
#include <stdint.h>

// Physical memory in bytes (sysconf), 0 when unknown.
uint64_t cc_physical_memory(void);
// NULL when `ranks_here` processes needing `bytes_per_rank` each fit in the physical memory, else a
// message "<what> take 1.5 TiB per rank; 4 rank(s) on this node would need 6 TiB of its 31 GiB", for
// "flags: message" errors. The text lives in a static buffer (one caller at a time).
const char *cc_memory_shortfall(double bytes_per_rank, int ranks_here, const char *what);
