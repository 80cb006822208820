// Declarative command-line parsing with generated --help.
//
// A tool lists its options in a table; cc_cli_parse fills the destinations and validates ranges, so
// every tool rejects bad input the same way: one line naming the flag and what was expected.
//
//   uint64_t minbytes = 8;
//   cc_option opts[] = {
//     {"minbytes", 'b', CC_OPT_SIZE, &minbytes, "SIZE", "smallest message size", 0, 0},
//     ...
//   };
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
  CC_OPT_FLAG,    // bool*; no argument
  CC_OPT_INT,     // long long*; decimal integer, optional range [min, max]
  CC_OPT_SIZE,    // uint64_t*; bytes with optional K/M/G/T suffix (powers of 1024), range applies
  CC_OPT_DOUBLE,  // double*; range applies
  CC_OPT_STRING,  // const char**; the argv string itself
} cc_opt_kind;

typedef struct {
  const char *long_name;  // without dashes: "minbytes"
  char short_name;        // 'b', or 0 for none
  cc_opt_kind kind;
  void *dest;
  const char *metavar;    // "SIZE"; ignored for flags
  const char *help;       // one line; the default is appended from *dest
  double min, max;        // inclusive range for numeric kinds, checked when min < max
} cc_option;

// What some options have besides (kept apart so option tables stay four-field-plus initializers):
typedef struct {
  const char *long_name;  // the option it belongs to
  const char *alias;      // a second long name ("warmup_iters" beside "warmup"), or NULL
  // A value option given bare ("--check", or followed by another option) takes this value; NULL: the
  // value is required. Only a value attached ("-c0", "--check=0") or a next argument that does not
  // start with '-' is taken as its value.
  const char *implicit;
} cc_option_extra;

typedef struct {
  const char *prog;         // "ccbench"
  const char *usage;        // "mpirun -np P ccbench [options]"
  const char *summary;      // one paragraph shown under the usage line
  const char *epilog;       // examples etc., shown after the option list (may be NULL)
  const cc_option *opts;
  int nopts;
  int max_positional;       // positional arguments accepted (0: none)
  const cc_option_extra *extras;  // may be NULL
  int nextras;
} cc_cli;

typedef enum { CC_CLI_OK = 0, CC_CLI_HELP = 1, CC_CLI_ERROR = -1 } cc_cli_result;

// Parses argv[1..argc). Accepts "--name value", "--name=value", "-x value", "-xvalue", and "--" to end
// options. Positional arguments are stored in positional[] (up to cli->max_positional) and counted in
// *npositional (either may be NULL when max_positional is 0). On "-h"/"--help" returns CC_CLI_HELP
// without printing. On error writes one line (no trailing newline), e.g.
//   "-b/--minbytes: 'abc' is not a size (expected e.g. 8, 4K, 256M)"
// An option's help that already says "(default ...)" gets no generated default.
// into err and returns CC_CLI_ERROR.
cc_cli_result cc_cli_parse(const cc_cli *cli, int argc, char **argv, const char **positional,
                           int *npositional, char *err, size_t errlen);
void cc_cli_print_help(const cc_cli *cli, FILE *out);

// Size "8", "4K", "4k", "4KiB", "256M", "1G", "2T" (binary multiples). Rejects negative numbers,
// fractions, empty strings, trailing junk and values that overflow uint64_t. Returns 0 on success.
int cc_parse_size(const char *s, uint64_t *out);
// Strict decimal integer / floating point (whole string must parse, no overflow). 0 on success.
// Numbers are plain decimal ("12", "-2e3", ".5"): no hex, inf, nan, blanks or trailing text.
int cc_parse_int(const char *s, long long *out);
int cc_parse_double(const char *s, double *out);
// Human size for tables and messages: 8 -> "8 B", 4096 -> "4 KiB", 3<<20 -> "3 MiB", 1536 -> "1.5 KiB".
void cc_format_size(uint64_t bytes, char *buf, size_t len);

// Splits a comma-separated list in place-free fashion: calls fn(item, len, ctx) for each item,
// stops and returns its non-zero result, else 0. Empty items are passed as len 0.
int cc_split_list(const char *list, int (*fn)(const char *item, size_t len, void *ctx), void *ctx);
