// Minimal JSON output: enough for JSON lines rows and metadata sidecars.
#pragma once
#include <stdbool.h>
#include <stdio.h>

// Writes s as a JSON string literal with quotes, escaping ", \, control characters.
void cc_json_string(FILE *f, const char *s);
// Writes a number; NaN and infinities (not valid JSON) are written as null.
void cc_json_number(FILE *f, double v);

// Sidecar metadata: an ordered list of key -> string/number, written as one JSON object.
typedef struct {
  int n, cap;
  char **keys;
  char **values;   // already JSON-encoded values
} cc_meta;

void cc_meta_init(cc_meta *m);
void cc_meta_str(cc_meta *m, const char *key, const char *value);   // NULL value -> null
void cc_meta_num(cc_meta *m, const char *key, double value);
void cc_meta_int(cc_meta *m, const char *key, long long value);
// Adds the fields every sidecar carries: tool, version, commit, date (UTC, ISO 8601), host, command
// (argv joined with shell quoting where needed).
void cc_meta_standard(cc_meta *m, const char *tool, int argc, char **argv);
// A result file's sidecar is "<result><CC_META_SUFFIX>" (none beside a device, FIFO or stdout).
#define CC_META_SUFFIX ".meta.json"
// Writes the object (pretty-printed, one key per line) atomically to path. 0 or -1 with errno.
int cc_meta_write(const cc_meta *m, const char *path);
void cc_meta_free(cc_meta *m);
