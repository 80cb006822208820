// Error reporting shared by every tool.
//
// Two kinds of failure, two exits:
//   - a bad input from the user (flag, file, strategy string): one line naming the source,
//     exit status 2, raised with cc_input_error();
//   - a failed call (libc, MPI, CUDA, NCCL): file:line, the call and a readable reason,
//     then every process of the job stops (the abort hook), raised with CC_FATAL / CC_CHECK_*.
// MPI/CUDA/NCCL checks live in check_mpi.h / check_cuda.h so this header needs none of them.
#pragma once
#include <stdarg.h>
#include <stddef.h>

// Name printed in front of every message ("ccbench"), and the MPI rank when there is one (-1: none).
void cc_set_progname(const char *name);
const char *cc_progname(void);
void cc_set_rank(int rank);
int cc_get_rank(void);  // -1 when none was set

// Called by cc_fatal after printing; MPI programs install one that calls MPI_Abort so a failure on one
// rank stops the whole job instead of leaving the others hanging. Default: exit(1).
void cc_set_abort_hook(void (*hook)(int status));

_Noreturn void cc_fatal_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define CC_FATAL(...) cc_fatal_at(__FILE__, __LINE__, __VA_ARGS__)

// For libc calls that return -1 and set errno.
#define CC_CHECK_SYS(call)                                                                   \
  do {                                                                                       \
    if ((call) == -1) cc_fatal_errno_at(__FILE__, __LINE__, #call);                          \
  } while (0)
// For libc calls that return NULL and set errno (malloc, fopen).
#define CC_CHECK_PTR(call)                                                                   \
  do {                                                                                       \
    if ((call) == NULL) cc_fatal_errno_at(__FILE__, __LINE__, #call);                        \
  } while (0)
_Noreturn void cc_fatal_errno_at(const char *file, int line, const char *what);

// malloc/calloc that never return NULL (size 0 gives a unique non-NULL pointer).
void *cc_malloc(size_t bytes);
void *cc_calloc(size_t n, size_t size);
// realloc that never returns NULL.
void *cc_realloc(void *p, size_t bytes);
// strdup that never returns NULL.
char *cc_strdup(const char *s);

// One line "prog: <message>" on stderr, printed by rank 0 only (or by every process when no rank is
// set), then exit(2). MPI programs call it on every rank after MPI_Init with identical input, so every
// rank leaves; they install an exit hook that finalizes MPI first.
_Noreturn void cc_input_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cc_set_exit_hook(void (*hook)(void));
// The same one line and clean exit for a result that could not be written (a full disk), with status 1.
_Noreturn void cc_output_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
// Same text without exiting: writes "prog: <message>\n" to stderr (rank 0 only).
void cc_vwarn(const char *fmt, va_list ap);
void cc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
