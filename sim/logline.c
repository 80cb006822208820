#include "sim/logline.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/cli.h"

static bool digits_only(const char *b, const char *e) {
  if (b == e) return false;
  for (; b < e; b++)
    if (!isdigit((unsigned char)*b)) return false;
  return true;
}

size_t cc_log_prefix_len(const char *line) {
  const char *s = line;
  for (;;) {
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '[') {
      const char *close = strchr(s, ']');
      if (!close) break;
      if (strncmp(close + 1, "<stdout>:", 9) == 0 || strncmp(close + 1, "<stderr>:", 9) == 0) {
        s = close + 10;
        continue;
      }
      if (digits_only(s + 1, close) && (close[1] == ' ' || close[1] == '\t')) {
        s = close + 1;
        continue;
      }
      break;  // Open MPI's own "[host:pid] ..." lines: never a table line
    }
    const char *e = s;
    while (isalnum((unsigned char)*e) || *e == '.' || *e == '_' || *e == '-') e++;
    if (e > s && e[0] == ':' && (e[1] == ' ' || e[1] == '\t' || e[1] == '\0')) {
      s = e + 1;
      continue;
    }
    break;
  }
  return (size_t)(s - line);
}

int cc_log_tokenize(char *s, char **tok, int max) {
  int n = 0;
  char *save = NULL;
  for (char *p = strtok_r(s, " \t\r", &save); p && n < max; p = strtok_r(NULL, " \t\r", &save)) tok[n++] = p;
  return n;
}

void cc_log_vformat(char *buf, size_t len, const char *path, int line, const char *fmt, va_list ap) {
  int n = snprintf(buf, len, "%s:%d: ", path, line);
  if (n > 0 && (size_t)n < len) vsnprintf(buf + n, len - (size_t)n, fmt, ap);
}

bool cc_log_is_count(const char *t) {
  long long v;
  return cc_parse_int(t, &v) == 0 && v >= 0;
}
