// The --timeout watchdog: see watchdog.h.
#include "common/watchdog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/error.h"
#include "common/timer.h"

static double timeout_us;
static _Atomic(const char *) current_what;
static atomic_llong current_step;
static atomic_ullong beats;  // bumped by every cc_watchdog_enter: the thread only compares it
static atomic_bool stopping;
static pthread_t thread;
static bool running;

static void fire(double idle_s) {
  const char *what = atomic_load(&current_what);
  char msg[512], rank_part[32] = "";
  if (cc_get_rank() >= 0) snprintf(rank_part, sizeof rank_part, "rank %d: ", cc_get_rank());
  long long step = atomic_load(&current_step);
  char step_part[32] = "";
  if (step >= 0) snprintf(step_part, sizeof step_part, " %lld", step);
  int len = snprintf(msg, sizeof msg, "%s: %serror: --timeout: no progress for %.0f s in %s%s (a stuck collective, "
                     "or a rank that died or stopped); ending this rank\n", cc_progname(), rank_part, idle_s,
                     what ? what : "start-up", step_part);
  fflush(stdout);  // keep the rows printed so far
  if (write(STDERR_FILENO, msg, (size_t)(len < (int)sizeof msg ? len : (int)sizeof msg - 1)) < 0) {
  }
  _exit(124);  // not exit(): the main thread is inside MPI; atexit handlers would only hang with it
}

static void *watch(void *arg) {
  (void)arg;
  unsigned long long last = atomic_load(&beats);
  double since = cc_now_us();
  // Poll ten times per timeout (at most every 100 ms): fires at most 10% late.
  double poll_us = timeout_us / 10 < 1e5 ? timeout_us / 10 : 1e5;
  struct timespec nap = {.tv_sec = (time_t)(poll_us / 1e6), .tv_nsec = (long)((poll_us - (double)(time_t)(poll_us / 1e6) * 1e6) * 1e3)};
  while (!atomic_load(&stopping)) {
    nanosleep(&nap, NULL);
    unsigned long long now_beats = atomic_load(&beats);
    double now = cc_now_us();
    if (now_beats != last) last = now_beats, since = now;
    else if (now - since > timeout_us) fire((now - since) / 1e6);
  }
  return NULL;
}

const char *cc_watchdog_default(double *timeout_s, char *err, size_t errlen) {
  *timeout_s = CC_WATCHDOG_DEFAULT_S;
  const char *text = getenv(CC_WATCHDOG_ENV);
  if (!text || !*text) return NULL;
  double seconds;
  if (cc_parse_double(text, &seconds) != 0 || !(seconds >= 0 && seconds <= 1e9)) {
    snprintf(err, errlen, "%s: '%s' is not a number of seconds in [0, 1e9] (the default of --timeout; 0: off)",
             CC_WATCHDOG_ENV, text);
    return err;
  }
  *timeout_s = seconds;
  return NULL;
}

void cc_watchdog_start(double timeout_s) {
  if (timeout_s <= 0 || running) return;
  timeout_us = timeout_s * 1e6;
  atomic_store(&stopping, false);
  if (pthread_create(&thread, NULL, watch, NULL) != 0) CC_FATAL("--timeout: cannot start the watchdog thread");
  running = true;
}

void cc_watchdog_stop(void) {
  if (!running) return;
  atomic_store(&stopping, true);
  pthread_join(thread, NULL);
  running = false;
}

void cc_watchdog_enter(const char *what, long long step) {
  atomic_store_explicit(&current_what, what, memory_order_relaxed);
  atomic_store_explicit(&current_step, step, memory_order_relaxed);
  atomic_fetch_add_explicit(&beats, 1, memory_order_relaxed);
}
