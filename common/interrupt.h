// SIGINT and SIGTERM as a request to stop cleanly, not a crash: the tools poll the flag at points where
// stopping loses nothing (between steps, between sweep points), finish the file they are writing and
// exit with 128 + the signal's number, as a shell reports a signal death.
#pragma once

// Installs handlers for SIGINT and SIGTERM that only record the signal. A second signal of either kind
// restores the default action and re-raises it: a user who presses Ctrl-C twice gets out at once.
void cc_interrupt_install(void);
// The first signal received since install (SIGINT or SIGTERM), or 0.
int cc_interrupt_signal(void);
const char *cc_signal_name(int sig);  // "SIGINT", "SIGTERM", else "signal N"
