// Checks on a tool's files before any work: an output that cannot be written is found at start-up,
// not after an hour of sweeping or training, and no file is both an output and another output or an
// input (compared as files, not as strings: "a", "./a", a symlink or a hard link to it are one file).
#pragma once
#include <stdbool.h>
#include <stddef.h>

typedef struct {
  const char *flag;  // "--csv", "-d/--data", ...: named in the message
  const char *path;  // NULL: the flag was not given (skipped)
  bool output;
} cc_file_use;

// Whether path can be written as an output (see atomic_file.h): not empty, not a directory, its
// directory exists and is writable (a regular file is replaced by a rename there), a device or FIFO is
// writable. 0, or -1 with the reason in why ("is a directory", "directory 'x' does not exist", ...).
int cc_output_check(const char *path, char *why, size_t len);

// Whether directory dir can take new files: it exists, is a directory, and is writable (access(2):
// a read-only mount is reported even to root). 0, or -1 with the reason in why, naming dir.
int cc_dir_check(const char *dir, char *why, size_t len);

// Runs cc_output_check on every output and compares every output with every other use. Returns NULL
// when all is well, else msg holding one line: "--csv: cannot write 'x': is a directory" or
// "--json: './a' is the file --csv names ('a')". Devices may be named twice (--csv /dev/null --json /dev/null).
const char *cc_check_files(const cc_file_use *uses, int n, char *msg, size_t len);

// Whether a and b name one file (existing or to be created), by the rule cc_check_files uses.
bool cc_same_file(const char *a, const char *b);
