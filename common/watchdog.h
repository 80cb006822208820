// A watchdog for stuck collectives (--timeout): a thread that turns "no progress for N seconds" into
// an error saying what the process was doing, instead of a job that hangs until the cluster's wall
// clock limit kills it without a word.
//
// The tools mark progress with cc_watchdog_enter before every piece of collective work (a sweep
// iteration, a training step's phase): two relaxed atomic stores, cheap enough to sit outside every
// timed region. When no mark arrives for the timeout, the thread prints one line
//   "ccbench: rank 2: error: --timeout: no progress for 30 s in ring allreduce of 1 MiB f32, timed iteration 12"
// and ends the process with status 124 (as timeout(1) does); mpirun then stops the other ranks. It
// never calls MPI: the thread may not (the tools initialize MPI without thread support), and a rank
// stuck inside MPI could not answer anyway.
#pragma once
#include <stddef.h>

// Without --timeout the watchdog is on anyway, as PyTorch's NCCL watchdog is: a stuck job should end
// with a line saying where, not sit until the cluster's wall-clock limit. The default is 10 minutes,
// or the seconds in the environment variable CCBENCH_TIMEOUT (cluster admins set defaults that way;
// 0: off; empty: unset), well above any single step or collective these tools run.
#define CC_WATCHDOG_DEFAULT_S 600.0
#define CC_WATCHDOG_ENV "CCBENCH_TIMEOUT"

// Sets *timeout_s to the default above, before the flags are parsed (so --help shows it). Returns NULL,
// or err holding one line naming CCBENCH_TIMEOUT when it is not a number of seconds in [0, 1e9]: the
// tools refuse it like a bad --timeout (an earlier --timeout the command line cannot take back).
const char *cc_watchdog_default(double *timeout_s, char *err, size_t errlen);

// Starts the thread; timeout_s <= 0 leaves the watchdog off (every other call is then a no-op).
void cc_watchdog_start(double timeout_s);
// Stops and joins the thread (before MPI_Finalize, whose own wait is not ours to judge).
void cc_watchdog_stop(void);
// Progress: from now on the process is doing `what` (kept by the caller until the next call; static
// text or a label that outlives it), at `step` (printed after it; -1: none). Restarts the clock.
void cc_watchdog_enter(const char *what, long long step);
