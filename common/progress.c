// Progress bar on stderr, redrawn in place with a carriage return (see progress.h).
#include "common/progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/timer.h"

enum { BAR_CELLS = 24 };
static const double REDRAW_INTERVAL_S = 0.1;
static const double NEVER_DRAWN = -1e9;

void cc_format_duration(double seconds, char *buf, int len) {
  // Clamp nonsense (negative, NaN, centuries) instead of printing it.
  long long s = (isfinite(seconds) && seconds > 0) ? (long long)fmin(seconds + 0.5, 1e9) : 0;
  if (s >= 3600)
    snprintf(buf, (size_t)len, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else
    snprintf(buf, (size_t)len, "%lld:%02lld", s / 60, s % 60);
}

void cc_progress_start(cc_progress *p, uint64_t total, bool want) {
  *p = (cc_progress){.enabled = want && isatty(STDERR_FILENO), .total = total, .start_s = cc_now_s(),
                     .last_draw_s = NEVER_DRAWN};
}

static void draw(cc_progress *p, const char *label, double now) {
  char bar[BAR_CELLS + 1];
  int filled = p->total ? (int)((double)p->done / (double)p->total * BAR_CELLS) : BAR_CELLS;
  memset(bar, '#', (size_t)filled);
  memset(bar + filled, '.', (size_t)(BAR_CELLS - filled));
  bar[BAR_CELLS] = '\0';
  int percent = p->total ? (int)((double)p->done / (double)p->total * 100) : 100;

  char elapsed[32], eta[32] = "-:--";
  double elapsed_s = now - p->start_s;
  cc_format_duration(elapsed_s, elapsed, sizeof elapsed);
  if (p->done > 0) cc_format_duration(elapsed_s * (double)(p->total - p->done) / (double)p->done, eta, sizeof eta);

  // The label is cut short so the line fits a terminal row: a wrapped line cannot be redrawn with \r.
  char line[256];
  int width = snprintf(line, sizeof line, "[%s]%4d%%  %llu/%llu%s%.40s  elapsed %s  ETA %s", bar, percent,
                       (unsigned long long)p->done, (unsigned long long)p->total, label && *label ? "  " : "",
                       label ? label : "", elapsed, eta);
  if (width >= (int)sizeof line) width = (int)sizeof line - 1;
  int pad = p->last_width > width ? p->last_width - width : 0;  // blank out the rest of a longer old line
  fprintf(stderr, "\r%s%*s", line, pad, "");
  fflush(stderr);
  p->last_width = width;
}

void cc_progress_update(cc_progress *p, uint64_t done, const char *label) {
  if (!p->enabled) return;
  p->done = done < p->total ? done : p->total;
  double now = cc_now_s();
  bool final = p->done == p->total;
  if (!final && now - p->last_draw_s < REDRAW_INTERVAL_S) return;
  p->last_draw_s = now;
  draw(p, label, now);
}

void cc_progress_clear(cc_progress *p) {
  if (!p->enabled || p->last_width == 0) return;
  fprintf(stderr, "\r%*s\r", p->last_width, "");
  fflush(stderr);
  p->last_width = 0;
  p->last_draw_s = NEVER_DRAWN;
}

void cc_progress_finish(cc_progress *p) {
  cc_progress_clear(p);
  p->enabled = false;
}
