// Tests for common/cli: value parsers, option forms, error lines and the generated help.
#include <stdint.h>

#include "common/cli.h"
#include "common/tests/check.h"

static void test_sizes(void) {
  const struct { const char *text; uint64_t want; } good[] = {
      {"8", 8}, {"0", 0}, {"4K", 4096}, {"4k", 4096}, {"4KiB", 4096}, {"4kib", 4096}, {"4KB", 4096},
      {"4Ki", 4096}, {"16B", 16}, {"256M", 256ULL << 20}, {"1G", 1ULL << 30}, {"2T", 2ULL << 40},
      {"18446744073709551615", UINT64_MAX}, {"16777215T", 16777215ULL << 40},
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    uint64_t v = 1234567;
    int rc = cc_parse_size(good[i].text, &v);
    if (rc != 0 || v != good[i].want) fprintf(stderr, "  size '%s'\n", good[i].text);
    CHECK(rc == 0 && v == good[i].want);
  }
  const char *bad[] = {"-5", "abc", "1.5M", "", "12Q", "99999999999999999999", "18446744073709551616",
                       "16777216T", "+5", " 5", "5 ", "K", "4iB", "4KiBB", "4 K", "0x10"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint64_t v = 1234567;
    int rc = cc_parse_size(bad[i], &v);
    if (rc == 0) fprintf(stderr, "  size '%s' was accepted\n", bad[i]);
    CHECK(rc != 0 && v == 1234567);
  }
}

static void test_numbers(void) {
  long long i = 0;
  CHECK(cc_parse_int("42", &i) == 0 && i == 42);
  CHECK(cc_parse_int("-7", &i) == 0 && i == -7);
  CHECK(cc_parse_int("9223372036854775807", &i) == 0 && i == INT64_MAX);
  const char *bad_ints[] = {"", "4x", " 4", "1.0", "99999999999999999999", "-", "0x10", "4 "};
  for (size_t k = 0; k < sizeof bad_ints / sizeof bad_ints[0]; k++) CHECK(cc_parse_int(bad_ints[k], &i) != 0);

  double d = 0;
  CHECK(cc_parse_double("1.5", &d) == 0 && d == 1.5);
  CHECK(cc_parse_double("-2e3", &d) == 0 && d == -2000);
  CHECK(cc_parse_double(".5", &d) == 0 && d == 0.5);
  CHECK(cc_parse_double("+3.", &d) == 0 && d == 3);
  CHECK(cc_parse_double("1E-2", &d) == 0 && d == 0.01);
  const char *bad_doubles[] = {"", "1.5x", " 1", "1e400", "nan", "inf", "-inf", ".", "0x10", "0x1p3", "1e", "1e+",
                               "-", "1 ", "infinity", "1,5", "e5", "1.5.2"};
  for (size_t k = 0; k < sizeof bad_doubles / sizeof bad_doubles[0]; k++) CHECK(cc_parse_double(bad_doubles[k], &d) != 0);
}

static void test_format_size(void) {
  const struct { uint64_t bytes; const char *want; } cases[] = {
      {0, "0 B"}, {8, "8 B"}, {1023, "1023 B"}, {1024, "1 KiB"}, {1536, "1.5 KiB"}, {3ULL << 20, "3 MiB"},
      {1ULL << 30, "1 GiB"}, {5ULL << 40, "5 TiB"}, {1ULL << 50, "1024 TiB"}, {(1ULL << 20) + (1ULL << 19), "1.5 MiB"},
  };
  char buf[32];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cc_format_size(cases[i].bytes, buf, sizeof buf);
    CHECK_STREQ(buf, cases[i].want);
  }
}

typedef struct { char items[8][16]; int n; } item_list;

static int collect(const char *item, size_t len, void *ctx) {
  item_list *list = ctx;
  snprintf(list->items[list->n++], sizeof list->items[0], "%.*s", (int)len, item);
  return strncmp(item, "stop", len) == 0 && len == 4 ? 7 : 0;
}

static void test_split_list(void) {
  item_list list = {0};
  CHECK(cc_split_list("ring,,hier:ring/tree", collect, &list) == 0);
  CHECK(list.n == 3);
  CHECK_STREQ(list.items[0], "ring");
  CHECK_STREQ(list.items[1], "");
  CHECK_STREQ(list.items[2], "hier:ring/tree");
  list = (item_list){0};
  CHECK(cc_split_list("a,stop,b", collect, &list) == 7 && list.n == 2);
  list = (item_list){0};
  CHECK(cc_split_list("", collect, &list) == 0 && list.n == 1 && list.items[0][0] == '\0');
}

// --- option parsing ------------------------------------------------------------------------------

static uint64_t minbytes, maxbytes;
static long long iters;
static double ratio;
static const char *name;
static bool check_flag;
static const cc_option opts[] = {
    {"minbytes", 'b', CC_OPT_SIZE, &minbytes, "SIZE", "smallest message size", 0, 0},
    {"maxbytes", 'e', CC_OPT_SIZE, &maxbytes, "SIZE", "largest message size", 1, 1099511627776.0},
    {"iters", 'n', CC_OPT_INT, &iters, "N", "timed iterations", 1, 1000},
    {"ratio", 0, CC_OPT_DOUBLE, &ratio, "R", "a fraction", 0, 1},
    {"name", 0, CC_OPT_STRING, &name, "NAME", "a name", 0, 0},
    {"check", 'c', CC_OPT_FLAG, &check_flag, NULL, "verify results", 0, 0},
};
static const char *positional[2];
static int npositional;
static char err[256];

static void reset(void) {
  minbytes = 8, maxbytes = 256ULL << 20, iters = 20, ratio = 0.5, name = "x", check_flag = false;
  npositional = -1;
  strcpy(err, "(untouched)");
}

// Parses a NULL-terminated argument list (argv[0] excluded) with room for max_positional arguments.
static cc_cli_result parse_with(int max_positional, const char *const *args) {
  char *argv[32] = {"test"};
  int argc = 1;
  while (*args) argv[argc++] = (char *)*args++;
  cc_cli cli = {"test", "test [options]", "Summary.", NULL, opts, (int)(sizeof opts / sizeof opts[0]),
                max_positional, NULL, 0};
  reset();
  return cc_cli_parse(&cli, argc, argv, max_positional ? positional : NULL, max_positional ? &npositional : NULL,
                      err, sizeof err);
}
#define PARSE(...) parse_with(0, (const char *const[]){__VA_ARGS__, NULL})
#define PARSE_POS(...) parse_with(2, (const char *const[]){__VA_ARGS__, NULL})

static void test_option_forms(void) {
  CHECK(PARSE("-b", "4K") == CC_CLI_OK && minbytes == 4096);
  CHECK(PARSE("-b4K") == CC_CLI_OK && minbytes == 4096);
  CHECK(PARSE("--minbytes", "1M") == CC_CLI_OK && minbytes == 1 << 20);
  CHECK(PARSE("--minbytes=2M") == CC_CLI_OK && minbytes == 2 << 20);
  CHECK(PARSE("-n", "5", "--iters=7") == CC_CLI_OK && iters == 7);
  CHECK(PARSE("-n7") == CC_CLI_OK && iters == 7);
  CHECK(PARSE("--ratio=0.25") == CC_CLI_OK && ratio == 0.25);
  CHECK(PARSE("--name", "ring") == CC_CLI_OK && strcmp(name, "ring") == 0);
  CHECK(PARSE("--name=") == CC_CLI_OK && strcmp(name, "") == 0);
  CHECK(PARSE("--name", "-b") == CC_CLI_OK && strcmp(name, "-b") == 0 && minbytes == 8);
  CHECK(PARSE("-c") == CC_CLI_OK && check_flag);
  CHECK(PARSE("--check") == CC_CLI_OK && check_flag);
  CHECK(PARSE("-e", "1T") == CC_CLI_OK && maxbytes == 1ULL << 40);
  CHECK(PARSE("-h") == CC_CLI_HELP);
  CHECK(PARSE("--help") == CC_CLI_HELP);
  CHECK(PARSE("-b", "8", "--help", "--foo") == CC_CLI_HELP);

  CHECK(PARSE_POS("a", "-c", "b") == CC_CLI_OK && npositional == 2 && check_flag);
  CHECK_STREQ(positional[0], "a");
  CHECK_STREQ(positional[1], "b");
  CHECK(PARSE_POS("--", "-c") == CC_CLI_OK && npositional == 1 && !check_flag);
  CHECK_STREQ(positional[0], "-c");
  CHECK(PARSE_POS("-") == CC_CLI_OK && npositional == 1);
  CHECK_STREQ(positional[0], "-");
}

#define EXPECT_ERROR(want, parse)     \
  do {                                 \
    CHECK((parse) == CC_CLI_ERROR);    \
    CHECK_STREQ(err, want);            \
  } while (0)

static void test_option_errors(void) {
  EXPECT_ERROR("-b/--minbytes: 'abc' is not a size (expected e.g. 8, 4K, 256M)", PARSE("-b", "abc"));
  EXPECT_ERROR("-b/--minbytes: '-5' is not a size (expected e.g. 8, 4K, 256M)", PARSE("--minbytes=-5"));
  EXPECT_ERROR("-n/--iters: 'abc' is not an integer", PARSE("-n", "abc"));
  EXPECT_ERROR("-n/--iters: '0' is out of range [1, 1000]", PARSE("-n", "0"));
  CHECK(iters == 20);  // a rejected value leaves the destination alone
  EXPECT_ERROR("-n/--iters: '-5' is out of range [1, 1000]", PARSE("-n", "-5"));
  EXPECT_ERROR("-e/--maxbytes: '2T' is out of range [1, 1T]", PARSE("-e", "2T"));
  EXPECT_ERROR("--ratio: '2' is out of range [0, 1]", PARSE("--ratio", "2"));
  EXPECT_ERROR("--ratio: 'nan' is not a number", PARSE("--ratio", "nan"));
  EXPECT_ERROR("unknown option '--foo' (see --help)", PARSE("--foo"));
  EXPECT_ERROR("unknown option '--foo' (see --help)", PARSE("--foo=3"));
  EXPECT_ERROR("unknown option '--minbytesx' (see --help)", PARSE("--minbytesx"));
  EXPECT_ERROR("unknown option '-x' (see --help)", PARSE("-x"));
  EXPECT_ERROR("-b/--minbytes: missing argument SIZE", PARSE("-b"));
  EXPECT_ERROR("--name: missing argument NAME", PARSE("-n", "3", "--name"));
  EXPECT_ERROR("-c/--check: takes no value (got '1')", PARSE("--check=1"));
  EXPECT_ERROR("-c/--check: takes no value (got 'x')", PARSE("-cx"));
  EXPECT_ERROR("unexpected argument 'stray' (see --help)", PARSE("stray"));
  EXPECT_ERROR("unexpected argument 'c' (see --help)", PARSE_POS("a", "b", "c"));
  CHECK(npositional == 2);
}

static void test_help(void) {
  reset();
  // The summary wraps before column 80: the first line holds 76 characters, one more word would make 81.
  cc_cli cli = {"test", "test [options] FILE",
                "Measures things. word word word word word word word word word word word word word word word "
                "word end.",
                "Examples:\n  test -b 4K", opts, (int)(sizeof opts / sizeof opts[0]), 1, NULL, 0};
  FILE *f = tmpfile();
  cc_cli_print_help(&cli, f);
  char *help = read_stream(f);
  fclose(f);
  const char *want =
      "usage: test [options] FILE\n"
      "\n"
      "Measures things. word word word word word word word word word word word word\n"
      "word word word word end.\n"
      "\n"
      "options:\n"
      "  -b, --minbytes SIZE   smallest message size (default: 8)\n"
      "  -e, --maxbytes SIZE   largest message size (default: 256M)\n"
      "  -n, --iters N         timed iterations (default: 20)\n"
      "      --ratio R         a fraction (default: 0.5)\n"
      "      --name NAME       a name (default: x)\n"
      "  -c, --check           verify results\n"
      "  -h, --help            show this help and exit\n"
      "\n"
      "Examples:\n"
      "  test -b 4K\n";
  CHECK_STREQ(help, want);
  free(help);
}

// A second long name, and a value option that may be given bare (nccl-tests' -c N beside a --check flag).
static long long level, warm;
static const cc_option extra_opts[] = {
    {"check", 'c', CC_OPT_INT, &level, "N", "checked calls", 0, 100},
    {"warmup", 'w', CC_OPT_INT, &warm, "N", "warm-up calls", 0, 100},
};
static const cc_option_extra extras[] = {{"check", NULL, "1"}, {"warmup", "warmup_iters", NULL}};

static cc_cli_result parse_extras(const char *const *args) {
  char *argv[16] = {"test"};
  int argc = 1;
  while (*args) argv[argc++] = (char *)*args++;
  cc_cli cli = {.prog = "test", .opts = extra_opts, .nopts = 2, .extras = extras, .nextras = 2};
  level = -1, warm = 5;
  strcpy(err, "(untouched)");
  return cc_cli_parse(&cli, argc, argv, NULL, NULL, err, sizeof err);
}
#define PARSE_EXTRAS(...) parse_extras((const char *const[]){__VA_ARGS__, NULL})

static void test_extras(void) {
  CHECK(PARSE_EXTRAS("--warmup_iters", "3") == CC_CLI_OK && warm == 3);
  CHECK(PARSE_EXTRAS("--warmup_iters=4") == CC_CLI_OK && warm == 4);
  CHECK(PARSE_EXTRAS("--warmup", "2") == CC_CLI_OK && warm == 2);
  CHECK(PARSE_EXTRAS("-c") == CC_CLI_OK && level == 1);                     // bare, last
  CHECK(PARSE_EXTRAS("--check", "-w", "2") == CC_CLI_OK && level == 1 && warm == 2);  // bare, then an option
  CHECK(PARSE_EXTRAS("-c", "0") == CC_CLI_OK && level == 0);                // a value after it is its value
  CHECK(PARSE_EXTRAS("-c7") == CC_CLI_OK && level == 7);
  CHECK(PARSE_EXTRAS("--check=0") == CC_CLI_OK && level == 0);
  EXPECT_ERROR("-c/--check: 'x' is not an integer", PARSE_EXTRAS("-c", "x"));
  EXPECT_ERROR("unknown option '--warmup_it' (see --help)", PARSE_EXTRAS("--warmup_it", "1"));
  cc_cli cli = {.prog = "test", .opts = extra_opts, .nopts = 2, .extras = extras, .nextras = 2};
  FILE *f = tmpfile();
  cc_cli_print_help(&cli, f);
  char *help = read_stream(f);
  fclose(f);
  CHECK(strstr(help, "  -c, --check [N]") != NULL);
  CHECK(strstr(help, "  -w, --warmup, --warmup_iters N") != NULL);
  free(help);
}

int main(void) {
  test_extras();
  test_sizes();
  test_numbers();
  test_format_size();
  test_split_list();
  test_option_forms();
  test_option_errors();
  test_help();
  return check_done("test_cli");
}
