// Minimal JSON output (see json.h).
#include "common/json.h"
#include "common/netcluster.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/version.h"

void cc_json_string(FILE *f, const char *s) {
  if (!s) {
    fputs("null", f);
    return;
  }
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
      case '"': fputs("\\\"", f); break;
      case '\\': fputs("\\\\", f); break;
      case '\n': fputs("\\n", f); break;
      case '\t': fputs("\\t", f); break;
      case '\r': fputs("\\r", f); break;
      case '\b': fputs("\\b", f); break;
      case '\f': fputs("\\f", f); break;
      default:
        if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);  // bytes >= 0x80 pass through: UTF-8 stays UTF-8
    }
  }
  fputc('"', f);
}

// The shortest of 15, 16 or 17 significant digits that reads back as the same double: 0.1 stays "0.1",
// and no value loses bits.
static void format_number(double v, char *buf, size_t len) {
  if (!isfinite(v)) {
    snprintf(buf, len, "null");
    return;
  }
  for (int digits = 15; digits <= 17; digits++) {
    snprintf(buf, len, "%.*g", digits, v);
    if (strtod(buf, NULL) == v) return;
  }
}

void cc_json_number(FILE *f, double v) {
  char buf[40];
  format_number(v, buf, sizeof buf);
  fputs(buf, f);
}

// --- metadata ------------------------------------------------------------------------------------

void cc_meta_init(cc_meta *m) { *m = (cc_meta){0}; }

// Stores an encoded value (taking ownership); a key set twice keeps its place and the newer value.
static void meta_set(cc_meta *m, const char *key, char *encoded) {
  for (int i = 0; i < m->n; i++) {
    if (strcmp(m->keys[i], key) == 0) {
      free(m->values[i]);
      m->values[i] = encoded;
      return;
    }
  }
  if (m->n == m->cap) {
    m->cap = m->cap ? 2 * m->cap : 16;
    char **keys = realloc(m->keys, sizeof(char *) * (size_t)m->cap);
    char **values = realloc(m->values, sizeof(char *) * (size_t)m->cap);
    if (keys) m->keys = keys;
    if (values) m->values = values;
    if (!keys || !values) CC_FATAL("out of memory growing metadata to %d keys", m->cap);
  }
  m->keys[m->n] = cc_strdup(key);
  m->values[m->n] = encoded;
  m->n++;
}

void cc_meta_str(cc_meta *m, const char *key, const char *value) {
  char *encoded = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&encoded, &len);
  if (!f) CC_FATAL("open_memstream failed");
  cc_json_string(f, value);
  if (fclose(f) != 0 || !encoded) CC_FATAL("out of memory encoding metadata '%s'", key);
  meta_set(m, key, encoded);
}

void cc_meta_num(cc_meta *m, const char *key, double value) {
  char buf[40];
  format_number(value, buf, sizeof buf);
  meta_set(m, key, cc_strdup(buf));
}

void cc_meta_int(cc_meta *m, const char *key, long long value) {
  char buf[32];
  snprintf(buf, sizeof buf, "%lld", value);
  meta_set(m, key, cc_strdup(buf));
}

// Whether a shell would read arg as one word unchanged.
static bool shell_safe(const char *arg) {
  if (!*arg) return false;
  for (const char *p = arg; *p; p++) {
    bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
    if (!alnum && !strchr("_-+=:,./@%", *p)) return false;
  }
  return true;
}

// argv as a command line that can be pasted back into a shell: unsafe words in single quotes,
// a single quote inside one written as '\''.
static char *join_command(int argc, char **argv) {
  size_t cap = 1;
  for (int i = 0; i < argc; i++) cap += 4 * strlen(argv[i]) + 3;
  char *command = cc_malloc(cap), *out = command;
  for (int i = 0; i < argc; i++) {
    if (i > 0) *out++ = ' ';
    if (shell_safe(argv[i])) {
      out = stpcpy(out, argv[i]);
      continue;
    }
    *out++ = '\'';
    for (const char *p = argv[i]; *p; p++) {
      if (*p == '\'') out = stpcpy(out, "'\\''");
      else *out++ = *p;
    }
    *out++ = '\'';
  }
  *out = '\0';
  return command;
}

void cc_meta_standard(cc_meta *m, const char *tool, int argc, char **argv) {
  cc_meta_str(m, "tool", tool);
  cc_meta_str(m, "version", cc_version());
  cc_meta_str(m, "commit", cc_commit());
  time_t now = time(NULL);
  struct tm utc;
  char date[32] = "unknown";
  if (gmtime_r(&now, &utc)) strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &utc);
  cc_meta_str(m, "date", date);
  char host[256] = "unknown";
  if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "unknown");
  host[sizeof host - 1] = '\0';  // gethostname need not terminate a truncated name
  cc_meta_str(m, "host", host);
  char *command = join_command(argc, argv);
  cc_meta_str(m, "command", command);
  free(command);
  // The emulated cluster the run is on (scripts/netcluster.sh): its rate and layout are the setting.
  cc_netcluster nc;
  char why[200];
  if (cc_netcluster_from_env(&nc, why, sizeof why) == 1) cc_netcluster_meta(&nc, m);
}

int cc_meta_write(const cc_meta *m, const char *path) {
  cc_afile af;
  if (cc_afile_open(&af, path) != 0) return -1;
  fputs("{\n", af.f);
  for (int i = 0; i < m->n; i++) {
    fputs("  ", af.f);
    cc_json_string(af.f, m->keys[i]);
    fprintf(af.f, ": %s%s\n", m->values[i], i + 1 < m->n ? "," : "");
  }
  fputs("}\n", af.f);
  return cc_afile_commit(&af);  // reports any failed write above (ferror), and removes the .partial
}

void cc_meta_free(cc_meta *m) {
  for (int i = 0; i < m->n; i++) {
    free(m->keys[i]);
    free(m->values[i]);
  }
  free(m->keys);
  free(m->values);
  *m = (cc_meta){0};
}
