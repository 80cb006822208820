// Physical memory checks: see sysmem.h.
#include "common/sysmem.h"

#include <stdio.h>
#include <unistd.h>

uint64_t cc_physical_memory(void) {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
}

// 1.5 TiB, 31 GiB, 640 MiB: three significant digits are plenty for a refusal.
static void human_bytes(double bytes, char *out, size_t len) {
  const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024 && u < 6) bytes /= 1024, u++;
  snprintf(out, len, "%.3g %s", bytes, unit[u]);
}

const char *cc_memory_shortfall(double bytes_per_rank, int ranks_here, const char *what) {
  static char msg[256];
  double have = (double)cc_physical_memory(), need = bytes_per_rank * (ranks_here > 0 ? ranks_here : 1);
  if (have <= 0 || need <= have) return NULL;
  char one[32], all[32], mem[32];
  human_bytes(bytes_per_rank, one, sizeof one);
  human_bytes(need, all, sizeof all);
  human_bytes(have, mem, sizeof mem);
  snprintf(msg, sizeof msg, "%s take %s per rank; %d rank(s) on this node would need %s of its %s", what, one,
           ranks_here, all, mem);
  return msg;
}
