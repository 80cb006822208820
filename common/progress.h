// A progress bar on stderr, drawn only when stderr is a terminal: results on stdout and logs stay clean.
//
//   [#########...........]  45%  18/40  ring 1 MiB  elapsed 0:12  ETA 0:15
#pragma once
#include <stdbool.h>
#include <stdint.h>

typedef struct {
  bool enabled;        // false: every call is a no-op
  uint64_t total;
  uint64_t done;
  double start_s;
  double last_draw_s;  // redraws are limited to ~10 per second
  int last_width;      // characters drawn last time, to clear them
} cc_progress;

// enabled = want && isatty(stderr).
void cc_progress_start(cc_progress *p, uint64_t total, bool want);
// Sets the completed count and a short label of what runs now; redraws if due.
void cc_progress_update(cc_progress *p, uint64_t done, const char *label);
// Erases the bar so other output can be printed on the terminal; the next update draws it again.
void cc_progress_clear(cc_progress *p);
// Clears the bar's line for good: later calls are no-ops.
void cc_progress_finish(cc_progress *p);
// Formats seconds as "m:ss" or "h:mm:ss".
void cc_format_duration(double seconds, char *buf, int len);
