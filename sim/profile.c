#include "sim/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "common/cli.h"
#include "common/compressor_spec.h"
#include "common/error.h"
#include "common/readfile.h"
#include "common/strategy.h"

// NCCL's default choice of algorithms and protocols: ring and tree everywhere, NVLS where the node has
// an NVLink switch that reduces (nvls_GBps given); CollNet only when a profile names it.
void cc_profile_nccl_finish(cc_profile *p) {
  if (!p->nccl_algos) {
    p->nccl_algos = 1u << CC_NCCL_RING | 1u << CC_NCCL_TREE;
    if (p->nvls_GBps > 0) p->nccl_algos |= 1u << CC_NCCL_NVLS | 1u << CC_NCCL_NVLS_TREE;
  }
  if (!p->nccl_protos) p->nccl_protos = (1u << CC_NCCL_NPROTOS) - 1;
  cc_profile_nccl_defaults(p);
}

void cc_profile_init(cc_profile *p) {
  memset(p, 0, sizeof(*p));
  p->ranks_per_node = 1;
  p->nodes = 1;
  p->ring_segment_bytes = 1 << 20;  // ccbench --ring-segment default
  p->tree_chunk_bytes = 256 << 10;  // ccbench --tree-chunk default
  p->mpi_decision = CC_MPI_OPENMPI; // the project's MPI
  p->mpi_rd_max_bytes = 10000;      // Open MPI's classic allreduce switch from recursive doubling to ring
  p->mmap_threshold_bytes = 32u << 20;  // glibc's largest dynamic mmap threshold (64-bit)
  p->nic_efficiency = 1;            // every byte on the NIC is payload until a fit says otherwise
  cc_profile_nccl_finish(p);
}

static const char *const mpi_decision_names[CC_MPI_NDECISIONS] = {"openmpi", "mpich", "switch"};

const char *cc_mpi_decision_name(cc_mpi_decision d) {
  return (unsigned)d < CC_MPI_NDECISIONS ? mpi_decision_names[d] : "?";
}

const char *cc_level_name(cc_level l) { return l == CC_INTRA ? "intra" : l == CC_INTER ? "inter" : "?"; }

const cc_compress_cost *cc_profile_compress(const cc_profile *p, const char *name) {
  for (int i = 0; i < p->ncompress; i++)
    if (strcmp(p->compress[i].name, name) == 0) return &p->compress[i];
  return NULL;
}

// --- parsing --------------------------------------------------------------------------------------

typedef struct {
  const char *path;
  int line;
  char *err;
  size_t errlen;
} parse_ctx;

static int fail(parse_ctx *c, const char *fmt, const char *a, const char *b) {
  char msg[256];
  snprintf(msg, sizeof msg, fmt, a, b);
  snprintf(c->err, c->errlen, "%s:%d: %s", c->path, c->line, msg);
  return -1;
}

static int number(parse_ctx *c, const char *key, const char *val, double *out) {
  if (cc_parse_double(val, out) != 0) return fail(c, "'%s': '%s' is not a number", key, val);
  if (*out < 0) return fail(c, "'%s': %s is negative", key, val);
  return 0;
}

static int size_value(parse_ctx *c, const char *key, const char *val, uint64_t *out) {
  if (cc_parse_size(val, out) != 0) return fail(c, "'%s': '%s' is not a size (e.g. 1M, 65536)", key, val);
  return 0;
}

static int mpi_decision_value(parse_ctx *c, const char *key, const char *val, cc_mpi_decision *out) {
  for (int d = 0; d < CC_MPI_NDECISIONS; d++)
    if (strcmp(val, mpi_decision_names[d]) == 0) {
      *out = (cc_mpi_decision)d;
      return 0;
    }
  return fail(c, "'%s': '%s' is not one of openmpi, mpich, switch", key, val);
}

static int count_value(parse_ctx *c, const char *key, const char *val, int *out) {
  long long v;
  if (cc_parse_int(val, &v) != 0 || v < 1 || v > 1 << 24)
    return fail(c, "'%s': '%s' is not a positive integer", key, val);
  *out = (int)v;
  return 0;
}

// Why `name` can never be looked up (cc_compress_rates_of looks for a strategy's compressor as ccsim
// spells it, that spelling without "+ef", then the kind alone), or NULL when it can.
static const char *unknown_compressor(const char *name, char *why, size_t len) {
  for (int k = 0; k < CC_NCOMPRESSORS; k++)
    if (strcmp(name, cc_comp_kind_name((cc_comp_kind)k)) == 0) return NULL;
  cc_compressor z;
  char reason[200];
  if (cc_compressor_parse(name, &z, reason, sizeof reason) != 0) snprintf(why, len, "%s", reason);
  else if (strcmp(z.name, name) != 0) snprintf(why, len, "write the compressor as ccsim spells it, '%s'", z.name);
  else return NULL;
  return why;
}

// "compress.int8.encode_ns_per_elem"
static int compress_key(parse_ctx *c, cc_profile *p, const char *key, const char *val) {
  const char *name = key + strlen("compress."), *dot = strrchr(name, '.');
  if (!dot || dot == name || (size_t)(dot - name) >= sizeof p->compress[0].name)
    return fail(c, "'%s': expected compress.<name>.encode_ns_per_elem or .decode_ns_per_elem%s", key, "");
  char cname[sizeof p->compress[0].name], why[200];
  snprintf(cname, sizeof cname, "%.*s", (int)(dot - name), name);
  if (unknown_compressor(cname, why, sizeof why))
    return fail(c, "'%s': %s (compress.<name>: a compressor as a strategy spells it, or its kind alone)", key, why);
  cc_compress_cost *cost = (cc_compress_cost *)cc_profile_compress(p, cname);
  if (!cost) {
    if (p->ncompress == CC_PROFILE_MAX_COMPRESS) return fail(c, "'%s': too many compressors (max 16)%s", key, "");
    cost = &p->compress[p->ncompress++];
    snprintf(cost->name, sizeof cost->name, "%s", cname);
  }
  const char *field = dot + 1;
  if (strcmp(field, "encode_us") == 0) return number(c, key, val, &cost->encode_us);
  if (strcmp(field, "encode_ns_per_elem") == 0) return number(c, key, val, &cost->encode_ns_per_elem);
  if (strcmp(field, "encode_ns_per_flop") == 0) return number(c, key, val, &cost->encode_ns_per_flop);
  if (strcmp(field, "decode_us") == 0) return number(c, key, val, &cost->decode_us);
  if (strcmp(field, "decode_ns_per_elem") == 0) return number(c, key, val, &cost->decode_ns_per_elem);
  return fail(c, "'%s': expected compress.<name>.encode_ns_per_elem or .decode_ns_per_elem%s", key,
              " (or .encode_us, .encode_ns_per_flop, .decode_us)");
}

// Bit set of the link keys seen, to insist on all three per level.
enum { SEEN_ALPHA = 1, SEEN_BETA = 2, SEEN_GAMMA = 4, SEEN_ALL = 7 };

static int link_key(parse_ctx *c, cc_profile *p, const char *key, const char *val, int seen[CC_NLEVELS]) {
  for (int l = 0; l < CC_NLEVELS; l++) {
    size_t n = strlen(cc_level_name((cc_level)l));
    if (strncmp(key, cc_level_name((cc_level)l), n) != 0 || key[n] != '.') continue;
    const char *field = key + n + 1;
    cc_link *link = &p->link[l];
    double *dest = NULL;
    int bit = 0;
    if (strcmp(field, "alpha_us") == 0) dest = &link->alpha_us, bit = SEEN_ALPHA;
    if (strcmp(field, "beta_ns_per_byte") == 0) dest = &link->beta_ns_per_byte, bit = SEEN_BETA;
    if (strcmp(field, "gamma_ns_per_byte") == 0) dest = &link->gamma_ns_per_byte, bit = SEEN_GAMMA;
    if (!dest) break;
    seen[l] |= bit;
    return number(c, key, val, dest);
  }
  return fail(c, "unknown key '%s' (links: intra.|inter. alpha_us, beta_ns_per_byte, gamma_ns_per_byte)%s", key, "");
}

// "ring,tree,nvls" (NCCL's spellings too, blanks around an item allowed) into a bit set of
// cc_nccl_algo or cc_nccl_proto. An empty item ("ring,,tree", "ring,") is a slip, not a separator.
static int nccl_list(parse_ctx *c, const char *key, const char *val, bool algos, unsigned *out) {
  *out = 0;
  for (const char *s = val;; s++) {
    s += strspn(s, " \t");
    size_t len = strcspn(s, ",");
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    int i = -1;
    if (algos) {
      cc_nccl_algo a;
      if (cc_nccl_algo_parse(s, len, &a) == 0) i = (int)a;
    } else {
      cc_nccl_proto pr;
      if (cc_nccl_proto_parse(s, len, &pr) == 0) i = (int)pr;
    }
    if (i < 0)
      return fail(c, "'%s': expected a comma-separated list of %s", key,
                  algos ? "ring, tree, nvls, nvlstree, collnetdirect, collnetchain" : "ll, ll128, simple");
    *out |= 1u << i;
    s += len;
    s += strspn(s, " \t");
    if (*s != ',') return 0;
  }
}

static int set_key(parse_ctx *c, cc_profile *p, const char *key, const char *val, int seen[CC_NLEVELS]) {
  if (strcmp(key, "name") == 0) {  // it goes into rows and plot titles: cc_name_check says what carries
    char why[200];
    if (cc_name_check(val, why, sizeof why) != 0) return fail(c, "'name': %s%s", why, "");
    snprintf(p->name, sizeof p->name, "%s", val);
    return 0;
  }
  if (strcmp(key, "source") == 0) {
    snprintf(p->source, sizeof p->source, "%s", val);
    return 0;
  }
  if (strcmp(key, "ranks_per_node") == 0) return count_value(c, key, val, &p->ranks_per_node);
  if (strcmp(key, "nodes") == 0) return count_value(c, key, val, &p->nodes);
  if (strcmp(key, "base_us") == 0) return number(c, key, val, &p->base_us);
  if (strcmp(key, "ring_segment_bytes") == 0) return size_value(c, key, val, &p->ring_segment_bytes);
  if (strcmp(key, "tree_chunk_bytes") == 0) return size_value(c, key, val, &p->tree_chunk_bytes);
  if (strcmp(key, "mpi_decision") == 0) return mpi_decision_value(c, key, val, &p->mpi_decision);
  if (strcmp(key, "mpi_rd_max_bytes") == 0) return size_value(c, key, val, &p->mpi_rd_max_bytes);
  if (strcmp(key, "mpi_base_us") == 0) return number(c, key, val, &p->mpi_base_us);
  if (strcmp(key, "mpi_gamma_ns_per_byte") == 0) return number(c, key, val, &p->mpi_gamma_ns_per_byte);
  if (strcmp(key, "eager_bytes") == 0) return size_value(c, key, val, &p->eager_bytes);
  if (strcmp(key, "rndv_us") == 0) return number(c, key, val, &p->rndv_us);
  if (strcmp(key, "cache_bytes") == 0) return size_value(c, key, val, &p->cache_bytes);
  if (strcmp(key, "mmap_threshold_bytes") == 0) return size_value(c, key, val, &p->mmap_threshold_bytes);
  if (strcmp(key, "mem_ns_per_byte") == 0) return number(c, key, val, &p->mem_ns_per_byte);
  if (strcmp(key, "mem_reduce_ns_per_byte") == 0) return number(c, key, val, &p->mem_reduce_ns_per_byte);
  if (strcmp(key, "fault_ns_per_byte") == 0) return number(c, key, val, &p->fault_ns_per_byte);
  if (strncmp(key, "compress.", 9) == 0) return compress_key(c, p, key, val);
  if (strcmp(key, "nvlink_GBps") == 0) return number(c, key, val, &p->nvlink_GBps);
  if (strcmp(key, "nvls_GBps") == 0) return number(c, key, val, &p->nvls_GBps);
  if (strcmp(key, "nic_GBps") == 0) return number(c, key, val, &p->nic_GBps);
  if (strcmp(key, "nics_per_node") == 0) return count_value(c, key, val, &p->nics_per_node);
  if (strcmp(key, "nic_efficiency") == 0) return number(c, key, val, &p->nic_efficiency);
  if (strcmp(key, "mem_GBps") == 0) return number(c, key, val, &p->mem_GBps);
  if (strcmp(key, "cache_GBps") == 0) return number(c, key, val, &p->cache_GBps);
  if (strcmp(key, "nccl.algorithms") == 0) return nccl_list(c, key, val, true, &p->nccl_algos);
  if (strcmp(key, "nccl.protocols") == 0) return nccl_list(c, key, val, false, &p->nccl_protos);
  if (strncmp(key, "nccl.", 5) == 0) {
    int i = cc_nccl_param_of_key(key);
    if (i < 0)
      return fail(c, "unknown key '%s' (NCCL: nccl.<algorithm>.<protocol>.<term>, e.g. nccl.ring.simple.base_us; "
                  "docs/FORMATS.md)%s", key, "");
    p->nccl_given[i] = 1;
    return number(c, key, val, &p->nccl[i]);
  }
  return link_key(c, p, key, val, seen);
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  char *end = s + strlen(s);
  while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) *--end = '\0';
  return s;
}

// Cuts a comment: '#' at the start or after whitespace ("nccl-tests#212" keeps its '#').
static void cut_comment(char *s) {
  for (char *h = s; (h = strchr(h, '#')) != NULL; h++)
    if (h == s || h[-1] == ' ' || h[-1] == '\t') {
      *h = '\0';
      return;
    }
}

int cc_profile_parse(cc_profile *p, const char *text, const char *path, char *err, size_t errlen) {
  cc_profile_init(p);
  p->nccl_algos = p->nccl_protos = 0;  // the file's, or the defaults for its hardware once it is read
  parse_ctx c = {.path = path, .line = 0, .err = err, .errlen = errlen};
  int seen[CC_NLEVELS] = {0, 0};
  char *copy = cc_strdup(text);
  // The keys read so far, pointing into `copy`: at most one per line.
  size_t nlines = 1, nkeys = 0;
  for (const char *s = copy; (s = strchr(s, '\n')); s++) nlines++;
  const char **keys_seen = cc_malloc(sizeof *keys_seen * nlines);
  int rc = 0;
  for (char *raw = copy, *next; raw && rc == 0; raw = next) {
    next = strchr(raw, '\n');
    if (next) *next++ = '\0';
    c.line++;
    cut_comment(raw);
    char *line = trim(raw);
    if (!*line) continue;
    char *eq = strchr(line, '=');
    if (!eq) {
      rc = fail(&c, "expected 'key = value', got '%s'%s", line, "");
      break;
    }
    *eq = '\0';
    char *key = trim(line), *val = trim(eq + 1);
    if (!*key || !*val) {
      rc = fail(&c, "expected 'key = value', got '%s = %s'", key, val);
      break;
    }
    for (size_t i = 0; i < nkeys && rc == 0; i++)
      if (strcmp(keys_seen[i], key) == 0) rc = fail(&c, "'%s' is set twice%s", key, "");
    if (rc == 0) keys_seen[nkeys++] = key, rc = set_key(&c, p, key, val, seen);
  }
  free(keys_seen), free(copy);
  if (rc != 0) return -1;

  c.line = 0;
  if (!p->name[0]) return snprintf(err, errlen, "%s: missing 'name'", path), -1;
  if (seen[CC_INTRA] != SEEN_ALL)
    return snprintf(err, errlen, "%s: needs intra.alpha_us, intra.beta_ns_per_byte and intra.gamma_ns_per_byte", path), -1;
  if (seen[CC_INTER] != 0 && seen[CC_INTER] != SEEN_ALL)
    return snprintf(err, errlen, "%s: give all of inter.alpha_us, inter.beta_ns_per_byte, inter.gamma_ns_per_byte "
                    "or none (none: inter-node links cost what intra-node links do)", path), -1;
  p->single_level = seen[CC_INTER] == 0;
  if (p->single_level) p->link[CC_INTER] = p->link[CC_INTRA];
  if (p->ring_segment_bytes == 0 || p->tree_chunk_bytes == 0)
    return snprintf(err, errlen, "%s: ring_segment_bytes and tree_chunk_bytes must be positive", path), -1;
  if ((p->nics_per_node > 0) != (p->nic_GBps > 0))
    return snprintf(err, errlen, "%s: give both nics_per_node and nic_GBps (the node's network), or neither", path), -1;
  if (!(p->nic_efficiency > 0 && p->nic_efficiency <= 1))
    return snprintf(err, errlen, "%s: nic_efficiency = %g is not a share in (0, 1]", path, p->nic_efficiency), -1;
  cc_profile_nccl_finish(p);
  for (int i = 0; i < CC_NCCL_NPARAMS; i++) {
    if (!p->nccl_given[i] || p->nccl[i] >= cc_profile_nccl_floor(p, i) * (1 - 1e-5)) continue;
    char key[96];
    cc_nccl_param_key(i, key, sizeof key);
    return snprintf(err, errlen, "%s: '%s' = %g is faster than the hardware allows (at least %g: the ceiling "
                    "of nvlink_GBps, nvls_GBps or nics_per_node x nic_GBps)", path, key, p->nccl[i],
                    cc_profile_nccl_floor(p, i)), -1;
  }
  return 0;
}

int cc_profile_read(cc_profile *p, const char *path, char *err, size_t errlen) {
  char *text = cc_read_text_file(path, NULL, err, errlen);
  if (!text) return -1;
  int rc = cc_profile_parse(p, text, path, err, errlen);
  free(text);
  return rc;
}

// --- writing --------------------------------------------------------------------------------------

static void write_link(FILE *f, const char *level, const cc_link *l) {
  fprintf(f, "%s.alpha_us = %.6g\n", level, l->alpha_us);
  if (l->beta_ns_per_byte > 0)
    fprintf(f, "%s.beta_ns_per_byte = %.6g  # %.4g GB/s\n", level, l->beta_ns_per_byte, 1.0 / l->beta_ns_per_byte);
  else fprintf(f, "%s.beta_ns_per_byte = 0  # no bandwidth cost\n", level);
  fprintf(f, "%s.gamma_ns_per_byte = %.6g\n", level, l->gamma_ns_per_byte);
}

// Free text on one line. A '#' after whitespace would start a comment when read back, so the
// whitespace before it is dropped ("issue #7" is written "issue#7"); newlines become spaces.
static void write_text_value(FILE *f, const char *key, const char *text) {
  fprintf(f, "%s = ", key);
  for (const char *s = text; *s; s++) {
    if ((*s == ' ' || *s == '\t') && s[1] == '#') continue;
    fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
  }
  fputc('\n', f);
}

const char *cc_param_note_text(cc_param_note n) {
  switch (n) {
    case CC_NOTE_FITTED: return "fitted";
    case CC_NOTE_UNDETERMINED: return "undetermined by the measurements: the prior decides it";
    case CC_NOTE_AT_BOUND: return "at its bound (0, or the hardware ceiling)";
    default: return "";
  }
}

static void write_list(FILE *f, const char *key, unsigned set, int n, const char *(*name)(int)) {
  fprintf(f, "%s = ", key);
  for (int i = 0, first = 1; i < n; i++)
    if (set & (1u << i)) fprintf(f, "%s%s", first ? "" : ",", name(i)), first = 0;
  fputc('\n', f);
}

static const char *algo_name_of(int i) { return cc_nccl_algo_name((cc_nccl_algo)i); }
static const char *proto_name_of(int i) { return cc_nccl_proto_name((cc_nccl_proto)i); }

// The hardware keys that are set, then NCCL's algorithms and protocols and every parameter a file or
// a fit gave (the rest are NCCL's defaults under this hardware, computed when the profile is read).
static void write_hardware_and_nccl(FILE *f, const cc_profile *p) {
  if (p->nvlink_GBps > 0) fprintf(f, "nvlink_GBps = %.6g\n", p->nvlink_GBps);
  if (p->nvls_GBps > 0) fprintf(f, "nvls_GBps = %.6g\n", p->nvls_GBps);
  if (p->nics_per_node > 0) fprintf(f, "nics_per_node = %d\nnic_GBps = %.6g\n", p->nics_per_node, p->nic_GBps);
  if (p->nics_per_node > 0 && p->nic_efficiency != 1) fprintf(f, "nic_efficiency = %.6g\n", p->nic_efficiency);
  if (p->mem_GBps > 0) fprintf(f, "mem_GBps = %.6g\n", p->mem_GBps);
  if (p->cache_GBps > 0) fprintf(f, "cache_GBps = %.6g\n", p->cache_GBps);
  write_list(f, "nccl.algorithms", p->nccl_algos, CC_NCCL_NALGOS, algo_name_of);
  write_list(f, "nccl.protocols", p->nccl_protos, CC_NCCL_NPROTOS, proto_name_of);
  bool any = false;
  for (int i = 0; i < CC_NCCL_NPARAMS; i++) {
    if (!p->nccl_given[i] || !cc_nccl_param_exists(i)) continue;
    if (!any) fprintf(f, "# NCCL's pairs (docs/cost-model.md); parameters not listed are NCCL's defaults\n");
    any = true;
    char key[96];
    cc_nccl_param_key(i, key, sizeof key);
    fprintf(f, "%s = %.6g", key, p->nccl[i]);
    bool bandwidth = i % CC_NCCL_NKINDS >= CC_NCCL_INTRA_NS_PER_BYTE;
    if (bandwidth && p->nccl[i] > 0) fprintf(f, "  # %.4g GB/s", 1 / p->nccl[i]);
    if (p->nccl_note[i]) fprintf(f, "%s%s", bandwidth && p->nccl[i] > 0 ? ", " : "  # ", cc_param_note_text(p->nccl_note[i]));
    fputc('\n', f);
  }
}

int cc_profile_write(const cc_profile *p, const char *path, const char *comment) {
  cc_afile af;
  if (cc_afile_open(&af, path) != 0) return -1;
  FILE *f = af.f;
  for (const char *s = comment; s && *s;) {
    const char *nl = strchr(s, '\n');
    int len = nl ? (int)(nl - s) : (int)strlen(s);
    fprintf(f, "# %.*s\n", len, s);
    s += len + (nl ? 1 : 0);
  }
  fprintf(f, "name = %s\n", p->name);
  if (p->source[0]) write_text_value(f, "source", p->source);
  fprintf(f, "ranks_per_node = %d\nnodes = %d\n", p->ranks_per_node, p->nodes);
  fprintf(f, "base_us = %.6g\n", p->base_us);
  write_link(f, "intra", &p->link[CC_INTRA]);
  if (!p->single_level) write_link(f, "inter", &p->link[CC_INTER]);
  fprintf(f, "ring_segment_bytes = %llu\n", (unsigned long long)p->ring_segment_bytes);
  fprintf(f, "tree_chunk_bytes = %llu\n", (unsigned long long)p->tree_chunk_bytes);
  fprintf(f, "mpi_decision = %s\n", cc_mpi_decision_name(p->mpi_decision));
  if (p->mpi_decision == CC_MPI_SWITCH) fprintf(f, "mpi_rd_max_bytes = %llu\n", (unsigned long long)p->mpi_rd_max_bytes);
  if (p->mpi_base_us > 0) fprintf(f, "mpi_base_us = %.6g\n", p->mpi_base_us);
  if (p->mpi_gamma_ns_per_byte > 0) fprintf(f, "mpi_gamma_ns_per_byte = %.6g\n", p->mpi_gamma_ns_per_byte);
  if (p->eager_bytes || p->rndv_us > 0) {
    fprintf(f, "eager_bytes = %llu\n", (unsigned long long)p->eager_bytes);
    fprintf(f, "rndv_us = %.6g\n", p->rndv_us);
  }
  if (p->cache_bytes || p->mem_ns_per_byte > 0 || p->mem_reduce_ns_per_byte > 0) {
    fprintf(f, "cache_bytes = %llu\n", (unsigned long long)p->cache_bytes);
    fprintf(f, "mem_ns_per_byte = %.6g\n", p->mem_ns_per_byte);
    fprintf(f, "mem_reduce_ns_per_byte = %.6g\n", p->mem_reduce_ns_per_byte);
  }
  if (p->fault_ns_per_byte > 0) {
    fprintf(f, "mmap_threshold_bytes = %llu\n", (unsigned long long)p->mmap_threshold_bytes);
    fprintf(f, "fault_ns_per_byte = %.6g\n", p->fault_ns_per_byte);
  }
  write_hardware_and_nccl(f, p);
  for (int i = 0; i < p->ncompress; i++) {
    fprintf(f, "compress.%s.encode_ns_per_elem = %.6g\n", p->compress[i].name, p->compress[i].encode_ns_per_elem);
    fprintf(f, "compress.%s.decode_ns_per_elem = %.6g\n", p->compress[i].name, p->compress[i].decode_ns_per_elem);
    // The fixed and per-flop costs only when set, so profiles written before them read back the same.
    if (p->compress[i].encode_us > 0) fprintf(f, "compress.%s.encode_us = %.6g\n", p->compress[i].name, p->compress[i].encode_us);
    if (p->compress[i].encode_ns_per_flop > 0)
      fprintf(f, "compress.%s.encode_ns_per_flop = %.6g\n", p->compress[i].name, p->compress[i].encode_ns_per_flop);
    if (p->compress[i].decode_us > 0) fprintf(f, "compress.%s.decode_us = %.6g\n", p->compress[i].name, p->compress[i].decode_us);
  }
  return cc_afile_commit(&af);
}
