// ccsim: predicts every strategy ccbench measures, from a profile calibrated on measurements.
//
//   ccsim calibrate --from meas.csv [--from nccl-tests.log] [--from ccbench-stdout.txt] -o host.profile
//   ccsim predict   --profile P -s ring,tree -b 8 -e 256M -f 2 --ranks 2..4096 [--csv out.csv]
//   ccsim validate  --profile P --against meas.csv [--csv predicted.csv] [--errors errors.csv]
//   ccsim step      --profile P -s ring,hier --params 124M --compute-ms 300 --ranks 8..4096
//   ccsim show      --profile P
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/error.h"
#include "common/json.h"
#include "common/output_check.h"
#include "common/readfile.h"
#include "common/rows.h"
#include "common/strategy.h"
#include "common/timer.h"
#include "common/version.h"
#include "sim/calibrate.h"
#include "sim/ccbench_text.h"
#include "sim/compressed_model.h"
#include "sim/crossval.h"
#include "sim/model.h"
#include "sim/nccltests.h"
#include "sim/profile.h"
#include "sim/step.h"
#include "sim/validate.h"

#define MAX_LIST 256

// --- lists shared by the subcommands --------------------------------------------------------------

typedef struct {
  cc_strategy s[MAX_LIST];
  int n;
} strategy_list;

typedef struct {
  int v[MAX_LIST];
  int n;
} int_list;

// "2,3,6" or "2..4096" (doubling) or a mix: "3,6,12,16..1024".
static int add_ranks(const char *item, size_t len, void *ctx) {
  int_list *l = ctx;
  if (len == 0) cc_input_error("--ranks: an empty item (a stray comma?)");
  char text[64];
  snprintf(text, sizeof text, "%.*s", (int)(len < 63 ? len : 63), item);
  char *dots = strstr(text, "..");
  long long lo, hi;
  if (dots) {
    *dots = '\0';
    if (cc_parse_int(text, &lo) != 0 || cc_parse_int(dots + 2, &hi) != 0 || lo < 1 || hi < lo || hi > 1 << 24)
      cc_input_error("--ranks: '%.*s' is not a range like 2..4096", (int)len, item);
  } else if (cc_parse_int(text, &lo) != 0 || lo < 1 || lo > 1 << 24) {
    cc_input_error("--ranks: '%s' is not a rank count (1 .. 16777216)", text);
  } else {
    hi = lo;
  }
  for (long long r = lo; r <= hi; r *= 2) {
    if (l->n == MAX_LIST) cc_input_error("--ranks: more than %d rank counts", MAX_LIST);
    l->v[l->n++] = (int)r;
  }
  return 0;
}

// The strategies and rank counts predict and step sweep; without --ranks, the profile's whole machine.
static void parse_sweep(const char *strategies, const char *ranks_text, const cc_profile *p, strategy_list *sl,
                        int_list *rl) {
  char err[256];
  rl->n = 0;
  // A compressor's options may hold a comma ("ring+topk:0.01,approx,rd" is two strategies).
  sl->n = cc_strategy_parse_list(strategies, sl->s, MAX_LIST, err, sizeof err);
  if (sl->n < 0) cc_input_error("-s/--strategies: %s", err);
  if (ranks_text) cc_split_list(ranks_text, add_ranks, rl);
  else rl->v[rl->n++] = p->ranks_per_node * p->nodes;
}

static void build_sizes(uint64_t lo, uint64_t hi, long long factor, uint64_t *sizes, int *n) {
  if (lo > hi) cc_input_error("-b/--minbytes is larger than -e/--maxbytes");
  *n = 0;
  for (uint64_t s = lo; s <= hi;) {
    if (*n == MAX_LIST) cc_input_error("-b/-e/-f: more than %d sizes; raise -f", MAX_LIST);
    sizes[(*n)++] = s;
    uint64_t next = s ? s * (uint64_t)factor : 1;
    if (next <= s) break;
    s = next;
  }
}

static int dtype_size(const char *name) {
  static const struct {
    const char *name;
    int size;
  } known[] = {{"f32", 4}, {"float", 4}, {"f64", 8}, {"double", 8}, {"f16", 2}, {"half", 2}, {"bf16", 2}, {"bfloat16", 2}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(name, known[i].name) == 0) return known[i].size;
  cc_input_error("-d/--dtype: unknown dtype '%s' (f32, f64, f16, bf16)", name);
}

static cc_profile load_profile(const char *path) {
  cc_profile p;
  char err[512];
  if (!path) cc_input_error("--profile is required (e.g. profiles/dgx-h100.profile)");
  if (cc_profile_read(&p, path, err, sizeof err) != 0) cc_input_error("--profile: %s", err);
  return p;
}

// One line per thing the text readers (nccl-tests, ccbench) skipped or assumed.
static void print_note(void *ctx, const char *msg) {
  (void)ctx;
  fprintf(stderr, "ccsim: note: %s\n", msg);
}

// Measured rows from CSV files in the row schema, ccbench's text tables or nccl-tests logs, told apart
// by content: a ccbench table header names a strategy column, which nccl-tests' never does. `ranks`
// and `per_node` (0: from the log) give the layout of logs that do not say it.
static void read_measurements(cc_rowset *rs, const char *flag, const char **paths, int npaths, int ranks, int per_node) {
  cc_nccltests_opts log = {.ranks = ranks, .ranks_per_node = per_node, .note = print_note};
  cc_ccbench_text_opts table = {.ranks = ranks, .ranks_per_node = per_node, .note = print_note};
  for (int i = 0; i < npaths; i++) {
    char err[512];
    char *text = cc_read_text_file(paths[i], NULL, err, sizeof err);
    if (!text) cc_input_error("%s: %s", flag, err);
    int rc = cc_ccbench_text_sniff(text) ? cc_ccbench_text_parse(rs, text, paths[i], &table, err, sizeof err)
             : cc_nccltests_sniff(text)  ? cc_nccltests_parse(rs, text, paths[i], &log, err, sizeof err)
                                         : cc_rowset_read_csv(rs, paths[i], err, sizeof err);
    free(text);
    if (rc != 0) cc_input_error("%s: %s", flag, err);
  }
}

// Repeated file flags ("--from a --from b") are collected before the option parser sees them.
static int collect_repeated(int argc, char **argv, const char *flag, const char **out, int max) {
  int n = 0;
  size_t len = strlen(flag);
  for (int i = 1; i < argc; i++) {
    const char *v = NULL;
    if (strcmp(argv[i], flag) == 0 && i + 1 < argc) v = argv[i + 1];
    else if (strncmp(argv[i], flag, len) == 0 && argv[i][len] == '=') v = argv[i] + len + 1;
    if (!v) continue;
    if (n == max) cc_input_error("%s: more than %d files", flag, max);
    out[n++] = v;
  }
  return n;
}

static void parse_or_exit(const cc_cli *cli, int argc, char **argv) {
  char err[512];
  cc_cli_result r = cc_cli_parse(cli, argc, argv, NULL, NULL, err, sizeof err);
  if (r == CC_CLI_HELP) {
    cc_cli_print_help(cli, stdout);
    exit(0);
  }
  if (r != CC_CLI_OK) cc_input_error("%s", err);
}

// --- error summaries (calibrate and validate) -----------------------------------------------------

// The indices of the checks where each strategy first appears, in that order; returns how many.
static size_t first_of_each_strategy(const cc_check *checks, size_t n, size_t *firsts) {
  size_t nf = 0;
  for (size_t i = 0; i < n; i++) {
    bool seen = false;
    for (size_t k = 0; k < nf && !seen; k++) seen = strcmp(checks[firsts[k]].obs.strategy.name, checks[i].obs.strategy.name) == 0;
    if (!seen) firsts[nf++] = i;
  }
  return nf;
}

static void print_error_table(const cc_check *checks, size_t n, double min_bytes) {
  size_t *firsts = cc_malloc(sizeof(size_t) * (n ? n : 1)), ns = first_of_each_strategy(checks, n, firsts);
  char minb[32];
  cc_format_size((uint64_t)min_bytes, minb, sizeof minb);
  printf("# relative error |predicted - measured| / measured: median / worst (rows)\n");
  printf("%-18s", "# strategy");
  for (int b = 0; b < CC_NBANDS; b++) printf(" %20s", cc_band_name(b));
  printf(" %20s\n", ">= min");
  for (size_t k = 0; k <= ns; k++) {
    const char *name = k < ns ? checks[firsts[k]].obs.strategy.name : NULL;
    printf("%-18s", name ? name : "all");
    for (int b = 0; b <= CC_NBANDS; b++) {
      cc_error_stats s = b < CC_NBANDS ? cc_error_summary(checks, n, name, b, 0)
                                       : cc_error_summary(checks, n, name, -1, min_bytes);
      char cell[64];
      if (s.n) snprintf(cell, sizeof cell, "%5.1f%% /%6.1f%% (%zu)", 100 * s.median, 100 * s.worst, s.n);
      else snprintf(cell, sizeof cell, "-");
      printf(" %20s", cell);
    }
    printf("\n");
  }
  printf("# '>= min' is every size from %s up\n", minb);
  free(firsts);
}

// --- files ----------------------------------------------------------------------------------------

// Before any work: every output can be written and no file is named twice (output_check.h).
// uses may list NULL paths (flags not given).
static void check_files(const cc_file_use *uses, int n) {
  char msg[1024];
  if (cc_check_files(uses, n, msg, sizeof msg)) cc_input_error("%s", msg);
}

// A result file's sidecar (none beside a device, FIFO or stdout); one that cannot be written fails the run.
static void write_meta(cc_meta *m, const char *flag, const char *results, bool stream) {
  if (!stream) {
    char side[4096];
    snprintf(side, sizeof side, "%s%s", results, CC_META_SUFFIX);
    if (cc_meta_write(m, side) != 0) cc_output_error("%s: cannot write '%s': %s", flag, side, strerror(errno));
  }
  cc_meta_free(m);
}

// --- calibrate ------------------------------------------------------------------------------------

// The compressors' fitted rates, one line each (nothing when the rows had no compressed strategy).
static void print_compressors(const cc_profile *p, const cc_calib_report *rep) {
  for (int k = 0; k < rep->ncompress; k++) {
    const cc_compress_cost *c = cc_profile_compress(p, rep->compress[k].name);
    if (!c) {
      printf("# compress %s: no encode_us/decode_us in its rows, not fitted\n", rep->compress[k].name);
      continue;
    }
    printf("# compress %s: encode %.3f us + %.4f ns/elem", c->name, c->encode_us, c->encode_ns_per_elem);
    if (c->encode_ns_per_flop > 0) printf(" + %.4f ns/flop", c->encode_ns_per_flop);
    printf(" (%zu rows, rms %.1f%%); decode %.3f us + %.4f ns/elem per payload (%zu rows, rms %.1f%%)\n",
           rep->compress[k].encode_rows, 100 * rep->compress[k].encode_rms, c->decode_us, c->decode_ns_per_elem,
           rep->compress[k].decode_rows, 100 * rep->compress[k].decode_rms);
  }
  if (rep->compress_dropped)
    printf("# compress: %zu more spellings not fitted (at most %d per profile)\n", rep->compress_dropped,
           CC_PROFILE_MAX_COMPRESS);
}

static void print_bandwidth(const char *what, double ns_per_byte) {
  if (ns_per_byte > 0) printf("%s %.5f ns/B (%.2f GB/s)", what, ns_per_byte, 1 / ns_per_byte);
  else printf("%s 0 (no cost fitted)", what);
}

// The host algorithms' fit: base, links, protocol, memory, the mpi model. A level no row exercised is
// said to be copied, on stdout and as a warning.
static void print_host_fit(const cc_profile *prof, const cc_calib_report *rep, int levels) {
  printf("# host: %d level%s, %d refit%s, rms relative error %.1f%%\n", levels, levels > 1 ? "s" : "", rep->iterations,
         rep->iterations > 1 ? "s" : "", 100 * rep->rms_rel_error);
  printf("# base %.3f us\n", prof->base_us);
  for (int l = 0; l < (levels == 1 ? 1 : CC_NLEVELS); l++) {
    const cc_link *k = &prof->link[l];
    printf("# %s: alpha %.3f us, ", levels == 1 ? "link" : cc_level_name((cc_level)l), k->alpha_us);
    print_bandwidth("beta", k->beta_ns_per_byte);
    print_bandwidth(", gamma", k->gamma_ns_per_byte);
    bool copied = !rep->identified[1 + 3 * l];
    printf("%s\n", copied ? "  (undetermined: no row depends on this level; copied from the other)" : "");
    if (copied) cc_warn("%s.alpha_us, beta_ns_per_byte, gamma_ns_per_byte: undetermined (no row depends on this level): "
                        "copied from the other level", cc_level_name((cc_level)l));
  }
  if (prof->nics_per_node > 0)
    printf("# network: %d NIC%s per node at %.6g GB/s, of which %.1f%% carries payload%s\n", prof->nics_per_node,
           prof->nics_per_node > 1 ? "s" : "", prof->nic_GBps, 100 * prof->nic_efficiency,
           rep->identified[CC_CALIB_NPARAMS - 1] ? " (fitted: rows are bound by the node's network)"
                                                 : " (as given: no row is bound by the node's network)");
  if (prof->eager_bytes)
    printf("# protocol: messages over %llu B pay a %.3f us rendezvous\n", (unsigned long long)prof->eager_bytes,
           prof->rndv_us);
  else printf("# protocol: no rendezvous cost fitted\n");
  if (prof->cache_bytes)
    printf("# memory: working sets beyond %.1f MiB per node pay %.5f ns/B more on bytes moved and %.5f ns/B on "
           "bytes reduced that miss\n", prof->cache_bytes / 1048576.0, prof->mem_ns_per_byte, prof->mem_reduce_ns_per_byte);
  else printf("# memory: no cache effect fitted\n");
  if (prof->fault_ns_per_byte > 0)
    printf("# mpi temporaries >= %.0f MiB: %.5f ns/B page faults\n", prof->mmap_threshold_bytes / 1048576.0,
           prof->fault_ns_per_byte);
  if (prof->mpi_decision != CC_MPI_SWITCH) printf("# mpi: %s's algorithm choice", prof->mpi_decision == CC_MPI_MPICH ? "MPICH" : "Open MPI 4.1");
  else if (prof->mpi_rd_max_bytes == UINT64_MAX) printf("# mpi: recursive doubling at every size");
  else printf("# mpi: recursive doubling below %llu B, ring above", (unsigned long long)prof->mpi_rd_max_bytes);
  printf("; library overhead %.3f us per call, %.5f ns/B more per reduced byte\n", prof->mpi_base_us,
         prof->mpi_gamma_ns_per_byte);
}

// NCCL's fit: every pair some row could run, its five terms and what the fit found out about each
// (the same words as the profile's comments); one warning per pair naming its undetermined terms.
static void print_nccl_fit(const cc_profile *prof, const cc_nccl_fit_report *r) {
  printf("# nccl: %zu rows, rms relative error %.1f%%; the cheapest pair at the measured sizes:", r->rows,
         100 * r->rms_rel_error);
  for (int a = 0; a < CC_NCCL_NALGOS; a++)
    for (int pr = 0; pr < CC_NCCL_NPROTOS; pr++)
      if (r->runs[a] & (1u << pr)) printf(" %s/%s", cc_nccl_algo_name((cc_nccl_algo)a), cc_nccl_proto_name((cc_nccl_proto)pr));
  printf("\n");
  for (int a = 0; a < CC_NCCL_NALGOS; a++)
    for (int pr = 0; pr < CC_NCCL_NPROTOS; pr++) {
      int b = cc_nccl_param((cc_nccl_algo)a, (cc_nccl_proto)pr, CC_NCCL_BASE_US);
      if (!r->free_param[b]) continue;
      const double *x = &prof->nccl[b];
      printf("# nccl.%s.%s: base %.3g us, hop %.3g us in a node, %.3g us between nodes, %.4g GB/s in a node, %.4g GB/s "
             "network\n", cc_nccl_algo_name((cc_nccl_algo)a), cc_nccl_proto_name((cc_nccl_proto)pr), x[0], x[1], x[2],
             x[3] > 0 ? 1 / x[3] : 0, x[4] > 0 ? 1 / x[4] : 0);
      char undetermined[256] = "", bound[256] = "";
      for (int k = 0; k < CC_NCCL_NKINDS; k++) {
        char *list = r->note[b + k] == CC_NOTE_UNDETERMINED ? undetermined : r->note[b + k] == CC_NOTE_AT_BOUND ? bound : NULL;
        if (list) snprintf(list + strlen(list), 256 - strlen(list), "%s%s", list[0] ? ", " : "", cc_nccl_kind_name((cc_nccl_kind)k));
      }
      if (undetermined[0]) {
        printf("#   %s: %s\n", undetermined, cc_param_note_text(CC_NOTE_UNDETERMINED));
        cc_warn("nccl.%s.%s: %s undetermined by the measurements: the prior (the profile's value, else NCCL's default) "
                "decides them",
                cc_nccl_algo_name((cc_nccl_algo)a), cc_nccl_proto_name((cc_nccl_proto)pr), undetermined);
      }
      if (bound[0]) printf("#   %s: %s\n", bound, cc_param_note_text(CC_NOTE_AT_BOUND));
    }
}

static int cmd_calibrate(int argc, char **argv) {
  const char *files[MAX_LIST], *out = NULL, *from_flag = NULL, *name = NULL, *fit = NULL, *cache = "auto", *eager = "auto",
             *mpi = "openmpi";
  long long levels = 0, ranks = 0, per_node = 0, nodes = 0, starts = 32;
  double prior_weight = 0.01;
  uint64_t min_bytes = 0, report_min = 64 << 10, segment = 1 << 20, chunk = 256 << 10;
  const char *base = NULL;
  cc_option opts[] = {
      {"from", 0, CC_OPT_STRING, &from_flag, "FILE",
       "measurements: ccbench CSV, ccbench's text output or nccl-tests output (repeat for more files)", 0, 0},
      {"profile", 'p', CC_OPT_STRING, &base, "FILE",
       "start from this profile: its hardware (ceilings), NCCL's algorithms, and its values as the priors the "
       "fit keeps where the measurements cannot tell (default: NCCL's published defaults, no ceilings)", 0, 0},
      {"output", 'o', CC_OPT_STRING, &out, "FILE", "profile to write", 0, 0},
      {"name", 0, CC_OPT_STRING, &name, "NAME", "profile name (default: the rows' profile column)", 0, 0},
      {"levels", 0, CC_OPT_INT, &levels, "N",
       "1: one link for all steps (one host), 2: intra and inter apart (default: 2 if rows span nodes)", 0, 2},
      {"fit-strategies", 0, CC_OPT_STRING, &fit, "LIST",
       "strategies whose rows drive the fit (default: all but mpi/nccl when others are present)", 0, 0},
      {"min-bytes", 0, CC_OPT_SIZE, &min_bytes, "SIZE", "fit only rows at least this large", 0, 0},
      {"report-min", 0, CC_OPT_SIZE, &report_min, "SIZE", "smallest size in the '>= min' error column", 0, 0},
      {"ranks", 0, CC_OPT_INT, &ranks, "N",
       "rank count of text logs that do not say it (nccl-tests without '#  Rank' lines, a ccbench table "
       "without its '# N ranks on M nodes' line)", 0, 1 << 24},
      {"prior-weight", 0, CC_OPT_DOUBLE, &prior_weight, "W",
       "NCCL fit: how strongly parameters keep their prior, against one row's relative error (default 0.01)", 0, 1e6},
      {"starts", 0, CC_OPT_INT, &starts, "N", "NCCL fit: starting points tried (default 32)", 1, 10000},
      {"ranks-per-node", 0, CC_OPT_INT, &per_node, "N",
       "ranks per node of text logs that do not say it, and the profile's shape (default: from the rows)", 0,
       1 << 24},
      {"nodes", 0, CC_OPT_INT, &nodes, "N", "profile shape (default: from the rows)", 0, 1 << 24},
      {"ring-segment", 0, CC_OPT_SIZE, &segment, "SIZE", "ccbench --ring-segment of the measurements", 1, 1e15},
      {"tree-chunk", 0, CC_OPT_SIZE, &chunk, "SIZE", "ccbench --tree-chunk of the measurements", 1, 1e15},
      {"cache", 0, CC_OPT_STRING, &cache, "SIZE|auto|none",
       "cache that holds a node's working set: auto searches powers of two, none fits no memory term "
       "(default: auto)", 0, 0},
      {"eager", 0, CC_OPT_STRING, &eager, "SIZE|auto|none",
       "largest message sent eagerly; larger ones pay a rendezvous: auto searches powers of two "
       "(default: auto)", 0, 0},
      {"mpi", 0, CC_OPT_STRING, &mpi, "openmpi|mpich|switch|auto",
       "how the mpi rows' library picks its allreduce algorithm: Open MPI 4.1's table, MPICH's, one "
       "switch from recursive doubling to ring, or auto: whichever explains the rows best (default: "
       "openmpi, the MPI ccbench runs on)", 0, 0},
  };
  cc_cli cli = {.prog = "ccsim calibrate", .usage = "ccsim calibrate --from FILE [--from FILE...] -o OUT.profile",
                .summary = "Fits base, alpha, beta and gamma (per link level), the host memory terms (cache "
                           "miss, page faults of MPI's temporaries; all >= 0) by least squares on the relative error, from ccbench CSV rows or text output and/or nccl-tests logs, and writes a profile. "
                           "Prints the fitted values and the fit's error per strategy and size band.",
                .opts = opts, .nopts = sizeof opts / sizeof opts[0]};
  parse_or_exit(&cli, argc, argv);
  int nfiles = collect_repeated(argc, argv, "--from", files, MAX_LIST);
  if (nfiles == 0) cc_input_error("--from: give at least one measurement file");
  if (!out) cc_input_error("-o/--output: name the profile to write");
  cc_file_use uses[MAX_LIST + 2] = {{"-o/--output", out, true}, {"-p/--profile", base, false}};
  for (int i = 0; i < nfiles; i++) uses[2 + i] = (cc_file_use){"--from", files[i], false};
  check_files(uses, 2 + nfiles);
  char why[256];
  if (name && cc_name_check(name, why, sizeof why) != 0) cc_input_error("--name: %s", why);
  if (fit) {  // every item a strategy: a misspelt one would silently fit nothing
    strategy_list listed;
    if (cc_strategy_parse_list(fit, listed.s, MAX_LIST, why, sizeof why) < 0) cc_input_error("--fit-strategies: %s", why);
  }

  cc_rowset rs;
  cc_rowset_init(&rs);
  read_measurements(&rs, "--from", files, nfiles, (int)ranks, (int)per_node);

  cc_profile prof;
  if (base) prof = load_profile(base);
  else cc_profile_init(&prof);
  prof.ring_segment_bytes = segment;
  prof.tree_chunk_bytes = chunk;
  int max_ranks = 0, span_nodes = 0, rows_per_node = 0;
  for (size_t i = 0; i < rs.n; i++)
    if (rs.rows[i].ranks > max_ranks) {
      max_ranks = rs.rows[i].ranks;
      span_nodes = rs.rows[i].nodes > 0 ? rs.rows[i].nodes : 1;
      rows_per_node = rs.rows[i].ranks_per_node > 0 ? rs.rows[i].ranks_per_node : max_ranks;
    }
  if (levels == 0) levels = span_nodes > 1 ? 2 : 1;
  // One level means one kind of link: the machine is one node of all the ranks.
  prof.ranks_per_node = per_node ? (int)per_node : levels == 1 ? (max_ranks ? max_ranks : 1) : rows_per_node;
  prof.nodes = nodes ? (int)nodes : levels == 1 ? 1 : span_nodes;
  if (name || !base) {  // the rows' profile column when --name does not say; it must make a name too
    const char *named = name ? name : rs.n && rs.rows[0].profile && rs.rows[0].profile[0] ? rs.rows[0].profile : "calibrated";
    if (cc_name_check(named, why, sizeof why) != 0)
      cc_input_error("--name: needed, as the rows' profile column cannot name the profile: %s", why);
    snprintf(prof.name, sizeof prof.name, "%s", named);
  }

  cc_calib_opts co = {.levels = (int)levels, .strategies = fit, .min_bytes = (double)min_bytes,
                      .nccl = {.prior_weight = prior_weight, .starts = (int)starts}};
  if (strcmp(cache, "none") == 0) co.cache_bytes = UINT64_MAX;
  else if (strcmp(cache, "auto") != 0 && (cc_parse_size(cache, &co.cache_bytes) != 0 || co.cache_bytes == 0))
    cc_input_error("--cache: '%s' is not a size, 'auto' or 'none'", cache);
  if (strcmp(eager, "none") == 0) co.eager_bytes = UINT64_MAX;
  else if (strcmp(eager, "auto") != 0 && (cc_parse_size(eager, &co.eager_bytes) != 0 || co.eager_bytes == 0))
    cc_input_error("--eager: '%s' is not a size, 'auto' or 'none'", eager);
  for (int d = 0; d < CC_MPI_NDECISIONS; d++)
    if (strcmp(mpi, cc_mpi_decision_name((cc_mpi_decision)d)) == 0) co.fix_mpi_decision = true, co.mpi_decision = (cc_mpi_decision)d;
  if (!co.fix_mpi_decision && strcmp(mpi, "auto") != 0)
    cc_input_error("--mpi: '%s' is not openmpi, mpich, switch or auto", mpi);
  cc_calib_report rep;
  char err[512];
  if (cc_calibrate(&rs, &co, &prof, &rep, err, sizeof err) != 0) cc_input_error("--from: %s", err);

  char files_joined[1024] = "";
  for (int i = 0; i < nfiles; i++)
    snprintf(files_joined + strlen(files_joined), sizeof files_joined - strlen(files_joined), "%s%s", i ? ", " : "", files[i]);
  int len = snprintf(prof.source, sizeof prof.source, "ccsim calibrate (%s) from %s: %zu rows, rms relative error %.1f%%",
                     cc_commit(), files_joined, rep.rows_fit, 100 * rep.rms_rel_error);
  if (len >= (int)sizeof prof.source) memcpy(prof.source + sizeof prof.source - 4, "...", 4);  // many files
  if (cc_profile_write(&prof, out, "Calibrated by ccsim calibrate; edit freely, docs/FORMATS.md describes the keys.") != 0)
    cc_output_error("-o/--output: cannot write '%s': %s", out, strerror(errno));

  printf("# ccsim calibrate: %zu rows fit (%zu unusable%s%s; %zu slower repeats of a point left out)\n", rep.rows_fit,
         rep.rows_skipped, rep.skip_reason[0] ? "; first: " : "", rep.skip_reason, rep.repeats);
  if (rep.host_fit) print_host_fit(&prof, &rep, (int)levels);
  if (rep.nccl_fit) print_nccl_fit(&prof, &rep.nccl);
  print_compressors(&prof, &rep);
  printf("# wrote %s\n", out);

  cc_check *checks;
  size_t skipped, n = cc_validate(&prof, &rs, &checks, &skipped, NULL, err, sizeof err);
  print_error_table(checks, n, (double)report_min);
  free(checks);
  cc_rowset_free(&rs);
  return 0;
}

// --- predict --------------------------------------------------------------------------------------

typedef struct {
  cc_rowfile csv, json;
  bool have_csv, have_json;
  const char *csv_path, *json_path;
} outputs;

static void open_outputs(outputs *o, const char *csv, const char *json) {
  *o = (outputs){.csv_path = csv, .json_path = json};
  if (csv && cc_rowfile_open(&o->csv, csv, CC_ROWS_CSV) != 0) cc_input_error("--csv: cannot write '%s': %s", csv, o->csv.af.why);
  o->have_csv = csv != NULL;
  if (json && cc_rowfile_open(&o->json, json, CC_ROWS_JSONL) != 0) {
    if (o->have_csv) cc_rowfile_discard(&o->csv);
    cc_input_error("--json: cannot write '%s': %s", json, o->json.af.why);
  }
  o->have_json = json != NULL;
}

static void close_outputs_discard(outputs *o) {
  if (o->have_csv) cc_rowfile_discard(&o->csv);
  if (o->have_json) cc_rowfile_discard(&o->json);
  o->have_csv = o->have_json = false;
}

// A failed write (a full disk) ends the run at once: no file is left holding the space, the
// previous results stay as they were.
static _Noreturn void output_failed(outputs *o, const char *flag, const char *path, const cc_afile *af) {
  char why[sizeof af->why];
  memcpy(why, af->why, sizeof why);
  close_outputs_discard(o);
  cc_output_error("%s: cannot write '%s': %s", flag, path, why);
}

static void write_row(outputs *o, const cc_row *r) {
  if (o->have_csv && cc_rowfile_write(&o->csv, r) != 0) output_failed(o, "--csv", o->csv_path, &o->csv.af);
  if (o->have_json && cc_rowfile_write(&o->json, r) != 0) output_failed(o, "--json", o->json_path, &o->json.af);
}

static void close_outputs(outputs *o, const char *csv, const char *json, const char *tool, int argc, char **argv,
                          const char *note) {
  const char *paths[2] = {csv, json}, *flags[2] = {"--csv", "--json"};
  cc_rowfile *files[2] = {&o->csv, &o->json};
  bool *have[2] = {&o->have_csv, &o->have_json};
  for (int i = 0; i < 2; i++) {
    if (!*have[i]) continue;
    *have[i] = false;
    if (cc_rowfile_commit(files[i]) != 0) output_failed(o, flags[i], paths[i], &files[i]->af);
    cc_meta m;
    cc_meta_init(&m);
    cc_meta_standard(&m, tool, argc, argv);
    cc_meta_str(&m, "results", paths[i]);
    if (note && note[0]) cc_meta_str(&m, "note", note);
    write_meta(&m, flags[i], paths[i], files[i]->af.direct);
  }
}

// <path>.meta.json for a table that is not rows (validate --errors, step --csv): the standard fields,
// the profile, and a note on what the numbers leave to defaults (NULL or empty: none).
static void write_sidecar(const char *flag, const char *path, bool stream, const char *tool, int argc, char **argv,
                          const cc_profile *p, const char *profile_path, const char *note) {
  cc_meta m;
  cc_meta_init(&m);
  cc_meta_standard(&m, tool, argc, argv);
  cc_meta_str(&m, "results", path);
  cc_meta_str(&m, "profile", profile_path);
  cc_meta_str(&m, "profile_name", p->name);
  if (note && note[0]) cc_meta_str(&m, "note", note);
  write_meta(&m, flag, path, stream);
}

// The row of one prediction; strings must outlive the write.
static cc_row predicted_row(const cc_profile *p, const cc_strategy *s, cc_coll op, const char *dtype, int esize,
                            cc_topology t, double bytes, const cc_cost *c) {
  double us = cc_cost_time_us(p, c);
  double algbw = us > 0 ? bytes / us * 1e-3 : 0;
  int per_node = t.ranks_per_node < t.ranks ? t.ranks_per_node : t.ranks;
  return (cc_row){.source = "predicted", .op = cc_coll_name(op), .strategy = s->name, .algo = s->algo_name,
                  .compress = s->compress, .dtype = dtype, .ranks = t.ranks,
                  .nodes = (t.ranks + per_node - 1) / per_node, .ranks_per_node = per_node,
                  .bytes = (uint64_t)bytes, .count = (uint64_t)bytes / (uint64_t)esize, .time_us = us,
                  .time_min_us = us, .time_max_us = us, .algbw_GBps = algbw,
                  .busbw_GBps = algbw * cc_busbw_factor(op, t.ranks), .wire_bytes = (uint64_t)cc_cost_wire_bytes(c),
                  .errors = -1, .profile = p->name, .comm_us = us, .rel_err = -1};
}

// A compressed prediction's split into encode, communication and decode, as ccbench reports it.
static void split_phases(const cc_profile *p, const cc_cost *c, cc_row *row) {
  if (!c->compress[0]) return;
  row->encode_us = cc_cost_encode_us(p, c);
  row->decode_us = cc_cost_decode_us(p, c);
  row->comm_us = row->time_us - row->encode_us - row->decode_us;
}

// Compressors the profile has no rates for, priced by the defaults: one warning naming them, and the
// same words for a sidecar's note. Empty when every compressor has its rates.
static void default_rates_note(const cc_profile *p, const cc_strategy *s, int n, char *note, size_t len) {
  char names[512] = "";
  for (int k = 0; k < n; k++) {
    cc_compress_cost r;
    bool ef;
    if (!s[k].compressed ||
        cc_compress_rates_of(p, s[k].compressor.name, (int)s[k].compressor.kind, &r, &ef) != CC_RATES_DEFAULT ||
        strstr(names, s[k].compressor.name))
      continue;
    size_t at = strlen(names);
    snprintf(names + at, sizeof names - at, "%s%s", at ? ", " : "", s[k].compressor.name);
  }
  note[0] = '\0';
  if (!names[0]) return;
  cc_warn("encode/decode of %s priced by default rates from the profile's intra link (no compress.* costs in "
          "profile %s; ccsim calibrate fits them from compressed ccbench rows)", names, p->name);
  snprintf(note, len, "default encode/decode rates for %s (no compress.* costs in the profile)", names);
}

// predict skips a (strategy, rank count) at the first size the model cannot price, so when none of
// them prices at the smallest size nothing would be written: say why (the first reason) instead.
static void require_something_priced(const cc_profile *p, const strategy_list *sl, const int_list *rl, int rpn,
                                     cc_coll op, double bytes) {
  char first[512] = "";
  for (int r = 0; r < rl->n; r++)
    for (int k = 0; k < sl->n; k++) {
      cc_topology t = {.ranks = rl->v[r], .ranks_per_node = rpn};
      cc_cost c;
      char err[256];
      if (cc_model_cost(p, &sl->s[k], op, t, bytes, &c, err, sizeof err) == 0) return;
      if (!first[0]) snprintf(first, sizeof first, "%s at %d ranks: %s", sl->s[k].name, rl->v[r], err);
    }
  cc_input_error("-s/--strategies, -r/--ranks: nothing to predict, the model prices none of the strategies at any "
                 "of the rank counts (%s)", first);
}

static int cmd_predict(int argc, char **argv) {
  const char *profile = NULL, *strategies = "ring,tree,rd,rabenseifner,hier:ring/ring,mpi", *ranks_text = NULL;
  const char *dtype = "f32", *coll = "allreduce", *csv = NULL, *json = NULL;
  uint64_t minbytes = 8, maxbytes = 256 << 20;
  long long factor = 2, per_node = 0;
  bool quiet = false;
  cc_option opts[] = {
      {"profile", 'p', CC_OPT_STRING, &profile, "FILE", "machine profile", 0, 0},
      {"strategies", 's', CC_OPT_STRING, &strategies, "LIST", "strategies to predict (as ccbench, plus nccl)", 0, 0},
      {"minbytes", 'b', CC_OPT_SIZE, &minbytes, "SIZE", "smallest size", 0, 0},
      {"maxbytes", 'e', CC_OPT_SIZE, &maxbytes, "SIZE", "largest size", 0, 0},
      {"stepfactor", 'f', CC_OPT_INT, &factor, "N", "size multiplier between steps", 2, 1 << 20},
      {"ranks", 'r', CC_OPT_STRING, &ranks_text, "LIST", "rank counts: 2,3,6 or 2..4096 (doubling) (default: the profile's)", 0, 0},
      {"ranks-per-node", 0, CC_OPT_INT, &per_node, "N", "ranks per node (default: the profile's)", 0, 1 << 24},
      {"collective", 'C', CC_OPT_STRING, &coll, "NAME", "allreduce, allgather or reduce_scatter", 0, 0},
      {"dtype", 'd', CC_OPT_STRING, &dtype, "TYPE", "element type (sets the count column)", 0, 0},
      {"csv", 0, CC_OPT_STRING, &csv, "FILE", "write rows (source=predicted) as CSV ('-': stdout)", 0, 0},
      {"json", 0, CC_OPT_STRING, &json, "FILE", "write rows as JSON lines ('-': stdout)", 0, 0},
      {"quiet", 'q', CC_OPT_FLAG, &quiet, NULL, "no table on stdout", 0, 0},
  };
  cc_cli cli = {.prog = "ccsim predict", .usage = "ccsim predict --profile FILE [options]",
                .summary = "Predicts collective times per strategy, size and rank count from a profile, as rows in "
                           "ccbench's schema (source=predicted) so plots overlay them on measurements.",
                .epilog = "Example:\n  ccsim predict -p profiles/h100-ib-cluster.profile -s ring,tree,hier:ring/ring,nccl "
                          "-b 1K -e 1G -f 4 --ranks 8..4096 --csv pred.csv",
                .opts = opts, .nopts = sizeof opts / sizeof opts[0]};
  parse_or_exit(&cli, argc, argv);
  check_files((cc_file_use[]){{"--csv", csv, true}, {"--json", json, true}, {"-p/--profile", profile, false}}, 3);
  cc_profile p = load_profile(profile);
  strategy_list sl;
  int_list rl;
  parse_sweep(strategies, ranks_text, &p, &sl, &rl);
  cc_coll op;
  if (cc_coll_parse(coll, &op) != 0) cc_input_error("-C/--collective: unknown collective '%s'", coll);
  int esize = dtype_size(dtype);
  uint64_t sizes[MAX_LIST];
  int nsizes;
  build_sizes(minbytes, maxbytes, factor, sizes, &nsizes);
  int rpn = per_node ? (int)per_node : p.ranks_per_node;
  char err[256];
  for (int k = 0; k < sl.n; k++) {
    if (!cc_strategy_implements(&sl.s[k], op, err, sizeof err)) cc_input_error("-s/--strategies: %s", err);
    if (sl.s[k].compressed && op != CC_ALLREDUCE)
      cc_input_error("-s/--strategies: %s: compressors apply to allreduce only", sl.s[k].name);
    if (sl.s[k].compressed && esize != 4)  // as ccbench: the compressors encode f32 gradients
      cc_input_error("-s/--strategies: %s: compressed strategies take f32 gradients (-d f32)", sl.s[k].name);
  }

  require_something_priced(&p, &sl, &rl, rpn, op, (double)sizes[0]);
  char note[1024];
  default_rates_note(&p, sl.s, sl.n, note, sizeof note);
  outputs out;
  open_outputs(&out, csv, json);
  if (!quiet) {
    printf("# ccsim predict: %s, profile %s (%d per node)\n", cc_coll_name(op), p.name, rpn);
    printf("#%12s %12s %6s %6s %18s %12s %9s %9s\n", "size", "count", "ranks", "nodes", "strategy", "time(us)",
           "algbw", "busbw");
  }
  long long npred = 0, nskipped = 0;
  double t0 = cc_now_us();
  for (int r = 0; r < rl.n; r++)
    for (int k = 0; k < sl.n; k++)
      for (int i = 0; i < nsizes; i++) {
        cc_topology t = {.ranks = rl.v[r], .ranks_per_node = rpn};
        cc_cost c;
        if (cc_model_cost(&p, &sl.s[k], op, t, (double)sizes[i], &c, err, sizeof err) != 0) {
          if (nskipped++ == 0) cc_warn("skipping %s at %d ranks: %s", sl.s[k].name, rl.v[r], err);
          break;
        }
        cc_row row = predicted_row(&p, &sl.s[k], op, dtype, esize, t, (double)sizes[i], &c);
        split_phases(&p, &c, &row);
        npred++;
        write_row(&out, &row);
        if (!quiet)
          printf(" %12llu %12llu %6d %6d %18s %12.2f %9.2f %9.2f\n", (unsigned long long)row.bytes,
                 (unsigned long long)row.count, row.ranks, row.nodes, row.strategy, row.time_us, row.algbw_GBps,
                 row.busbw_GBps);
      }
  double elapsed = cc_now_us() - t0;
  close_outputs(&out, csv, json, "ccsim predict", argc, argv, note);
  fprintf(stderr, "ccsim: %lld predictions in %.2f ms%s\n", npred, elapsed * 1e-3,
          nskipped ? " (some strategy/rank pairs skipped, see above)" : "");
  return 0;
}

// --- validate -------------------------------------------------------------------------------------

// One line per checked point: measured against predicted; with `fold`, a last column naming it
// ("fit": the profile fitted on everything; "held_out": fitted without this point's rank count).
static void write_errors(FILE *f, const cc_check *checks, size_t n, const char *fold) {
  for (size_t i = 0; i < n; i++) {
    const cc_obs *o = &checks[i].obs;
    cc_csv_write_field(f, o->strategy.name);  // "ring+topk:0.01,approx" is quoted
    fprintf(f, ",%s,%d,%d,%.0f,%s,%.6g,%.6g,%.6g", cc_coll_name(o->op), o->topo.ranks, o->topo.ranks_per_node,
            o->bytes, cc_band_name(cc_band_of(o->bytes)), o->time_us, checks[i].predicted_us, checks[i].rel_error);
    fprintf(f, fold ? ",%s\n" : "\n", fold);
  }
}

static void write_predictions(outputs *out, const cc_profile *p, const cc_check *checks, size_t n) {
  for (size_t i = 0; i < n && out->have_csv; i++) {
    const cc_obs *o = &checks[i].obs;
    cc_row row = predicted_row(p, &o->strategy, o->op, o->row->dtype, 1, o->topo, o->bytes, &checks[i].cost);
    split_phases(p, &checks[i].cost, &row);
    row.count = o->row->count;
    write_row(out, &row);
  }
}

// How many rank counts a strategy was measured at.
static int rank_counts_of(const cc_check *checks, size_t n, const char *strategy) {
  int seen[64], ns = 0;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(checks[i].obs.strategy.name, strategy) != 0) continue;
    bool known = false;
    for (int k = 0; k < ns; k++) known |= seen[k] == checks[i].obs.topo.ranks;
    if (!known && ns < 64) seen[ns++] = checks[i].obs.topo.ranks;
  }
  return ns;
}

// Per held-out rank count and strategy: median and worst from --report-min up, the numbers a user
// quotes. A strategy measured at fewer than three rank counts has, with one left out, at most one
// other to learn its scaling from: said beside it.
static void print_folds(const cc_crossval *cv, double min_bytes) {
  size_t *firsts = cc_malloc(sizeof(size_t) * (cv->nheld ? cv->nheld : 1));
  for (int k = 0; k < cv->nranks; k++) {
    const cc_check *held = cv->held_out + cv->fold_start[k];
    size_t m = cv->fold_start[k + 1] - cv->fold_start[k];
    size_t ns = first_of_each_strategy(held, m, firsts);
    for (size_t s = 0; s < ns; s++) {
      const char *name = held[firsts[s]].obs.strategy.name;
      cc_error_stats st = cc_error_summary(held, m, name, -1, min_bytes);
      int counts = rank_counts_of(cv->fit, cv->nfit, name);
      printf("# held out %d ranks, %s: median %.1f%%, worst %.1f%% (%zu points from %.0f B)%s\n", cv->ranks[k], name,
             100 * st.median, 100 * st.worst, st.n, min_bytes,
             counts < 3 ? "  [measured at fewer than 3 rank counts: no scaling to learn]" : "");
    }
  }
  free(firsts);
}

static int cmd_validate(int argc, char **argv) {
  const char *profile = NULL, *files[MAX_LIST], *against_flag = NULL, *csv = NULL, *errors = NULL;
  uint64_t report_min = 64 << 10;
  long long ranks = 0, per_node = 0, starts = 32;
  double prior_weight = 0.01;
  bool loo = false;
  cc_option opts[] = {
      {"profile", 'p', CC_OPT_STRING, &profile, "FILE",
       "machine profile (with --leave-one-out: the hardware and priors each fit starts from)", 0, 0},
      {"against", 0, CC_OPT_STRING, &against_flag, "FILE",
       "measurements (ccbench CSV or text output, or an nccl-tests log; repeatable)", 0, 0},
      {"leave-one-out", 0, CC_OPT_FLAG, &loo, NULL,
       "calibrate on every rank count but one and predict that one, for each; also report the plain fit on all", 0, 0},
      {"ranks-per-node", 0, CC_OPT_INT, &per_node, "N", "ranks per node of text logs that do not say it", 0, 1 << 24},
      {"report-min", 0, CC_OPT_SIZE, &report_min, "SIZE", "smallest size in the '>= min' column", 0, 0},
      {"ranks", 0, CC_OPT_INT, &ranks, "N",
       "rank count of text logs that do not say it (nccl-tests without '#  Rank' lines, a ccbench table "
       "without its '# N ranks on M nodes' line)", 0, 1 << 24},
      {"prior-weight", 0, CC_OPT_DOUBLE, &prior_weight, "W", "with --leave-one-out: as calibrate --prior-weight", 0, 1e6},
      {"starts", 0, CC_OPT_INT, &starts, "N", "with --leave-one-out: as calibrate --starts", 1, 10000},
      {"csv", 0, CC_OPT_STRING, &csv, "FILE",
       "write the predictions at the measured points as rows (--leave-one-out: the held-out predictions)", 0, 0},
      {"errors", 0, CC_OPT_STRING, &errors, "FILE",
       "write one CSV line per measured point: strategy, sizes, measured, predicted, relative error "
       "(--leave-one-out: twice, with a fold column: fit, held_out)", 0, 0},
  };
  cc_cli cli = {.prog = "ccsim validate", .usage = "ccsim validate --profile FILE --against FILE [options]",
                .summary = "Predicts every measured point the model covers and reports |predicted - measured| / "
                           "measured per strategy and size band: median and worst. A point measured more than "
                           "once is compared at its fastest measurement. --leave-one-out calibrates on all rank "
                           "counts but one and predicts that one, in turn.",
                .epilog = "Example (one cluster logged at 16, 32 and 64 ranks):\n  ccsim validate --leave-one-out -p "
                          "profiles/h100-ib-cluster.profile --against np16.log --against np32.log --against np64.log "
                          "--errors loo.csv",
                .opts = opts, .nopts = sizeof opts / sizeof opts[0]};
  parse_or_exit(&cli, argc, argv);
  cc_profile p = load_profile(profile);
  int nfiles = collect_repeated(argc, argv, "--against", files, MAX_LIST);
  cc_file_use uses[MAX_LIST + 3] = {{"--csv", csv, true}, {"--errors", errors, true}, {"-p/--profile", profile, false}};
  for (int i = 0; i < nfiles; i++) uses[3 + i] = (cc_file_use){"--against", files[i], false};
  check_files(uses, 3 + nfiles);
  if (nfiles == 0) cc_input_error("--against: give at least one measurement file");
  cc_rowset rs;
  cc_rowset_init(&rs);
  read_measurements(&rs, "--against", files, nfiles, (int)ranks, (int)per_node);
  outputs out;
  open_outputs(&out, csv, NULL);
  cc_afile af;
  if (errors && cc_afile_open(&af, errors) != 0) {
    close_outputs_discard(&out);
    cc_input_error("--errors: cannot write '%s': %s", errors, af.why);
  }
  if (errors)
    fprintf(af.f, "strategy,op,ranks,ranks_per_node,bytes,band,measured_us,predicted_us,rel_error%s\n", loo ? ",fold" : "");

  if (loo) {
    cc_calib_opts co = {.levels = p.single_level ? 1 : 2, .fix_mpi_decision = true, .mpi_decision = p.mpi_decision,
                        .nccl = {.prior_weight = prior_weight, .starts = (int)starts}};
    cc_crossval cv;
    char err[512];
    if (cc_leave_one_out(&rs, &co, &p, &cv, err, sizeof err) != 0) cc_input_error("--leave-one-out: %s", err);
    printf("# ccsim validate --leave-one-out: profile %s, %zu measured points at %d rank counts:", p.name, cv.nfit,
           cv.nranks);
    for (int k = 0; k < cv.nranks; k++) printf(" %d", cv.ranks[k]);
    printf("\n# the plain fit, on every rank count:\n");
    print_error_table(cv.fit, cv.nfit, (double)report_min);
    printf("# each rank count predicted by the profile fitted without it:\n");
    print_error_table(cv.held_out, cv.nheld, (double)report_min);
    print_folds(&cv, (double)report_min);
    for (int k = 0; k < cv.nranks; k++)  // each point as the profile fitted without it predicted it
      write_predictions(&out, &cv.fold[k], cv.held_out + cv.fold_start[k], cv.fold_start[k + 1] - cv.fold_start[k]);
    if (errors) write_errors(af.f, cv.fit, cv.nfit, "fit"), write_errors(af.f, cv.held_out, cv.nheld, "held_out");
    cc_crossval_free(&cv);
  } else {
    cc_check *checks;
    size_t skipped;
    char reason[256];
    size_t repeats, n = cc_validate(&p, &rs, &checks, &skipped, &repeats, reason, sizeof reason);
    if (n == 0) cc_input_error("--against: no measured rows the model covers%s%s", skipped ? "; first skipped: " : "", reason);
    printf("# ccsim validate: profile %s against %zu measured points (%zu rows skipped%s%s; %zu slower repeats of a "
           "point left out: a point is compared at its fastest measurement)\n", p.name, n, skipped,
           skipped ? ", first: " : "", skipped ? reason : "", repeats);
    print_error_table(checks, n, (double)report_min);
    write_predictions(&out, &p, checks, n);
    if (errors) write_errors(af.f, checks, n, NULL);
    free(checks);
  }
  close_outputs(&out, csv, NULL, "ccsim validate", argc, argv, NULL);
  if (errors) {
    if (cc_afile_commit(&af) != 0) cc_output_error("--errors: cannot write '%s': %s", errors, af.why);
    write_sidecar("--errors", errors, af.direct, "ccsim validate", argc, argv, &p, profile, NULL);
  }
  cc_rowset_free(&rs);
  return 0;
}

// --- step -----------------------------------------------------------------------------------------

// "1,3,10" GB/s into out[]; returns the count. An empty item ("1,", "1,,10") is a slip, not a
// separator: refused like any other item that is not a bandwidth.
static int parse_bandwidths(const char *text, double *out, int max) {
  int n = 0;
  for (const char *item = text;; item++) {
    size_t len = strcspn(item, ",");
    char tok[64];
    snprintf(tok, sizeof tok, "%.*s", (int)len, item);
    double v;
    if (len == 0) cc_input_error("--bandwidths: an empty item in '%s' (a stray comma?)", text);
    if (len >= sizeof tok || cc_parse_double(tok, &v) != 0 || !(v > 0))
      cc_input_error("--bandwidths: '%s' is not a bandwidth in GB/s", tok);
    if (n == max) cc_input_error("--bandwidths: more than %d bandwidths", max);
    out[n++] = v;
    item += len;
    if (!*item) return n;
  }
}

// The profile with its inter-node link (the only link of a one-level profile) at `gbps`. With a network
// (nics_per_node x nic_GBps) `gbps` is each NIC's line rate, and a rank's own inter-node link scales
// with it: the rank crosses through those NICs.
static cc_profile at_bandwidth(const cc_profile *p, double gbps) {
  cc_profile q = *p;
  if (p->nics_per_node > 0) {
    q.nic_GBps = gbps;
    q.link[CC_INTER].beta_ns_per_byte = p->link[CC_INTER].beta_ns_per_byte * p->nic_GBps / gbps;
    if (q.single_level) q.link[CC_INTRA].beta_ns_per_byte = q.link[CC_INTER].beta_ns_per_byte;
    return q;
  }
  q.link[CC_INTER].beta_ns_per_byte = 1.0 / gbps;
  if (q.single_level) q.link[CC_INTRA].beta_ns_per_byte = 1.0 / gbps;
  return q;
}

typedef struct {
  cc_afile af;
  bool csv, bandwidth_column;
  int rpn;
  double params;
  uint64_t bucket;
} step_output;

// One strategy at one rank count (and bandwidth): a table line and a CSV line; a warning when the model
// cannot (hier on a partial node).
static void step_line(step_output *o, const cc_profile *p, const cc_strategy *s, int ranks, const cc_step_config *c,
                      const char *gbps) {
  cc_step_prediction r;
  char err[256];
  cc_topology t = {.ranks = ranks, .ranks_per_node = o->rpn};
  if (cc_step_predict(p, s, t, c, &r, err, sizeof err) != 0) {
    cc_warn("%s at %d ranks: %s", s->name, ranks, err);
    return;
  }
  printf(" %17s %7d %8lld %11.3f %11.3f %11.3f %9.1f%%", s->name, t.ranks, r.buckets, r.comm_us * 1e-3,
         r.exposed_comm_us * 1e-3, r.step_us * 1e-3, 100 * r.efficiency);
  if (o->bandwidth_column) printf(" %8s", gbps);
  printf("\n");
  if (!o->csv) return;
  // Strategy names are quoted when a compressor's options hold a comma (RFC 4180), profile names likewise.
  cc_csv_write_field(o->af.f, p->name);
  fputc(',', o->af.f);
  cc_csv_write_field(o->af.f, s->name);
  fprintf(o->af.f, ",%d,%d,%.0f,%.0f,%llu,%lld,%.6g,%.6g,%.6g,%.6g,%.6g", t.ranks, o->rpn, o->params, r.grad_bytes,
          (unsigned long long)o->bucket, r.buckets, r.compute_us, r.comm_us, r.exposed_comm_us, r.step_us, r.efficiency);
  if (o->bandwidth_column) fprintf(o->af.f, ",%s", gbps);
  fprintf(o->af.f, "\n");
}

// Every line of step's table that cannot be priced is a warning; when that is every line there is no
// table: say why (the first reason) before writing anything.
static void require_some_step(const cc_profile *p, const strategy_list *sl, const int_list *rl, int rpn,
                              const cc_step_config *c, const double *gbps, int nbw, int sweep_ranks) {
  char first[512] = "";
  for (int k = 0; k < sl->n; k++)
    for (int i = 0; i < rl->n + nbw; i++) {  // the rank counts, then the bandwidths at sweep_ranks
      cc_profile q = i < rl->n ? *p : at_bandwidth(p, gbps[i - rl->n]);
      cc_topology t = {.ranks = i < rl->n ? rl->v[i] : sweep_ranks, .ranks_per_node = rpn};
      cc_step_prediction r;
      char err[256];
      if (cc_step_predict(&q, &sl->s[k], t, c, &r, err, sizeof err) == 0) return;
      if (!first[0]) snprintf(first, sizeof first, "%s at %d ranks: %s", sl->s[k].name, t.ranks, err);
    }
  cc_input_error("-s/--strategies, -r/--ranks: nothing to predict, the model prices none of the strategies at any "
                 "of the rank counts (%s)", first);
}

static int cmd_step(int argc, char **argv) {
  const char *profile = NULL, *strategies = "ring,hier:ring/ring", *ranks_text = NULL, *grad = "f32", *csv = NULL,
             *bandwidths = NULL;
  double params = 124e6, compute_ms = 100, backward_fraction = 2.0 / 3.0, optimizer_ms = 0;
  uint64_t bucket = 25 << 20;
  long long per_node = 0, at_ranks = 0;
  cc_option opts[] = {
      {"profile", 'p', CC_OPT_STRING, &profile, "FILE", "machine profile", 0, 0},
      {"strategies", 's', CC_OPT_STRING, &strategies, "LIST",
       "gradient allreduce strategies, compressed ones too (ring+int8, ring+topk:0.01,approx+ef)", 0, 0},
      {"params", 0, CC_OPT_DOUBLE, &params, "N", "parameter count (e.g. 124e6)", 1, 1e15},
      {"bucket", 0, CC_OPT_SIZE, &bucket, "SIZE", "gradient bucket size; 0: one allreduce after backward", 0, 0},
      {"grad-dtype", 0, CC_OPT_STRING, &grad, "TYPE",
       "uncompressed gradient element type on the wire (f32, bf16, f16); compressed strategies encode f32", 0, 0},
      {"compute-ms", 0, CC_OPT_DOUBLE, &compute_ms, "MS", "forward + backward per step on one rank", 0, 1e9},
      {"backward-fraction", 0, CC_OPT_DOUBLE, &backward_fraction, "F", "share of compute that is backward", 0, 1},
      {"optimizer-ms", 0, CC_OPT_DOUBLE, &optimizer_ms, "MS", "optimizer step per rank", 0, 1e9},
      {"ranks", 'r', CC_OPT_STRING, &ranks_text, "LIST", "rank counts: 2,8 or 8..4096 (default: the profile's)", 0, 0},
      {"ranks-per-node", 0, CC_OPT_INT, &per_node, "N", "ranks per node (default: the profile's)", 0, 1 << 24},
      {"bandwidths", 0, CC_OPT_STRING, &bandwidths, "LIST",
       "also predict at these inter-node bandwidths (GB/s; one-level profiles: the only link; with nics_per_node "
       "and nic_GBps: each NIC's rate, the ranks' own inter-node link scaled alike), at --at-ranks; "
       "adds the inter_GBps column", 0, 0},
      {"at-ranks", 0, CC_OPT_INT, &at_ranks, "N", "rank count of the --bandwidths sweep (default: the largest of --ranks)",
       1, 1 << 24},
      {"csv", 0, CC_OPT_STRING, &csv, "FILE", "write the table as CSV (and FILE.meta.json)", 0, 0},
  };
  cc_cli cli = {.prog = "ccsim step", .usage = "ccsim step --profile FILE [options]",
                .summary = "Predicts a data-parallel training step: forward, backward with bucketed gradient "
                           "allreduces overlapping it, optimizer; and the scaling efficiency (throughput per rank "
                           "relative to one rank, per-rank batch fixed). Compressed strategies cut their buckets "
                           "from f32 gradients, as cctrain does, and pay encode and decode.",
                .epilog = "Example (GPT-2 124M on an H100 cluster):\n  ccsim step -p profiles/h100-ib-cluster.profile "
                          "-s ring,hier:ring/ring,ring+int8 --params 124e6 --grad-dtype bf16 --compute-ms 140 "
                          "--ranks 8..4096 --bandwidths 1,10,100 --at-ranks 1024",
                .opts = opts, .nopts = sizeof opts / sizeof opts[0]};
  check_files((cc_file_use[]){{"--csv", csv, true}, {"-p/--profile", profile, false}}, 2);
  parse_or_exit(&cli, argc, argv);
  cc_profile p = load_profile(profile);
  strategy_list sl;
  int_list rl;
  parse_sweep(strategies, ranks_text, &p, &sl, &rl);
  double gbps[MAX_LIST];
  int nbw = bandwidths ? parse_bandwidths(bandwidths, gbps, MAX_LIST) : 0;
  if (at_ranks && !bandwidths) cc_input_error("--at-ranks: only with --bandwidths");
  int sweep_ranks = at_ranks ? (int)at_ranks : rl.v[rl.n - 1];
  if (nbw && !(p.link[CC_INTER].beta_ns_per_byte > 0) && p.nics_per_node == 0)
    cc_input_error("--bandwidths: profile %s has no inter-node bandwidth to vary (beta 0)", p.name);
  char note[1024];
  default_rates_note(&p, sl.s, sl.n, note, sizeof note);
  step_output o = {.csv = csv != NULL, .bandwidth_column = nbw > 0,
                   .rpn = per_node ? (int)per_node : p.ranks_per_node, .params = params, .bucket = bucket};
  cc_step_config c = {.params = params, .grad_bytes_per_param = dtype_size(grad), .bucket_bytes = (double)bucket,
                      .forward_us = compute_ms * 1e3 * (1 - backward_fraction),
                      .backward_us = compute_ms * 1e3 * backward_fraction, .optimizer_us = optimizer_ms * 1e3};
  require_some_step(&p, &sl, &rl, o.rpn, &c, gbps, nbw, sweep_ranks);
  if (csv && cc_afile_open(&o.af, csv) != 0) cc_input_error("--csv: cannot write '%s': %s", csv, o.af.why);
  if (csv) fprintf(o.af.f, "profile,strategy,ranks,ranks_per_node,params,grad_bytes,bucket_bytes,buckets,compute_us,comm_us,"
                           "exposed_comm_us,step_us,efficiency%s\n", nbw ? ",inter_GBps" : "");
  char bsize[32], base_gbps[32];
  cc_format_size(bucket, bsize, sizeof bsize);
  snprintf(base_gbps, sizeof base_gbps, "%.6g", p.nics_per_node > 0 ? p.nic_GBps : 1.0 / p.link[CC_INTER].beta_ns_per_byte);
  printf("# ccsim step: %.3g parameters, %s gradients, buckets of %s, compute %.3g ms/step, profile %s\n", params, grad,
         bsize, compute_ms + optimizer_ms, p.name);
  printf("#%17s %7s %8s %11s %11s %11s %10s%s\n", "strategy", "ranks", "buckets", "comm(ms)", "exposed(ms)", "step(ms)",
         "efficiency", nbw ? "     GB/s" : "");
  for (int k = 0; k < sl.n; k++) {
    for (int r = 0; r < rl.n; r++) step_line(&o, &p, &sl.s[k], rl.v[r], &c, base_gbps);
    for (int b = 0; b < nbw; b++) {
      char label[32];
      snprintf(label, sizeof label, "%.6g", gbps[b]);
      if (strcmp(label, base_gbps) == 0) continue;  // the profile's own bandwidth: a line above
      cc_profile q = at_bandwidth(&p, gbps[b]);
      step_line(&o, &q, &sl.s[k], sweep_ranks, &c, label);
    }
  }
  if (csv) {
    if (cc_afile_commit(&o.af) != 0) cc_output_error("--csv: cannot write '%s': %s", csv, o.af.why);
    write_sidecar("--csv", csv, o.af.direct, "ccsim step", argc, argv, &p, profile, note);
  }
  return 0;
}

// --- show -----------------------------------------------------------------------------------------

static int cmd_show(int argc, char **argv) {
  const char *profile = NULL;
  cc_option opts[] = {{"profile", 'p', CC_OPT_STRING, &profile, "FILE", "machine profile", 0, 0}};
  cc_cli cli = {.prog = "ccsim show", .usage = "ccsim show --profile FILE",
                .summary = "Prints a profile with its links as bandwidths.", .opts = opts, .nopts = 1};
  parse_or_exit(&cli, argc, argv);
  cc_profile p = load_profile(profile);
  printf("%s: %d node%s x %d ranks, base %.3g us\n", p.name, p.nodes, p.nodes > 1 ? "s" : "", p.ranks_per_node, p.base_us);
  if (p.source[0]) printf("  source: %s\n", p.source);
  for (int l = 0; l < (p.single_level ? 1 : CC_NLEVELS); l++) {
    const cc_link *k = &p.link[l];
    printf("  %-5s alpha %8.3f us   ", p.single_level ? "link" : cc_level_name((cc_level)l), k->alpha_us);
    if (k->beta_ns_per_byte > 0) printf("beta %.5f ns/B (%8.2f GB/s)", k->beta_ns_per_byte, 1 / k->beta_ns_per_byte);
    else printf("beta 0 (no bandwidth cost)");
    printf("   gamma %.5f ns/B\n", k->gamma_ns_per_byte);
  }
  if (p.nvlink_GBps > 0 || p.nvls_GBps > 0 || p.nics_per_node > 0 || p.mem_GBps > 0 || p.cache_GBps > 0)
    printf("  hardware: NVLink %.4g GB/s, NVLS %.4g GB/s, %d NICs x %.4g GB/s (payload share %.3g), memory %.4g GB/s, "
           "cache %.4g GB/s (0: none given)\n",
           p.nvlink_GBps, p.nvls_GBps, p.nics_per_node, p.nic_GBps, p.nic_efficiency, p.mem_GBps, p.cache_GBps);
  printf("  nccl:");
  for (int a = 0; a < CC_NCCL_NALGOS; a++)
    for (int pr = 0; pr < CC_NCCL_NPROTOS; pr++) {
      if (!(p.nccl_algos & (1u << a)) || !(p.nccl_protos & (1u << pr)) || !cc_nccl_pair_exists((cc_nccl_algo)a, (cc_nccl_proto)pr))
        continue;
      const double *x = &p.nccl[cc_nccl_param((cc_nccl_algo)a, (cc_nccl_proto)pr, CC_NCCL_BASE_US)];
      printf(" %s/%s %.3g us %.4g GB/s%s", cc_nccl_algo_name((cc_nccl_algo)a), cc_nccl_proto_name((cc_nccl_proto)pr),
             x[0], x[3] > 0 ? 1 / x[3] : 0, x[0] == cc_profile_nccl_default(&p, (int)(x - p.nccl)) ? "" : "*");
    }
  printf("\n  (nccl: base latency and bandwidth in a node per pair; * differs from NCCL's default)\n");
  for (int i = 0; i < p.ncompress; i++) {
    const cc_compress_cost *c = &p.compress[i];
    printf("  compress %-10s encode %.3g us + %.3g ns/elem", c->name, c->encode_us, c->encode_ns_per_elem);
    if (c->encode_ns_per_flop > 0) printf(" + %.3g ns/flop", c->encode_ns_per_flop);
    printf(", decode %.3g us + %.3g ns/elem per payload\n", c->decode_us, c->decode_ns_per_elem);
  }
  return 0;
}

// --------------------------------------------------------------------------------------------------

static void usage(FILE *f) {
  fprintf(f, "usage: ccsim <command> [options]   (ccsim <command> --help for its options)\n\n"
             "  calibrate  fit a profile to ccbench rows (CSV or text output) or nccl-tests logs\n"
             "  predict    predict strategies over sizes and rank counts (rows like ccbench's)\n"
             "  validate   compare a profile's predictions with measured rows\n"
             "  step       predict a data-parallel training step and its scaling efficiency\n"
             "  show       print a profile\n");
}

int main(int argc, char **argv) {
  cc_set_progname("ccsim");
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("ccsim %s (%s)\n", cc_version(), cc_commit());
    return 0;
  }
  if (strcmp(cmd, "calibrate") == 0) return cmd_calibrate(argc - 1, argv + 1);
  if (strcmp(cmd, "predict") == 0) return cmd_predict(argc - 1, argv + 1);
  if (strcmp(cmd, "validate") == 0) return cmd_validate(argc - 1, argv + 1);
  if (strcmp(cmd, "step") == 0) return cmd_step(argc - 1, argv + 1);
  if (strcmp(cmd, "show") == 0) return cmd_show(argc - 1, argv + 1);
  cc_input_error("unknown command '%s' (calibrate, predict, validate, step, show; see --help)", cmd);
}
