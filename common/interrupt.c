#include "common/interrupt.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t received;

static void on_signal(int sig) {
  if (received) {  // the second one: stop waiting for a clean exit
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  received = sig;
}

void cc_interrupt_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

int cc_interrupt_signal(void) { return (int)received; }

const char *cc_signal_name(int sig) {
  static char other[32];
  if (sig == SIGINT) return "SIGINT";
  if (sig == SIGTERM) return "SIGTERM";
  snprintf(other, sizeof other, "signal %d", sig);
  return other;
}
