// Declarative command-line parsing with generated --help (see cli.h).
#include "common/cli.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

// --- values --------------------------------------------------------------------------------------

int cc_parse_size(const char *s, uint64_t *out) {
  if (!isdigit((unsigned char)*s)) return -1;  // also rejects "", "-5", "+5", " 5"
  uint64_t v = 0;
  for (; isdigit((unsigned char)*s); s++) {
    uint64_t digit = (uint64_t)(*s - '0');
    if (v > (UINT64_MAX - digit) / 10) return -1;
    v = v * 10 + digit;
  }
  // Optional unit K/M/G/T, then optional "i", then optional "B": 4K, 4Ki, 4KiB, 4KB, 4B.
  static const char units[] = "KMGT";
  int shift = 0;
  const char *unit = *s ? strchr(units, toupper((unsigned char)*s)) : NULL;
  if (unit) {
    shift = 10 * (int)(unit - units + 1);
    s++;
    if (tolower((unsigned char)*s) == 'i') s++;
  }
  if (tolower((unsigned char)*s) == 'b') s++;
  if (*s) return -1;
  if (v > (UINT64_MAX >> shift)) return -1;
  *out = v << shift;
  return 0;
}

int cc_parse_int(const char *s, long long *out) {
  if (!*s || isspace((unsigned char)*s)) return -1;  // strtoll would skip leading blanks
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end) return -1;
  *out = v;
  return 0;
}

// Whether s is a plain decimal number: [+-] digits [. digits] [e [+-] digits], or one starting with
// the point (".5"). strtod also reads hex ("0x10", "0x1p3"), "inf", "nan" and leading blanks; what a
// person types as a number is none of those.
static bool is_decimal(const char *s) {
  if (*s == '+' || *s == '-') s++;
  size_t whole = strspn(s, "0123456789");
  s += whole;
  size_t fraction = 0;
  if (*s == '.') fraction = strspn(++s, "0123456789"), s += fraction;
  if (whole + fraction == 0) return false;
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-') s++;
    size_t exponent = strspn(s, "0123456789");
    if (exponent == 0) return false;
    s += exponent;
  }
  return *s == '\0';
}

int cc_parse_double(const char *s, double *out) {
  if (!is_decimal(s)) return -1;
  double v = strtod(s, NULL);
  if (!isfinite(v)) return -1;  // "1e400" overflows to inf
  *out = v;
  return 0;
}

void cc_format_size(uint64_t bytes, char *buf, size_t len) {
  static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (u < 4 && bytes >= (1ULL << (10 * (u + 1)))) u++;
  uint64_t unit = 1ULL << (10 * u);
  if (bytes % unit == 0)
    snprintf(buf, len, "%" PRIu64 " %s", bytes / unit, units[u]);
  else
    snprintf(buf, len, "%.1f %s", (double)bytes / (double)unit, units[u]);
}

// The form users type: 8, 4K, 256M (exact multiples only), for defaults and ranges in messages.
static void format_size_short(uint64_t bytes, char *buf, size_t len) {
  static const char suffix[] = "KMGT";
  int u = 0;
  while (u < 4 && bytes != 0 && bytes % (1ULL << (10 * (u + 1))) == 0) u++;
  if (u == 0)
    snprintf(buf, len, "%" PRIu64, bytes);
  else
    snprintf(buf, len, "%" PRIu64 "%c", bytes >> (10 * u), suffix[u - 1]);
}

int cc_split_list(const char *list, int (*fn)(const char *item, size_t len, void *ctx), void *ctx) {
  for (const char *item = list;;) {
    const char *comma = strchr(item, ',');
    size_t len = comma ? (size_t)(comma - item) : strlen(item);
    int r = fn(item, len, ctx);
    if (r != 0) return r;
    if (!comma) return 0;
    item = comma + 1;
  }
}

// --- parsing -------------------------------------------------------------------------------------

static cc_cli_result fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static cc_cli_result fail(char *err, size_t errlen, const char *fmt, ...) {
  if (err && errlen > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return CC_CLI_ERROR;
}

// "-b/--minbytes", or "--inplace" when there is no short form: how errors name an option.
static void option_name(const cc_option *o, char *buf, size_t len) {
  if (o->short_name)
    snprintf(buf, len, "-%c/--%s", o->short_name, o->long_name);
  else
    snprintf(buf, len, "--%s", o->long_name);
}

static void format_bound(const cc_option *o, double bound, char *buf, size_t len) {
  if (o->kind == CC_OPT_SIZE && bound >= 0 && bound < 0x1p64)
    format_size_short((uint64_t)bound, buf, len);
  else if (o->kind == CC_OPT_INT)
    snprintf(buf, len, "%.0f", bound);
  else
    snprintf(buf, len, "%g", bound);
}

// Parses text for option o, checks its range and stores it; on error fills err and returns -1.
static int set_value(const cc_option *o, const char *text, char *err, size_t errlen) {
  char name[96];
  option_name(o, name, sizeof name);
  long long int_value = 0;
  uint64_t size_value = 0;
  double double_value = 0, value = 0;  // value: the number as a double, for the range check
  switch (o->kind) {
    case CC_OPT_STRING:
      *(const char **)o->dest = text;
      return 0;
    case CC_OPT_INT:
      if (cc_parse_int(text, &int_value) != 0) return fail(err, errlen, "%s: '%s' is not an integer", name, text);
      value = (double)int_value;
      break;
    case CC_OPT_SIZE:
      if (cc_parse_size(text, &size_value) != 0)
        return fail(err, errlen, "%s: '%s' is not a size (expected e.g. 8, 4K, 256M)", name, text);
      value = (double)size_value;
      break;
    case CC_OPT_DOUBLE:
      if (cc_parse_double(text, &double_value) != 0) return fail(err, errlen, "%s: '%s' is not a number", name, text);
      value = double_value;
      break;
    case CC_OPT_FLAG:
      return fail(err, errlen, "%s: takes no value", name);
  }
  if (o->min < o->max && (value < o->min || value > o->max)) {
    char lo[32], hi[32];
    format_bound(o, o->min, lo, sizeof lo);
    format_bound(o, o->max, hi, sizeof hi);
    return fail(err, errlen, "%s: '%s' is out of range [%s, %s]", name, text, lo, hi);
  }
  if (o->kind == CC_OPT_INT) *(long long *)o->dest = int_value;
  if (o->kind == CC_OPT_SIZE) *(uint64_t *)o->dest = size_value;
  if (o->kind == CC_OPT_DOUBLE) *(double *)o->dest = double_value;
  return 0;
}

static bool names_match(const char *long_name, const char *name, size_t len) {
  return long_name && strlen(long_name) == len && strncmp(long_name, name, len) == 0;
}

static const cc_option_extra *extra_of(const cc_cli *cli, const cc_option *o) {
  for (int i = 0; i < cli->nextras; i++)
    if (strcmp(cli->extras[i].long_name, o->long_name) == 0) return &cli->extras[i];
  return NULL;
}

static const char *alias_of(const cc_cli *cli, const cc_option *o) {
  const cc_option_extra *x = extra_of(cli, o);
  return x ? x->alias : NULL;
}

static const cc_option *find_long(const cc_cli *cli, const char *name, size_t len) {
  for (int i = 0; i < cli->nopts; i++)
    if (names_match(cli->opts[i].long_name, name, len) || names_match(alias_of(cli, &cli->opts[i]), name, len))
      return &cli->opts[i];
  return NULL;
}

static const cc_option *find_short(const cc_cli *cli, char c) {
  for (int i = 0; i < cli->nopts; i++)
    if (cli->opts[i].short_name == c) return &cli->opts[i];
  return NULL;
}

cc_cli_result cc_cli_parse(const cc_cli *cli, int argc, char **argv, const char **positional,
                           int *npositional, char *err, size_t errlen) {
  int npos = 0;
  if (npositional) *npositional = 0;
  bool options_ended = false;  // after "--" everything is positional
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (options_ended || arg[0] != '-' || arg[1] == '\0') {  // a lone "-" is positional too
      if (!positional || npos >= cli->max_positional)
        return fail(err, errlen, "unexpected argument '%s' (see --help)", arg);
      positional[npos++] = arg;
      if (npositional) *npositional = npos;
      continue;
    }
    if (strcmp(arg, "--") == 0) {
      options_ended = true;
      continue;
    }
    // Find the option and the value attached to it ("--name=value", "-xvalue"), if any.
    const cc_option *o;
    const char *value = NULL;
    if (arg[1] == '-') {
      const char *name = arg + 2, *eq = strchr(name, '=');
      size_t len = eq ? (size_t)(eq - name) : strlen(name);
      o = find_long(cli, name, len);
      if (!o && len == 4 && strncmp(name, "help", 4) == 0) return CC_CLI_HELP;
      if (!o) return fail(err, errlen, "unknown option '--%.*s' (see --help)", (int)len, name);
      if (eq) value = eq + 1;
    } else {
      o = find_short(cli, arg[1]);
      if (!o && arg[1] == 'h') return CC_CLI_HELP;
      if (!o) return fail(err, errlen, "unknown option '-%c' (see --help)", arg[1]);
      if (arg[2]) value = arg + 2;
    }
    char name[96];
    option_name(o, name, sizeof name);
    if (o->kind == CC_OPT_FLAG) {
      if (value) return fail(err, errlen, "%s: takes no value (got '%s')", name, value);
      *(bool *)o->dest = true;
      continue;
    }
    const cc_option_extra *extra = extra_of(cli, o);
    if (!value && extra && extra->implicit && (i + 1 >= argc || argv[i + 1][0] == '-')) value = extra->implicit;
    if (!value) {
      if (i + 1 >= argc) return fail(err, errlen, "%s: missing argument %s", name, o->metavar ? o->metavar : "VALUE");
      value = argv[++i];  // taken as is, so "-n -5" reaches the range check
    }
    if (set_value(o, value, err, errlen) != 0) return CC_CLI_ERROR;
  }
  return CC_CLI_OK;
}

// --- help ----------------------------------------------------------------------------------------

enum { HELP_WIDTH = 80 };

// Prints text word by word, breaking lines before HELP_WIDTH; continuation lines start at column
// indent. column: where the cursor already is.
static void print_wrapped(FILE *out, const char *text, int column, int indent) {
  const char *p = text;
  while (*p) {
    while (*p == ' ') p++;
    int word = (int)strcspn(p, " ");
    if (word == 0) break;
    if (column > indent && column + 1 + word > HELP_WIDTH) {
      fprintf(out, "\n%*s", indent, "");
      column = indent;
    } else if (column > indent) {
      fputc(' ', out);
      column++;
    }
    fprintf(out, "%.*s", word, p);
    column += word;
    p += word;
  }
  fputc('\n', out);
}

// "  -b, --minbytes SIZE" or "      --inplace": the left column of the option list.
static int option_left(const cc_cli *cli, const cc_option *o, char *buf, size_t len) {
  char shortpart[8] = "    ";
  if (o->short_name) snprintf(shortpart, sizeof shortpart, "-%c, ", o->short_name);
  bool takes_value = o->kind != CC_OPT_FLAG;
  const char *metavar = o->metavar ? o->metavar : "VALUE";
  char value[64] = "";
  const cc_option_extra *extra = extra_of(cli, o);
  if (takes_value) snprintf(value, sizeof value, extra && extra->implicit ? " [%s]" : " %s", metavar);
  if (extra && extra->alias) return snprintf(buf, len, "  %s--%s, --%s%s", shortpart, o->long_name, extra->alias, value);
  return snprintf(buf, len, "  %s--%s%s", shortpart, o->long_name, value);
}

static void format_default(const cc_option *o, char *buf, size_t len) {
  buf[0] = '\0';
  switch (o->kind) {
    case CC_OPT_FLAG: break;
    case CC_OPT_INT: snprintf(buf, len, "%lld", *(const long long *)o->dest); break;
    case CC_OPT_SIZE: format_size_short(*(const uint64_t *)o->dest, buf, len); break;
    case CC_OPT_DOUBLE: snprintf(buf, len, "%g", *(const double *)o->dest); break;
    case CC_OPT_STRING: {
      const char *s = *(const char *const *)o->dest;
      if (s) snprintf(buf, len, "%s", s);
      break;
    }
  }
}

void cc_cli_print_help(const cc_cli *cli, FILE *out) {
  static const cc_option help_option = {"help", 'h', CC_OPT_FLAG, NULL, NULL, "show this help and exit", 0, 0};
  fprintf(out, "usage: %s\n", cli->usage ? cli->usage : cli->prog);
  if (cli->summary) {
    fputc('\n', out);
    print_wrapped(out, cli->summary, 0, 0);
  }
  char left[256], def[256], help[1024];
  int width = option_left(cli, &help_option, left, sizeof left);
  for (int i = 0; i < cli->nopts; i++) {
    int w = option_left(cli, &cli->opts[i], left, sizeof left);
    if (w > width) width = w;
  }
  fprintf(out, "\noptions:\n");
  for (int i = 0; i <= cli->nopts; i++) {
    const cc_option *o = i < cli->nopts ? &cli->opts[i] : &help_option;
    option_left(cli, o, left, sizeof left);
    if (o->dest && !(o->help && strstr(o->help, "(default"))) format_default(o, def, sizeof def);
    else def[0] = '\0';
    if (def[0])
      snprintf(help, sizeof help, "%s (default: %s)", o->help ? o->help : "", def);
    else
      snprintf(help, sizeof help, "%s", o->help ? o->help : "");
    fprintf(out, "%-*s", width + 3, left);
    print_wrapped(out, help, width + 3, width + 3);
  }
  if (cli->epilog) fprintf(out, "\n%s\n", cli->epilog);
}
