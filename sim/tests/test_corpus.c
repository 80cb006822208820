// Every real nccl-tests log of the corpus (sim/tests/data/nccl-tests, see SOURCES.md and EXPECTED.md
// there) read with the project's reader and checked against values read off each log by hand: row
// counts, ranks and nodes, the data type and reduction, the first and last size, and two or three
// rows per log (out-of-place and in-place time, busbw and #wrong). Nothing below was generated from the
// reader's output: every number was read off the .log text (the line is named in the comment).
#include <dirent.h>
#include <stdint.h>

#include "common/tests/check.h"
#include "sim/nccltests.h"

#define CORPUS_DIR CC_SOURCE_DIR "/sim/tests/data/nccl-tests"

// One data line read by hand: size, then out-of-place and in-place time (us), busbw (GB/s) and #wrong
// (-1 where the log prints N/A or has an `error` column, which counts nothing).
typedef struct {
  uint64_t bytes;
  double oop_us, ip_us, oop_busbw, ip_busbw;
  long long oop_wrong, ip_wrong;
} point;

typedef struct {
  const char *file;
  int opt_ranks, opt_per_node;  // what the log needs from the caller (0: nothing)
  size_t rows;                  // 2 per data line
  int ranks, nodes, per_node;
  const char *dtype;            // as the reader names it
  int elem_bytes;
  const char *profile;          // the first rank's host; "nccl-tests" without rank lines
  uint64_t first, last;         // first and last size of the sweep, in bytes
  point p[3];                   // unused entries have oop_us == 0
} corpus_log;

// The logs that say NCCL's algorithm or protocol was forced, read off each by hand: their rows are
// strategy nccl:<algo>[/<proto>]; the others are NCCL's own choice.
static const char *forced_strategy(const char *file) {
  if (strcmp(file, "aion-h100_h100_16r2n_ring.log") == 0) return "nccl:ring";  // line 1: -x NCCL_ALGO=Ring
  if (strcmp(file, "aws-p3dn_v100_16r2n.log") == 0) return "nccl:ring";  // line 46: NCCL_TREE_THRESHOLD ... to 0.
  if (strcmp(file, "aws-eks-g4dn_t4_2r2n.log") == 0) return "nccl:any/simple";  // line 13: Setting NCCL_PROTO to "simple"
  return "nccl";
}

static const corpus_log corpus[] = {
    // Old layout (no Group, no root, `error` column); SHARP lines and "--(snip)--" before the table.
    {"abci-a100_a100_16r2n_sharp.log", 0, 0, 2 * 29, 16, 2, 8, "f32", 4, "a0000", 8, 2147483648ull,
     {{1048576, 177.0, 174.8, 11.11, 11.25, -1, -1},           // line 56
      {134217728, 2587.4, 2581.4, 97.26, 97.49, -1, -1}}},     // line 63
    {"aion-h100_h100_16r2n.log", 0, 0, 2 * 14, 16, 2, 8, "f32", 4, "0666a154", 1048576, 8589934592ull,
     {{1048576, 93.25, 82.98, 21.08, 23.69, 0, 0},             // line 24
      {134217728, 750.7, 751.2, 335.25, 334.99, 0, 0}}},       // line 31
    // The echoed command is broken over two lines; the second ("-f 2 -g 1") is no row.
    {"aion-h100_h100_16r2n_ring.log", 0, 0, 2 * 14, 16, 2, 8, "f32", 4, "0666a154", 1048576, 8589934592ull,
     {{1048576, 156.9, 154.1, 12.53, 12.76, 0, 0},             // line 26
      {134217728, 795.8, 795.7, 316.24, 316.27, 0, 0}}},       // line 33
    {"aion-h100_h100_32r4n.log", 0, 0, 2 * 14, 32, 4, 8, "f32", 4, "0666a154", 1048576, 8589934592ull,
     {{1048576, 317.0, 93.26, 6.41, 21.78, 0, 0},              // line 41
      {134217728, 1055.3, 1043.6, 246.41, 249.18, 0, 0}}},     // line 48
    // Host names starting with digits (0666a154, 9c3d25a5, 256b9d9c, 05ed0c0f).
    {"aion-h100_h100_64r8n.log", 0, 0, 2 * 14, 64, 8, 8, "f32", 4, "0666a154", 1048576, 8589934592ull,
     {{1048576, 117.0, 115.7, 17.64, 17.84, 0, 0},             // line 72
      {134217728, 1159.1, 1149.5, 227.97, 229.88, 0, 0},       // line 79
      {8388608, 1272.4, 321.4, 12.98, 51.38, 0, 0}}},          // line 75: the out-of-place outlier
    {"aion-h100_h100_64r8n_minctas24.log", 0, 0, 2 * 14, 64, 8, 8, "f32", 4, "0666a154", 1048576, 8589934592ull,
     {{1048576, 127.0, 110.5, 16.26, 18.69, 0, 0},             // line 73
      {134217728, 1395.4, 1330.0, 189.36, 198.67, 0, 0}}},     // line 80
    // A shell prompt "[santis][amadonna@santis-ln002 ~]$ srun ..." first.
    {"alps-gh200_gh200_8r2n.log", 0, 0, 2 * 25, 8, 2, 4, "f32", 4, "nid005098", 8, 134217728,
     {{1048576, 136.7, 167.0, 13.43, 10.99, 0, 0},             // line 34
      {134217728, 1773.7, 1779.6, 132.43, 131.99, 0, 0}}},     // line 41
    // mpirun --tag-output prefixes; two rows of size 0 (minBytes 1), then 4 B .. 1 GiB.
    {"aws-eks-g4dn_t4_2r2n.log", 0, 0, 2 * 31, 2, 2, 1, "f32", 4, "test-nccl-efa-worker-0", 0, 1073741824,
     {{1048576, 583.4, 579.6, 1.80, 1.81, 0, 0},               // line 78
      {134217728, 43014, 42619, 3.12, 3.15, 0, 0}}},           // line 85
    // Oldest layout; 15 NCCL INFO lines between the header and the first row; no command line.
    {"aws-p3dn_v100_16r2n.log", 0, 0, 2 * 28, 16, 2, 8, "f32", 4, "ip-172-31-41-105", 8, 1073741824,
     {{1048576, 709.3, 693.2, 2.77, 2.84, -1, -1},             // line 90
      {134217728, 33403, 33058, 7.53, 7.61, -1, -1},           // line 97
      {1073741824, 228178, 224997, 8.82, 8.95, -1, -1}}},      // line 100: 6-digit time
    // Every line but two indented by 4 spaces.
    {"aws-p4d_a100_16r2n_ring_indented.log", 0, 0, 2 * 28, 16, 2, 8, "f32", 4, "ip-172-31-70-88", 8, 1073741824,
     {{1048576, 448.6, 451.1, 4.38, 4.36, -1, -1},             // line 84
      {134217728, 11431, 11474, 22.01, 21.93, -1, -1}}},       // line 91
    // 9-line mpirun command, Open MPI warning box and "[bm-h100-01:29250] ..." lines.
    {"bm-h100_h100_16r2n.log", 0, 0, 2 * 32, 16, 2, 8, "f32", 4, "bm-h100-01", 8, 17179869184ull,
     {{1048576, 71.93, 71.47, 27.33, 27.51, 0, 0},             // line 63
      {134217728, 748.3, 749.2, 336.29, 335.88, 0, 0},         // line 70
      {17179869184ull, 68652, 68668, 469.21, 469.10, 0, 0}}},  // line 77
    // "## NCCL TEST RESULT" and "> "-quoted command lines first.
    {"gcp-a3mega_h100_16r2n.log", 0, 0, 2 * 31, 16, 2, 8, "f32", 4, "ztan-mig-235z", 8, 8589934592ull,
     {{1048576, 203.2, 207.2, 9.68, 9.49, 0, 0},               // line 49
      {134217728, 1652.2, 1636.7, 152.32, 153.76, 0, 0}}},     // line 56
    // Only the table: no rank lines, so 64 ranks, 4 per node (16 nodes) come from the README's text.
    {"kestrel-h100_h100_64r16n.log", 64, 4, 2 * 25, 64, 16, 4, "f32", 4, "nccl-tests", 256, 4294967296ull,
     {{1048576, 1426.9, 1380.6, 1.45, 1.50, 0, 0},             // line 17
      {134217728, 6239.5, 6235.4, 42.35, 42.38, 0, 0}}},       // line 24
    // srun --label (" 0: "), validation: 0 so #wrong is N/A.
    {"node005-h100_h100_16r2n.log", 0, 0, 2 * 11, 16, 2, 8, "f32", 4, "node005", 8388608, 8589934592ull,
     {{8388608, 215.3, 180.0, 73.04, 87.38, -1, -1},           // line 24
      {134217728, 1575.6, 1566.6, 159.72, 160.64, -1, -1},     // line 28
      {8589934592ull, 103530, 103538, 155.57, 155.56, -1, -1}}},  // line 34
    // Starts at " 0: # Using devices" (no "# nThread" line).
    {"node005-h100_h100_16r2n_ring.log", 0, 0, 2 * 11, 16, 2, 8, "f32", 4, "node005", 8388608, 8589934592ull,
     {{8388608, 407.5, 405.5, 38.60, 38.79, -1, -1},           // line 22
      {134217728, 2519.5, 2491.1, 99.88, 101.02, -1, -1}}},    // line 26
    // One process, nGpus 8: eight rank lines with the same Pid; no row below 128 MiB.
    {"node005-h100_h100_8r1n.log", 0, 0, 2 * 6, 8, 1, 8, "f32", 4, "node005", 134217728, 4294967296ull,
     {{134217728, 613.3, 614.3, 382.99, 382.34, 0, 0},         // line 16
      {4294967296ull, 15870, 15773, 473.60, 476.53, 0, 0}}},   // line 21
    // int8; data corruption (#wrong) from 2 MiB to 64 MiB; no footer.
    {"olivia-gh200_gh200_16r4n_int8_corrupt.log", 0, 0, 2 * 28, 16, 4, 4, "int8", 1, "gpu-1-43", 1, 134217728,
     {{1048576, 130.34, 130.86, 15.08, 15.02, 0, 0},           // line 46
      {134217728, 2800.93, 3023.61, 89.85, 83.23, 0, 0},       // line 53
      {67108864, 34125.2, 43656.8, 3.69, 2.88, 113492, 0}}},   // line 52
    // Banner "Collective test starting/concluded"; #wrong 96 and 32 at 1 MiB; a 7-digit Pid.
    {"olivia-gh200_gh200_2r2n.log", 0, 0, 2 * 25, 2, 2, 1, "f32", 4, "gpu-1-1", 8, 134217728,
     {{1048576, 477.32, 492.81, 2.20, 2.13, 96, 32},           // line 29
      {134217728, 5869.38, 5886.67, 22.87, 22.80, 0, 0}}},     // line 36
    {"olivia-gh200_gh200_8r2n_int8.log", 0, 0, 2 * 28, 8, 2, 4, "int8", 1, "gpu-1-1", 1, 134217728,
     {{1048576, 90.58, 89.09, 20.26, 20.60, 0, 0},             // line 38
      {134217728, 2309.49, 2182.20, 101.70, 107.63, 0, 0}}},   // line 45
};
enum { NCORPUS = sizeof corpus / sizeof corpus[0] };

// The reader's notes for the current log, one per line.
static char notes[16384];
static void note(void *ctx, const char *line) {
  (void)ctx;
  size_t at = strlen(notes);
  if (at + 1 < sizeof notes) snprintf(notes + at, sizeof notes - at, "%s\n", line);
}

// Equal up to the rounding of a decimal read twice (the log's text and this file's literal).
static bool same(double got, double want) {
  double d = got - want, m = want < 0 ? -want : want;
  if (d < 0) d = -d;
  return d <= 1e-9 * (m > 1 ? m : 1);
}

static void check_log(const corpus_log *c) {
  char path[1024], err[1024] = "";
  snprintf(path, sizeof path, "%s/%s", CORPUS_DIR, c->file);
  notes[0] = '\0';
  cc_nccltests_opts o = {.ranks = c->opt_ranks, .ranks_per_node = c->opt_per_node, .note = note};
  cc_rowset rs;
  cc_rowset_init(&rs);
  int rc = cc_nccltests_read(&rs, path, &o, err, sizeof err);
  CHECKF(rc == 0, "%s: not read: %s", c->file, err);
  CHECKF(!strstr(notes, "skipped"), "%s: the reader skipped something:\n%s", c->file, notes);
  CHECKF(rs.n == c->rows, "%s: %zu rows, want %zu (2 per data line)", c->file, rs.n, c->rows);
  if (rc != 0 || rs.n == 0) {
    cc_rowset_free(&rs);
    return;
  }

  // Every row: the run's layout, the collective, the type and reduction as the log prints them.
  for (size_t i = 0; i < rs.n; i++) {
    const cc_row *r = &rs.rows[i];
    CHECKF(r->ranks == c->ranks && r->nodes == c->nodes && r->ranks_per_node == c->per_node,
           "%s row %zu: %d ranks on %d nodes, %d per node; want %d, %d, %d", c->file, i, r->ranks, r->nodes,
           r->ranks_per_node, c->ranks, c->nodes, c->per_node);
    CHECKF(r->op && strcmp(r->op, "allreduce") == 0, "%s row %zu: op %s, want allreduce", c->file, i,
           r->op ? r->op : "(null)");
    CHECKF(r->dtype && strcmp(r->dtype, c->dtype) == 0, "%s row %zu: dtype %s, want %s", c->file, i,
           r->dtype ? r->dtype : "(null)", c->dtype);
    CHECKF(r->redop && strcmp(r->redop, "sum") == 0, "%s row %zu: redop %s, want sum", c->file, i,
           r->redop ? r->redop : "(null)");
    const char *want = forced_strategy(c->file);
    CHECKF(r->source && strcmp(r->source, "measured") == 0 && r->strategy && strcmp(r->strategy, want) == 0,
           "%s row %zu: source %s strategy %s, want measured %s", c->file, i, r->source ? r->source : "(null)",
           r->strategy ? r->strategy : "(null)", want);
    CHECKF(r->profile && strcmp(r->profile, c->profile) == 0, "%s row %zu: profile %s, want %s", c->file, i,
           r->profile ? r->profile : "(null)", c->profile);
    CHECKF(r->count * (uint64_t)c->elem_bytes == r->bytes, "%s row %zu: %llu elements in %llu bytes of %s", c->file,
           i, (unsigned long long)r->count, (unsigned long long)r->bytes, c->dtype);
    CHECKF(r->time_us > 0, "%s row %zu: time %g us", c->file, i, r->time_us);
  }
  // Two rows per data line, same size; the sweep goes up (the EKS log repeats size 0).
  CHECKF(rs.n % 2 == 0, "%s: %zu rows, not two per data line", c->file, rs.n);
  for (size_t i = 0; i + 1 < rs.n; i += 2) {
    CHECKF(rs.rows[i].bytes == rs.rows[i + 1].bytes, "%s rows %zu, %zu: sizes %llu and %llu from one line",
           c->file, i, i + 1, (unsigned long long)rs.rows[i].bytes, (unsigned long long)rs.rows[i + 1].bytes);
    if (i >= 2)
      CHECKF(rs.rows[i].bytes >= rs.rows[i - 2].bytes, "%s row %zu: size %llu after %llu", c->file, i,
             (unsigned long long)rs.rows[i].bytes, (unsigned long long)rs.rows[i - 2].bytes);
  }
  CHECKF(rs.rows[0].bytes == c->first, "%s: first size %llu, want %llu", c->file,
         (unsigned long long)rs.rows[0].bytes, (unsigned long long)c->first);
  CHECKF(rs.rows[rs.n - 1].bytes == c->last, "%s: last size %llu, want %llu", c->file,
         (unsigned long long)rs.rows[rs.n - 1].bytes, (unsigned long long)c->last);

  // The hand-read lines: out-of-place first, then in-place.
  int large = 0;
  for (int k = 0; k < 3 && c->p[k].oop_us > 0; k++) {
    const point *p = &c->p[k];
    if (p->bytes >= 64ull << 20) large++;
    size_t at = rs.n;
    for (size_t i = 0; i + 1 < rs.n; i += 2)
      if (rs.rows[i].bytes == p->bytes) {
        at = i;
        break;
      }
    CHECKF(at < rs.n, "%s: no row of %llu bytes", c->file, (unsigned long long)p->bytes);
    if (at >= rs.n) continue;
    const cc_row *oop = &rs.rows[at], *ip = &rs.rows[at + 1];
    CHECKF(same(oop->time_us, p->oop_us) && same(ip->time_us, p->ip_us),
           "%s %llu B: times %g (out-of-place), %g (in-place); want %g, %g", c->file, (unsigned long long)p->bytes,
           oop->time_us, ip->time_us, p->oop_us, p->ip_us);
    CHECKF(same(oop->busbw_GBps, p->oop_busbw) && same(ip->busbw_GBps, p->ip_busbw),
           "%s %llu B: busbw %g (out-of-place), %g (in-place); want %g, %g", c->file, (unsigned long long)p->bytes,
           oop->busbw_GBps, ip->busbw_GBps, p->oop_busbw, p->ip_busbw);
    CHECKF(same(oop->time_min_us, p->oop_us) && same(oop->time_max_us, p->oop_us) && same(oop->comm_us, p->oop_us),
           "%s %llu B: min/max/comm %g/%g/%g, want the one time %g", c->file, (unsigned long long)p->bytes,
           oop->time_min_us, oop->time_max_us, oop->comm_us, p->oop_us);
    CHECKF(oop->errors == p->oop_wrong && ip->errors == p->ip_wrong, "%s %llu B: #wrong %lld, %lld; want %lld, %lld",
           c->file, (unsigned long long)p->bytes, oop->errors, ip->errors, p->oop_wrong, p->ip_wrong);
  }
  // One line of 64 MiB or more in each log (all of them have one).
  CHECKF(large >= 1, "%s: no hand-read line of 64 MiB or more in the table", c->file);
  cc_rowset_free(&rs);
}

// Every .log in the folder has an entry, and every entry a file.
static void check_coverage(void) {
  bool seen[NCORPUS] = {false};
  DIR *d = opendir(CORPUS_DIR);
  CHECKF(d != NULL, "cannot list %s", CORPUS_DIR);
  if (!d) return;
  int logs = 0;
  for (struct dirent *e; (e = readdir(d));) {
    size_t n = strlen(e->d_name);
    if (n < 4 || strcmp(e->d_name + n - 4, ".log") != 0) continue;
    logs++;
    int at = -1;
    for (int i = 0; i < NCORPUS; i++)
      if (strcmp(corpus[i].file, e->d_name) == 0) at = i;
    CHECKF(at >= 0, "%s/%s has no entry in test_corpus.c: read it by hand and add one", CORPUS_DIR, e->d_name);
    if (at >= 0) seen[at] = true;
  }
  closedir(d);
  for (int i = 0; i < NCORPUS; i++) CHECKF(seen[i], "%s: in the table but not in %s", corpus[i].file, CORPUS_DIR);
  CHECKF(logs == NCORPUS, "%d .log files in %s, %d entries", logs, CORPUS_DIR, (int)NCORPUS);
}

int main(void) {
  check_coverage();
  for (int i = 0; i < NCORPUS; i++) check_log(&corpus[i]);
  return check_done("test_sim_corpus");
}
