// Lines of text logs as people paste them: what launchers put before each line, and the line split
// into its blank-separated fields. Shared by the readers of nccl-tests' and ccbench's text output.
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

// How many leading characters of `line` are launcher prefixes: "3: " (srun --label),
// "[1,0]<stdout>:" (Open MPI --tag-output), "[0] " (MPICH / Intel MPI -prepend-rank), "node01: "
// (pdsh, clush), with the blanks around them. Repeated, since launchers nest (srun --label around
// mpirun --tag-output). Open MPI's own "[host:pid] ..." lines keep their start.
size_t cc_log_prefix_len(const char *line);
// Splits s in place on blanks (space, tab, carriage return) into tok[0..max); returns the count,
// at most max (the rest of a longer line is dropped).
int cc_log_tokenize(char *s, char **tok, int max);
// "<path>:<line>: " and the formatted message into buf (cut to len): how the readers name a place.
void cc_log_vformat(char *buf, size_t len, const char *path, int line, const char *fmt, va_list ap);
// Whether t is a non-negative decimal integer (a size or count column).
bool cc_log_is_count(const char *t);
