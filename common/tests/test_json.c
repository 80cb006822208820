// Tests for common/json: exact escapes and numbers, and the metadata sidecar.
#include <math.h>

#include "common/json.h"
#include "common/tests/check.h"
#include "common/version.h"

static char *json_of_string(const char *s) {
  FILE *f = tmpfile();
  cc_json_string(f, s);
  char *text = read_stream(f);
  fclose(f);
  return text;
}

static char *json_of_number(double v) {
  FILE *f = tmpfile();
  cc_json_number(f, v);
  char *text = read_stream(f);
  fclose(f);
  return text;
}

static void test_strings(void) {
  const struct { const char *in, *want; } cases[] = {
      {"plain", "\"plain\""},
      {"", "\"\""},
      {"a\"b\\c", "\"a\\\"b\\\\c\""},
      {"\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\""},
      {"\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\""},
      {"caf\xc3\xa9 /", "\"caf\xc3\xa9 /\""},
      {NULL, "null"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *got = json_of_string(cases[i].in);
    CHECK_STREQ(got, cases[i].want);
    free(got);
  }
}

static void test_numbers(void) {
  const struct { double v; const char *want; } cases[] = {
      {0, "0"}, {-2, "-2"}, {0.1, "0.1"}, {1.5, "1.5"}, {17179869184.0, "17179869184"},
      {1.0 / 3, "0.3333333333333333"}, {9007199254740993.0, "9007199254740992"}, {1e300, "1e+300"},
      {NAN, "null"}, {INFINITY, "null"}, {-INFINITY, "null"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *got = json_of_number(cases[i].v);
    CHECK_STREQ(got, cases[i].want);
    free(got);
  }
}

// The value text of "key": in a pretty-printed object, up to the end of its line.
static const char *value_of(const char *json, const char *key, char *buf, size_t len) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\n  \"%s\": ", key);
  const char *at = strstr(json, pattern);
  if (!at) return "(missing)";
  at += strlen(pattern);
  size_t n = strcspn(at, "\n");
  if (n > 0 && at[n - 1] == ',') n--;
  snprintf(buf, len, "%.*s", (int)n, at);
  return buf;
}

static void test_meta(void) {
  const char *dir = make_test_dir("test_json");
  char path[300], partial[320];
  snprintf(path, sizeof path, "%s/out.csv.meta.json", dir);
  snprintf(partial, sizeof partial, "%s.partial", path);

  char *argv[] = {"ccbench", "-s", "ring,hier:ring/tree", "--csv", "my file.csv", "it's", "", "a\"b", NULL};
  cc_meta m;
  cc_meta_init(&m);
  cc_meta_standard(&m, "ccbench", 8, argv);
  cc_meta_int(&m, "ranks", 4);
  cc_meta_int(&m, "big", -9223372036854775807LL - 1);
  cc_meta_num(&m, "ratio", 0.5);
  cc_meta_num(&m, "nan", NAN);
  cc_meta_str(&m, "none", NULL);
  cc_meta_str(&m, "ranks", "four");  // a key set twice keeps its place, with the newer value
  CHECK(m.n == 11);
  CHECK(cc_meta_write(&m, path) == 0);
  cc_meta_free(&m);
  CHECK(m.n == 0 && m.keys == NULL);
  CHECK(!file_exists(partial));

  char *json = read_text(path);
  CHECK(json != NULL);
  if (!json) return;
  char buf[256], want[256];
  CHECK(strncmp(json, "{\n  \"tool\": \"ccbench\",\n  \"version\": ", 36) == 0);
  const char *tail = "\n  \"none\": null\n}\n";
  CHECK(strlen(json) > strlen(tail) && strcmp(json + strlen(json) - strlen(tail), tail) == 0);
  snprintf(want, sizeof want, "\"%s\"", cc_version());
  CHECK_STREQ(value_of(json, "version", buf, sizeof buf), want);
  snprintf(want, sizeof want, "\"%s\"", cc_commit());
  CHECK_STREQ(value_of(json, "commit", buf, sizeof buf), want);
  CHECK_STREQ(value_of(json, "command", buf, sizeof buf),
              "\"ccbench -s ring,hier:ring/tree --csv 'my file.csv' 'it'\\\\''s' '' 'a\\\"b'\"");
  CHECK_STREQ(value_of(json, "ranks", buf, sizeof buf), "\"four\"");
  CHECK_STREQ(value_of(json, "big", buf, sizeof buf), "-9223372036854775808");
  CHECK_STREQ(value_of(json, "ratio", buf, sizeof buf), "0.5");
  CHECK_STREQ(value_of(json, "nan", buf, sizeof buf), "null");
  CHECK(strstr(json, "\n  \"host\": \"") != NULL);
  // "2026-11-22T10:11:12Z" with its quotes.
  const char *date = value_of(json, "date", buf, sizeof buf);
  CHECK(strlen(date) == 22 && date[5] == '-' && date[8] == '-' && date[11] == 'T' && date[14] == ':' &&
        date[17] == ':' && date[20] == 'Z');
  CHECK(strstr(json, "\"ranks\"") < strstr(json, "\"big\""));
  free(json);
  CHECK(cc_meta_write(&m, "no/such/dir/x.json") == -1);
  remove_test_dir(dir);
}

int main(void) {
  test_strings();
  test_numbers();
  test_meta();
  return check_done("test_json");
}
