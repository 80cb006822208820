#include "sim/nccltests.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/error.h"
#include "common/readfile.h"
#include "common/strategy.h"

enum { MAX_TOKENS = 32, MAX_HOSTS = 4096 };

// Splits s in place on blanks; returns the token count (at most MAX_TOKENS).
static int tokenize(char *s, char *tok[MAX_TOKENS]) {
  int n = 0;
  for (char *p = strtok(s, " \t\r"); p && n < MAX_TOKENS; p = strtok(NULL, " \t\r")) tok[n++] = p;
  return n;
}

static const char *dtype_name(const char *t) {
  if (strcmp(t, "float") == 0 || strcmp(t, "float32") == 0) return "f32";
  if (strcmp(t, "double") == 0 || strcmp(t, "float64") == 0) return "f64";
  if (strcmp(t, "half") == 0 || strcmp(t, "float16") == 0) return "f16";
  if (strcmp(t, "bfloat16") == 0) return "bf16";
  return t;
}

static int dtype_bytes(const char *t) {
  if (strcmp(t, "f64") == 0 || strstr(t, "64")) return 8;
  if (strcmp(t, "f16") == 0 || strcmp(t, "bf16") == 0 || strstr(t, "16")) return 2;
  if (strstr(t, "8")) return 1;
  return 4;
}

bool cc_nccltests_sniff(const char *text) {
  return strstr(text, "out-of-place") != NULL || strstr(text, "# nThread") != NULL;
}

typedef struct {
  const char *op;
  const char *next_op;  // collective named after this run's table: the next run's (NULL: none named)
  int ranks;
  char *hosts[MAX_HOSTS];
  int nhosts;
  int col_size, col_count, col_type, col_redop, col_time[2], col_algbw[2], col_busbw[2], col_wrong[2];
  int ncols;  // tokens in a data line (header tokens after '#')
} log_state;

// "#  Rank  3 Group  0 Pid  1234 on  node01 device  3 [0x..] NVIDIA H100"
static void rank_line(log_state *st, char **tok, int n) {
  if (n < 3 || strcmp(tok[1], "Rank") != 0) return;
  st->ranks++;
  for (int i = 2; i + 1 < n; i++)
    if (strcmp(tok[i], "on") == 0) {
      for (int h = 0; h < st->nhosts; h++)
        if (strcmp(st->hosts[h], tok[i + 1]) == 0) return;
      if (st->nhosts < MAX_HOSTS) st->hosts[st->nhosts++] = cc_strdup(tok[i + 1]);
      return;
    }
}

// "#       size         count      type   redop    root     time   algbw   busbw #wrong     time ..."
static void header_line(log_state *st, char **tok, int n) {
  int times = 0, algbws = 0, busbws = 0, wrongs = 0;
  st->col_size = st->col_count = st->col_type = st->col_redop = -1;
  for (int i = 1; i < n; i++) {
    int col = i - 1;  // data lines have no leading '#'
    if (strcmp(tok[i], "size") == 0) st->col_size = col;
    else if (strcmp(tok[i], "count") == 0) st->col_count = col;
    else if (strcmp(tok[i], "type") == 0) st->col_type = col;
    else if (strcmp(tok[i], "redop") == 0) st->col_redop = col;
    else if (strcmp(tok[i], "time") == 0 && times < 2) st->col_time[times++] = col;
    else if (strcmp(tok[i], "algbw") == 0 && algbws < 2) st->col_algbw[algbws++] = col;
    else if (strcmp(tok[i], "busbw") == 0 && busbws < 2) st->col_busbw[busbws++] = col;
    else if ((strcmp(tok[i], "#wrong") == 0 || strcmp(tok[i], "error") == 0) && wrongs < 2) st->col_wrong[wrongs++] = col;
  }
  st->ncols = (st->col_size >= 0 && times == 2 && algbws == 2 && busbws == 2 && wrongs == 2) ? n - 1 : 0;
}

// The nccl-tests binaries; the first three are the collectives the row schema has ops for.
static const char *const tests[] = {"all_reduce", "all_gather", "reduce_scatter", "alltoall", "broadcast",
                                    "reduce",     "gather",     "scatter",        "sendrecv", "hypercube"};
static const char *const test_ops[] = {"allreduce", "allgather", "reduce_scatter"};

static bool word_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

// The index in tests[] of the binary a token names, wherever it stands: the banner's "all_gather_perf",
// a command line's "./build/broadcast_perf" or "reduce_scatter_perf_mpi" (MPI builds), a loader
// warning's "all_reduce_perf:"; -1 if none. Whole words only, so "my_perf.log" names nothing.
static int test_named(const char *t) {
  for (const char *p = strstr(t, "_perf"); p; p = strstr(p + 1, "_perf")) {
    if (isalnum((unsigned char)p[5])) continue;
    const char *b = p;
    while (b > t && word_char(b[-1])) b--;
    for (int i = 0; i < (int)(sizeof tests / sizeof tests[0]); i++)
      if (strlen(tests[i]) == (size_t)(p - b) && strncmp(b, tests[i], (size_t)(p - b)) == 0) return i;
  }
  return -1;
}

// Lines that nccl-tests prints at the start of a run, before its table.
static bool run_start_line(char **tok, int n) {
  if (n < 2 || strcmp(tok[0], "#") != 0) return false;
  return strcmp(tok[1], "nccl-tests") == 0 || strcmp(tok[1], "Collective") == 0 || strcmp(tok[1], "nThread") == 0 ||
         strcmp(tok[1], "Rank") == 0 || (n > 2 && strcmp(tok[1], "Using") == 0 && strcmp(tok[2], "devices") == 0);
}

// Forgets the previous run of a concatenated log (cat run_np8.log run_np16.log): its ranks and hosts
// must not add to this run's, and its columns may differ. The collective is allreduce unless one was
// named since the previous table (a command line echoed before this run's output).
static void new_run(log_state *st) {
  for (int h = 0; h < st->nhosts; h++) free(st->hosts[h]);
  st->nhosts = st->ranks = st->ncols = 0;
  st->op = st->next_op ? st->next_op : "allreduce";
  st->next_op = NULL;
}

// Notes the collective a line names. Named after this run's table, it is the next run's. Tests the
// row schema has no op for are refused rather than read as allreduce, which their tables resemble.
static int collective_line(log_state *st, char **tok, int n, const char *path, int line, char *err, size_t errlen) {
  for (int i = 0; i < n; i++) {
    int t = test_named(tok[i]);
    if (t < 0) continue;
    if (t >= (int)(sizeof test_ops / sizeof test_ops[0])) {
      snprintf(err, errlen, "%s:%d: %s_perf logs are not supported (allreduce, allgather, reduce_scatter only)", path,
               line, tests[t]);
      return -1;
    }
    if (st->ncols > 0) st->next_op = test_ops[t];
    else st->op = test_ops[t];
  }
  return 0;
}

static int data_line(log_state *st, cc_rowset *rs, char **tok, int n, const char *path, int line, int ranks,
                     char *err, size_t errlen) {
  long long size, count = 0;
  if (n != st->ncols || cc_parse_int(tok[st->col_size], &size) != 0 || size < 0) {
    snprintf(err, errlen, "%s:%d: expected %d columns starting with the size, as in the header", path, line, st->ncols);
    return -1;
  }
  if (st->col_count >= 0) cc_parse_int(tok[st->col_count], &count);
  const char *dtype = st->col_type >= 0 ? dtype_name(tok[st->col_type]) : "f32";
  if (count == 0 && size > 0) count = size / dtype_bytes(dtype);
  for (int place = 0; place < 2; place++) {
    double time, algbw = 0, busbw = 0;
    long long wrong = -1;  // "N/A" when nccl-tests ran with -c 0
    if (cc_parse_double(tok[st->col_time[place]], &time) != 0) {
      snprintf(err, errlen, "%s:%d: time '%s' is not a number", path, line, tok[st->col_time[place]]);
      return -1;
    }
    cc_parse_double(tok[st->col_algbw[place]], &algbw);
    cc_parse_double(tok[st->col_busbw[place]], &busbw);
    cc_parse_int(tok[st->col_wrong[place]], &wrong);
    int nodes = st->nhosts > 0 ? st->nhosts : 1;
    cc_row r = {.source = "measured", .op = st->op, .strategy = "nccl", .algo = "nccl", .compress = "none",
                .dtype = dtype, .ranks = ranks, .nodes = nodes, .ranks_per_node = ranks / nodes,
                .bytes = (uint64_t)size, .count = (uint64_t)count, .time_us = time, .time_min_us = time,
                .time_max_us = time, .algbw_GBps = algbw, .busbw_GBps = busbw, .wire_bytes = 0, .errors = wrong,
                .profile = st->nhosts > 0 ? st->hosts[0] : "nccl-tests", .comm_us = time, .rel_err = -1};
    cc_rowset_add(rs, &r);
  }
  return 0;
}

int cc_nccltests_parse(cc_rowset *rs, const char *text, const char *path, int ranks_override, char *err,
                       size_t errlen) {
  log_state st = {.op = "allreduce"};
  char *copy = cc_strdup(text);
  int line = 0, rows = 0, rc = 0;
  for (char *raw = copy, *next; raw && rc == 0; raw = next) {
    next = strchr(raw, '\n');
    if (next) *next++ = '\0';
    line++;
    char *tok[MAX_TOKENS];
    int n = tokenize(raw, tok);
    if (n == 0) continue;
    if (st.ncols > 0 && run_start_line(tok, n)) new_run(&st);
    if ((rc = collective_line(&st, tok, n, path, line, err, errlen)) != 0) break;
    if (tok[0][0] == '#') {
      if (strcmp(tok[0], "#") == 0 && n > 1) {
        rank_line(&st, tok, n);
        if (strcmp(tok[1], "size") == 0) header_line(&st, tok, n);
      }
      continue;
    }
    if (st.ncols == 0) continue;  // text before the table (warnings, NCCL INFO lines)
    if (tok[0][0] < '0' || tok[0][0] > '9') continue;
    int ranks = ranks_override > 0 ? ranks_override : st.ranks;
    if (ranks < 1) {
      snprintf(err, errlen, "%s:%d: no '#  Rank N ... on HOST' lines before the table: give the rank count", path, line);
      rc = -1;
      break;
    }
    rc = data_line(&st, rs, tok, n, path, line, ranks, err, errlen);
    rows++;
  }
  free(copy);
  for (int h = 0; h < st.nhosts; h++) free(st.hosts[h]);
  if (rc == 0 && rows == 0) {
    snprintf(err, errlen, "%s: no nccl-tests result table found (expected a '#  size  count  type ...' header)", path);
    rc = -1;
  }
  return rc;
}

int cc_nccltests_read(cc_rowset *rs, const char *path, int ranks_override, char *err, size_t errlen) {
  char *text = cc_read_text_file(path, NULL, err, errlen);
  if (!text) return -1;
  int rc = cc_nccltests_parse(rs, text, path, ranks_override, err, errlen);
  free(text);
  return rc;
}
