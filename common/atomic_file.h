// Output files that appear whole or not at all, written the way any Unix tool writes its output.
//
// A regular file (or a new one) is written to "<path>.partial" and renamed onto <path> by
// cc_afile_commit after an fsync, so a crash never leaves a half-written <path>. The .partial file holds
// every complete row written so far (writers flush row by row), so an interrupted run loses nothing it
// had finished, and `ccbench --resume` finds it by that name. While a run writes it, the .partial file
// is locked (flock): a second run on the same path is refused instead of mixing or replacing rows. It
// is opened without following a symbolic link, and refused when it is not a plain file of ours.
//
// A symlink is written through: its target is replaced atomically, the link stays. "-" is stdout; a
// character device (/dev/null), FIFO or socket, and /dev/stdout (whatever stdout is), are written in
// place, never renamed.
// When the output is stdout, the process's other stdout text moves to stderr so the data stays clean.
#pragma once
#include <stdbool.h>
#include <stdio.h>

typedef struct {
  FILE *f;
  char *path;      // where the data ends up: the path given, or the target of the symlink given
  char *tmp_path;  // "<path>.partial", locked while open; NULL when written in place
  bool direct;     // "-", a device, FIFO or socket: written in place, nothing renamed or removed
  int error;       // errno of the first failed write, 0 while every write worked
  char why[200];   // why the last open, flush or commit failed: errno's text or a more precise reason
} cc_afile;

#define CC_PARTIAL_SUFFIX ".partial"

// The directory path is in: "a/b/c" -> "a/b", "c" -> ".", "/c" -> "/" (into out).
void cc_parent_dir(const char *path, char *out, size_t len);
// "<path><suffix>" in a new allocation (caller frees); NULL when out of memory.
char *cc_path_with_suffix(const char *path, const char *suffix);

// Opens path for writing as described above. Returns 0, or -1 with errno and af->why set.
int cc_afile_open(cc_afile *af, const char *path);
// Flushes what was written; the first failed write is kept (af->error) and reported by every later
// flush and by commit. Returns 0, or -1 with errno and af->why set.
int cc_afile_flush(cc_afile *af);
// Flushes, fsyncs and renames onto the final path (in place: flushes), then closes. On failure the
// .partial file is removed (a full disk must not stay full) and the previous file is untouched.
// Returns 0, or -1 with errno and af->why set.
int cc_afile_commit(cc_afile *af);
// Closes and removes the .partial file (bad input found after opening, nothing worth keeping).
void cc_afile_discard(cc_afile *af);
// Writes a whole small file atomically (text + rename). Returns 0, or -1 with errno set.
int cc_write_file_atomic(const char *path, const char *text, size_t len);
// Whether path is stdout: "-", or the file stdout writes to (/dev/stdout).
bool cc_output_is_stdout(const char *path);
// Gives stdout's file to the data the process will write there (opening "-" does it too) and sends
// everything else it prints to stdout to stderr from now on. A tool that prints before it opens its
// outputs calls it first, so the data stays clean. 0, or -1 with errno.
int cc_claim_stdout(void);
// The descriptor of the original stdout (STDOUT_FILENO until claimed).
int cc_stdout_fd(void);
// Whether path is written in place rather than through a .partial file: "-", stdout's file, a
// device, FIFO or socket. Such outputs get no sidecar file beside them and cannot be resumed.
bool cc_output_is_stream(const char *path);
