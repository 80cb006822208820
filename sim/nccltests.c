#include "sim/nccltests.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/error.h"
#include "common/readfile.h"
#include "common/strategy.h"
#include "sim/logline.h"

enum { MAX_TOKENS = 64 };

// The nccl-tests binaries; the first three are the collectives the row schema has ops for.
static const char *const tests[] = {"all_reduce", "all_gather", "reduce_scatter", "alltoall", "broadcast",
                                    "reduce",     "gather",     "scatter",        "sendrecv", "hypercube", "alltoallv"};
static const char *const test_ops[] = {"allreduce", "allgather", "reduce_scatter"};
enum { NTESTS = sizeof tests / sizeof tests[0], NOPS = sizeof test_ops / sizeof test_ops[0] };

// A table's columns: where each field stands in a data line.
typedef struct {
  int ncols;      // tokens in a data line; 0: no table open
  int nplaces;    // 2: out-of-place and in-place; 1: one of them
  int size, count, type, redop;            // -1 when the layout has no such column
  int time[2], algbw[2], busbw[2], wrong[2];
  bool wrong_is_count;                     // "#wrong" counts elements; "error"/"res" is a deviation
  double us_per_unit;                      // 1000 for 2017's millisecond times
  int header_line;
  // What the first data line decided: the collective (NULL: the table is skipped) and the layout.
  bool decided;
  const char *op;
  int ranks, nodes, per_node;
  int rows;
} table;

typedef struct {
  const char *path;
  cc_nccltests_opts o;
  int line;
  // The current run: what its banner or command line named, its ranks and hosts.
  int named, next_named;  // index in tests[], -1 when none
  // NCCL_ALGO / NCCL_PROTO this run set (a command line's -x, an export, NCCL's "set by environment"
  // line): its rows are strategy nccl:<algo>/<proto>. -1: NCCL's own choice.
  int force_algo, force_proto;
  char strategy[48];
  // ccbench's --format nccl-tests names each table's strategy ("# ccbench strategy: ring (...)"); its
  // rows are that strategy's, not NCCL's. Empty: an nccl-tests table.
  char ccbench_strategy[128], ccbench_algo[128], ccbench_compress[48];
  bool ended;             // "# Collective test concluded" seen
  unsigned char *rank_seen;
  int rank_cap, ranks;
  char **hosts;
  int *host_ranks;
  int nhosts, host_cap;
  table t;
  // The file so far.
  int tables_read, rows_read;
  char skipped[256];  // tests whose tables were skipped, for the error when nothing was read
} reader;

static void note(reader *r, int line, const char *fmt, ...) {
  if (!r->o.note) return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  cc_log_vformat(msg, sizeof msg, r->path, line, fmt, ap);
  va_end(ap);
  r->o.note(r->o.note_ctx, msg);
}

static int fail(reader *r, char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cc_log_vformat(err, errlen, r->path, r->line, fmt, ap);
  va_end(ap);
  return -1;
}

// --- lines ---------------------------------------------------------------------------------------

static bool is_integer(const char *t) { return cc_log_is_count(t); }

static bool word_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

// The index in tests[] of the binary a token names, wherever it stands: the banner's "all_gather_perf",
// a command line's "./build/broadcast_perf" or "reduce_scatter_perf_mpi" (MPI builds), a loader
// warning's "all_reduce_perf:"; -1 if none. Whole words only, so "my_perf.log" names nothing.
static int test_named(const char *t) {
  for (const char *p = strstr(t, "_perf"); p; p = strstr(p + 1, "_perf")) {
    if (isalnum((unsigned char)p[5])) continue;
    const char *b = p;
    while (b > t && word_char(b[-1])) b--;
    for (int i = 0; i < NTESTS; i++)
      if (strlen(tests[i]) == (size_t)(p - b) && strncmp(b, tests[i], (size_t)(p - b)) == 0) return i;
  }
  return -1;
}

// --- runs -----------------------------------------------------------------------------------------

static void forget_hosts(reader *r) {
  for (int h = 0; h < r->nhosts; h++) free(r->hosts[h]);
  r->nhosts = 0;
  r->ranks = 0;
  if (r->rank_seen) memset(r->rank_seen, 0, (size_t)r->rank_cap);
}

// A new run of a concatenated log: its ranks and hosts must not add to the previous run's, its columns
// may differ, and it is the collective a command line named after the previous table, if any.
static void new_run(reader *r) {
  forget_hosts(r);
  r->force_algo = r->force_proto = -1;
  r->t = (table){0};
  r->named = r->next_named;
  r->next_named = -1;
  r->ended = false;
  r->ccbench_strategy[0] = '\0';
}

// "# ccbench strategy: hier:ring/ring+int8 (4 ranks on 2 nodes, ...)": the next table's strategy.
static void ccbench_strategy_line(reader *r, char **tok, int n) {
  cc_strategy s;
  char why[256];
  if (n < 4 || strlen(tok[3]) >= sizeof r->ccbench_strategy) return;
  if (cc_strategy_parse(tok[3], &s, why, sizeof why) != 0) {
    note(r, r->line, "ccbench strategy '%s' is not one: %s", tok[3], why);
    return;
  }
  snprintf(r->ccbench_strategy, sizeof r->ccbench_strategy, "%s", s.name);
  snprintf(r->ccbench_algo, sizeof r->ccbench_algo, "%s", s.algo_name);
  snprintf(r->ccbench_compress, sizeof r->ccbench_compress, "%s", s.compress);
}

static bool table_seen(const reader *r) { return r->t.ncols > 0 || r->ended; }

// "#  Rank  3 Group  0 Pid  1234 on  node01 device  3 [0x..] NVIDIA H100" (and the older forms without
// Group, or without Pid).
static void rank_line(reader *r, char **tok, int n) {
  long long rank;
  if (n < 3 || cc_parse_int(tok[2], &rank) != 0 || rank < 0 || rank >= 1 << 24) return;
  if (table_seen(r)) new_run(r);  // rank lines after a table start another run
  if (rank >= r->rank_cap) {
    int cap = r->rank_cap ? r->rank_cap : 64;
    while (cap <= rank) cap *= 2;
    r->rank_seen = cc_realloc(r->rank_seen, (size_t)cap);
    memset(r->rank_seen + r->rank_cap, 0, (size_t)(cap - r->rank_cap));
    r->rank_cap = cap;
  }
  if (r->rank_seen[rank]) return;  // the same rank printed twice (several processes, one log)
  r->rank_seen[rank] = 1;
  r->ranks++;
  for (int i = 3; i + 1 < n; i++) {
    if (strcmp(tok[i], "on") != 0) continue;
    for (int h = 0; h < r->nhosts; h++)
      if (strcmp(r->hosts[h], tok[i + 1]) == 0) {
        r->host_ranks[h]++;
        return;
      }
    if (r->nhosts == r->host_cap) {
      r->host_cap = r->host_cap ? 2 * r->host_cap : 16;
      r->hosts = cc_realloc(r->hosts, (size_t)r->host_cap * sizeof *r->hosts);
      r->host_ranks = cc_realloc(r->host_ranks, (size_t)r->host_cap * sizeof *r->host_ranks);
    }
    r->hosts[r->nhosts] = cc_strdup(tok[i + 1]);
    r->host_ranks[r->nhosts++] = 1;
    return;
  }
}

// --- tables ---------------------------------------------------------------------------------------

// "#  size  count  type  redop  root  time  algbw  busbw  #wrong  time  algbw  busbw  #wrong" and its
// ancestors and variants. A time column opens a place (out-of-place, then in-place); its bandwidths and
// error column follow it.
static void header_line(reader *r, char **tok, int n) {
  table t = {.size = -1, .count = -1, .type = -1, .redop = -1, .us_per_unit = 1, .header_line = r->line};
  for (int p = 0; p < 2; p++) t.time[p] = t.algbw[p] = t.busbw[p] = t.wrong[p] = -1;
  int place = -1, cols = 0;
  bool timestamp = false;
  for (int i = 1; i < n; i++, cols++) {
    const char *h = tok[i];
    if (strcmp(h, "size") == 0) t.size = cols;
    else if (strcmp(h, "bytes") == 0) t.size = cols, t.us_per_unit = 1000;  // 2017: "bytes N", times in ms
    else if (strcmp(h, "count") == 0 || strcmp(h, "N") == 0) t.count = cols;
    else if (strcmp(h, "type") == 0) t.type = cols;
    else if (strcmp(h, "redop") == 0 || strcmp(h, "op") == 0) t.redop = cols;
    else if ((strcmp(h, "time") == 0 || strcmp(h, "cputime") == 0) && place < 1) t.time[++place] = cols;
    else if (strcmp(h, "algbw") == 0 && place >= 0) t.algbw[place] = cols;
    else if (strcmp(h, "busbw") == 0 && place >= 0) t.busbw[place] = cols;
    else if (strcmp(h, "#wrong") == 0 && place >= 0) t.wrong[place] = cols, t.wrong_is_count = true;
    else if ((strcmp(h, "error") == 0 || strcmp(h, "res") == 0) && place >= 0) t.wrong[place] = cols;
    else if (strcmp(h, "timestamp") == 0) timestamp = true;
  }
  if (t.size < 0 || place < 0) return;  // not a result table's header
  t.nplaces = place + 1;
  t.ncols = cols + (timestamp ? 1 : 0);  // the timestamp prints as a date and a time
  r->t = t;
}

// "#  (B)  (elements)  ...  (us)  (GB/s) ...": the time unit, where the layout prints one.
static void units_line(reader *r, char **tok, int n) {
  if (r->t.ncols == 0) return;
  for (int i = 1; i < n; i++) {
    if (strcmp(tok[i], "(us)") == 0) r->t.us_per_unit = 1;
    else if (strcmp(tok[i], "(ms)") == 0) r->t.us_per_unit = 1000;
  }
}

static const char *dtype_name(const char *t) {
  static const char *const names[][2] = {{"float", "f32"},  {"float32", "f32"},  {"double", "f64"},
                                         {"float64", "f64"}, {"half", "f16"},    {"float16", "f16"},
                                         {"bfloat16", "bf16"}, {"bf16", "bf16"}, {"fp32", "f32"}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(t, names[i][0]) == 0) return names[i][1];
  return t;
}

static int dtype_bytes(const char *t) {
  if (strstr(t, "64") || strcmp(t, "double") == 0) return 8;
  if (strstr(t, "16") || strcmp(t, "half") == 0) return 2;
  if (strstr(t, "8")) return 1;
  return 4;
}

static bool test_is_read(int test) { return test >= 0 && test < NOPS; }

// The collective of the table whose first row this is; NULL (with a note) when the table is skipped.
static const char *table_collective(reader *r, char **tok) {
  if (r->named >= 0) {
    if (test_is_read(r->named)) return test_ops[r->named];
    note(r, r->t.header_line, "%s_perf table skipped (ccsim reads allreduce, allgather and reduce_scatter)",
         tests[r->named]);
    if (!strstr(r->skipped, tests[r->named]) && strlen(r->skipped) + strlen(tests[r->named]) + 8 < sizeof r->skipped)
      snprintf(r->skipped + strlen(r->skipped), sizeof r->skipped - strlen(r->skipped), "%s%s_perf",
               r->skipped[0] ? ", " : "", tests[r->named]);
    return NULL;
  }
  if (r->t.redop < 0) {
    note(r, r->t.header_line, "no collective named and no redop column: read as all_gather_perf");
    return "allgather";
  }
  if (strcmp(tok[r->t.redop], "none") == 0) {
    note(r, r->t.header_line, "table skipped: no collective named, and 'none' is no reduction (allgather? "
                               "broadcast? name the binary in the log)");
    return NULL;
  }
  return "allreduce";
}

// The node layout of this run's rows: ranks from the rank lines, nodes from the distinct hosts, or from
// the caller for logs cut before the rank list. 0, or -1 with the reason in err.
static int layout(reader *r, int *ranks, int *nodes, int *per_node, char *err, size_t errlen) {
  *ranks = r->ranks;
  if (r->ranks > 0 && r->o.ranks > 0 && r->o.ranks != r->ranks)
    return fail(r, err, errlen, "the log lists %d ranks, but %d were given (--ranks)", r->ranks, r->o.ranks);
  if (r->ranks == 0) *ranks = r->o.ranks;
  if (*ranks < 1)
    return fail(r, err, errlen, "no '#  Rank N ... on HOST' lines before the table: give the rank count (--ranks)");
  if (r->nhosts > 0) {
    *nodes = r->nhosts;
    *per_node = 0;
    for (int h = 0; h < r->nhosts; h++)
      if (r->host_ranks[h] > *per_node) *per_node = r->host_ranks[h];
    if (r->o.ranks_per_node > 0 && r->o.ranks_per_node != *per_node)
      return fail(r, err, errlen, "the log puts %d ranks on a host, but %d were given (--ranks-per-node)", *per_node,
                  r->o.ranks_per_node);
    return 0;
  }
  *per_node = r->o.ranks_per_node > 0 && r->o.ranks_per_node < *ranks ? r->o.ranks_per_node : *ranks;
  *nodes = (*ranks + *per_node - 1) / *per_node;
  return 0;
}

// One data line: two rows (out-of-place, in-place). A line that starts like a row but does not parse
// (cut short by a killed job, garbled by another process's output) is skipped with a note.
static int data_line(reader *r, cc_rowset *rs, char **tok, int n, char *err, size_t errlen) {
  table *t = &r->t;
  if (!is_integer(tok[0])) return 0;  // not a row: chatter between the rows
  if (n != t->ncols || !is_integer(tok[t->size]) || (t->count >= 0 && !is_integer(tok[t->count]))) {
    if (n >= 2 && is_integer(tok[1]) && n < t->ncols)
      note(r, r->line, "row cut short (%d of %d columns): skipped", n, t->ncols);
    return 0;
  }
  if (!t->decided) {  // a run's ranks, hosts and NCCL settings are fixed once its table starts
    t->decided = true;
    t->op = table_collective(r, tok);
    if (t->op && layout(r, &t->ranks, &t->nodes, &t->per_node, err, errlen) != 0) return -1;
    cc_nccl_strategy_name(r->force_algo, r->force_proto, r->strategy, sizeof r->strategy);
  }
  if (!t->op) return 0;
  double times[2] = {0, 0};
  for (int p = 0; p < t->nplaces; p++)
    if (cc_parse_double(tok[t->time[p]], &times[p]) != 0 || !(times[p] >= 0)) {
      note(r, r->line, "time '%s' is not a number: row skipped", tok[t->time[p]]);
      return 0;
    }
  long long size = 0, count = 0;
  cc_parse_int(tok[t->size], &size);
  const char *dtype = t->type >= 0 ? dtype_name(tok[t->type]) : "f32";
  if (t->count >= 0) cc_parse_int(tok[t->count], &count);
  else count = size / dtype_bytes(dtype);
  const char *redop = t->redop >= 0 ? tok[t->redop] : strcmp(t->op, "allgather") == 0 ? "none" : "";
  for (int p = 0; p < t->nplaces; p++) {
    double time = times[p] * t->us_per_unit, algbw = 0, busbw = 0;
    long long wrong = -1;  // "N/A" when nccl-tests ran with -c 0; "error" columns count nothing
    if (t->algbw[p] >= 0) cc_parse_double(tok[t->algbw[p]], &algbw);
    if (t->busbw[p] >= 0) cc_parse_double(tok[t->busbw[p]], &busbw);
    if (t->wrong[p] >= 0 && t->wrong_is_count && cc_parse_int(tok[t->wrong[p]], &wrong) != 0) wrong = -1;
    bool ccbench = r->ccbench_strategy[0] != '\0';
    cc_row row = {.source = "measured", .op = t->op, .strategy = ccbench ? r->ccbench_strategy : r->strategy,
                  .algo = ccbench ? r->ccbench_algo : r->strategy, .compress = ccbench ? r->ccbench_compress : "none",
                  .dtype = dtype, .ranks = t->ranks, .nodes = t->nodes, .ranks_per_node = t->per_node,
                  .bytes = (uint64_t)size, .count = (uint64_t)count, .time_us = time, .time_min_us = time,
                  .time_max_us = time, .algbw_GBps = algbw, .busbw_GBps = busbw, .errors = wrong,
                  .profile = r->nhosts > 0 ? r->hosts[0] : "nccl-tests", .comm_us = time, .rel_err = -1,
                  .redop = redop, .placement = t->nplaces == 2 ? (p ? "in-place" : "out-of-place") : NULL};
    cc_rowset_add(rs, &row);
    r->rows_read++;
  }
  if (t->rows++ == 0) r->tables_read++;
  return 0;
}

// --- the file -------------------------------------------------------------------------------------

// A comment line: run banners, rank lines, table headers and units; the rest is ignored.
static void comment_line(reader *r, char **tok, int n) {
  if (n < 2 || strcmp(tok[0], "#") != 0) return;
  if (strcmp(tok[1], "Collective") == 0 && n >= 5) {
    int t = test_named(tok[4]);
    if (strcmp(tok[3], "concluded:") == 0) {
      r->ended = true;
      return;
    }
    if (strcmp(tok[3], "starting:") == 0) {
      if (table_seen(r)) new_run(r);
      r->named = t;
      r->next_named = -1;
    }
    return;
  }
  if (strcmp(tok[1], "nccl-tests") == 0 || strcmp(tok[1], "nThread") == 0) {
    if (table_seen(r)) new_run(r);
    return;
  }
  if (strcmp(tok[1], "ccbench") == 0 && n >= 3 && strcmp(tok[2], "strategy:") == 0) ccbench_strategy_line(r, tok, n);
  else if (strcmp(tok[1], "Rank") == 0) rank_line(r, tok, n);
  else if (strcmp(tok[1], "size") == 0 || strcmp(tok[1], "bytes") == 0) header_line(r, tok, n);
  else if (strcmp(tok[1], "(B)") == 0) units_line(r, tok, n);
}

// "NCCL_ALGO=Ring" in a command line or an environment listing, or NCCL's own "NCCL_ALGO set by
// environment to Ring": one algorithm (or protocol) forces it; a list or an exclusion ("^NVLS") is
// noted and read as NCCL's choice. Old NCCL's NCCL_TREE_THRESHOLD=0 meant ring.
static void nccl_env(reader *r, const char *name, const char *value) {
  bool algo = strcmp(name, "NCCL_ALGO") == 0;
  if (strcmp(name, "NCCL_TREE_THRESHOLD") == 0) {
    if (strcmp(value, "0") == 0) r->force_algo = CC_NCCL_RING;
    return;
  }
  if (!algo && strcmp(name, "NCCL_PROTO") != 0) return;
  size_t len = strcspn(value, "\"'");
  cc_nccl_algo a;
  cc_nccl_proto pr;
  if (algo && cc_nccl_algo_parse(value, len, &a) == 0) r->force_algo = (int)a;
  else if (!algo && cc_nccl_proto_parse(value, len, &pr) == 0) r->force_proto = (int)pr;
  else note(r, r->line, "%s=%.*s is not one %s: read as NCCL's own choice", name, (int)len, value,
            algo ? "algorithm" : "protocol");
}

static void env_line(reader *r, char **tok, int n) {
  for (int i = 0; i < n; i++) {
    const char *eq = strchr(tok[i], '=');
    const char *name = strstr(tok[i], "NCCL_");
    if (name && eq && eq > name) {
      char key[32];
      snprintf(key, sizeof key, "%.*s", (int)(eq - name < 31 ? eq - name : 31), name);
      nccl_env(r, key, eq + 1);
    }
    // "NCCL INFO NCCL_ALGO set by environment to Ring." and aws-ofi-nccl's "Setting NCCL_PROTO to "simple""
    if (strncmp(tok[i], "NCCL_", 5) == 0 && !strchr(tok[i], '='))
      for (int j = i + 1; j + 1 < n && j <= i + 4; j++)
        if (strcmp(tok[j], "to") == 0) {
          char value[64];
          snprintf(value, sizeof value, "%s", tok[j + 1] + (tok[j + 1][0] == '"'));
          size_t len = strlen(value);
          while (len && (value[len - 1] == '.' || value[len - 1] == '"')) value[--len] = '\0';
          nccl_env(r, tok[i], value);
          break;
        }
  }
}

// A command line or a loader message naming a binary: this run's collective, or, once this run has
// its table, the next run's.
static void naming_line(reader *r, char **tok, int n) {
  for (int i = 0; i < n; i++) {
    int t = test_named(tok[i]);
    if (t < 0) continue;
    if (table_seen(r)) r->next_named = t;
    else r->named = t;
  }
}

// Whether `word` stands in a comment: after a '#' on its line (a CSV row may hold "out-of-place").
static bool in_comment(const char *text, const char *word) {
  for (const char *at = strstr(text, word); at; at = strstr(at + 1, word)) {
    const char *line = at;
    while (line > text && line[-1] != '\n') line--;
    if (memchr(line, '#', (size_t)(at - line))) return true;
  }
  return false;
}

bool cc_nccltests_sniff(const char *text) {
  return in_comment(text, "out-of-place") || strstr(text, "# nThread") != NULL ||
         strstr(text, "Collective test starting") != NULL;
}

int cc_nccltests_parse(cc_rowset *rs, const char *text, const char *path, const cc_nccltests_opts *opts, char *err,
                       size_t errlen) {
  reader r = {.path = path, .named = -1, .next_named = -1, .force_algo = -1, .force_proto = -1};
  if (opts) r.o = *opts;
  size_t first_row = rs->n;
  char *copy = cc_strdup(text);
  int rc = 0;
  for (char *raw = copy, *next; raw && rc == 0; raw = next) {
    next = strchr(raw, '\n');
    if (next) *next++ = '\0';
    r.line++;
    char *tok[MAX_TOKENS];
    int n = cc_log_tokenize(raw + cc_log_prefix_len(raw), tok, MAX_TOKENS);
    if (n == 0) continue;
    if (tok[0][0] == '#') {
      comment_line(&r, tok, n);
      continue;
    }
    naming_line(&r, tok, n);
    if (!table_seen(&r)) env_line(&r, tok, n);
    if (r.t.ncols > 0) rc = data_line(&r, rs, tok, n, err, errlen);
  }
  free(copy);
  forget_hosts(&r);
  free(r.hosts), free(r.host_ranks), free(r.rank_seen);
  if (rc == 0 && r.rows_read == 0) {
    if (r.skipped[0])
      snprintf(err, errlen, "%s: no allreduce, allgather or reduce_scatter table (skipped: %s)", path, r.skipped);
    else
      snprintf(err, errlen, "%s: no nccl-tests result table found (expected a '#  size  count  type ...' header "
                            "and rows)", path);
    rc = -1;
  }
  if (rc != 0) rs->n = first_row;  // a file is read whole or not at all
  return rc;
}

int cc_nccltests_read(cc_rowset *rs, const char *path, const cc_nccltests_opts *opts, char *err, size_t errlen) {
  char *text = cc_read_text_file(path, NULL, err, errlen);
  if (!text) return -1;
  int rc = cc_nccltests_parse(rs, text, path, opts, err, errlen);
  free(text);
  return rc;
}
