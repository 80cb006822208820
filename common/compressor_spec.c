// Parsing and naming of compressor spellings, and which collective path each scheme takes.
#include "common/compressor_spec.h"

#include <stdio.h>
#include <string.h>

#include "common/cli.h"

static const char *const kind_names[CC_NCOMPRESSORS] = {
    [CC_COMP_FP16] = "fp16", [CC_COMP_BF16] = "bf16",   [CC_COMP_INT8] = "int8",
    [CC_COMP_INT4] = "int4", [CC_COMP_QSGD] = "qsgd",   [CC_COMP_SIGN] = "sign",
    [CC_COMP_TOPK] = "topk", [CC_COMP_RANDK] = "randk", [CC_COMP_POWERSGD] = "powersgd",
};

const char *cc_comp_kind_name(cc_comp_kind k) { return k < CC_NCOMPRESSORS ? kind_names[k] : "?"; }

// --- parsing --------------------------------------------------------------------------------------

// Plain decimal only (cc_parse_double): strtod alone would take " 0.01", "0x1p-7" and "1e-2junk"'s prefix.
static int parse_ratio(const char *kind, const char *text, double *out, char *err, size_t errlen) {
  double v;
  if (cc_parse_double(text, &v) != 0 || !(v > 0 && v <= 1)) {
    snprintf(err, errlen, "%s: ratio '%s' must be a number in (0, 1], e.g. %s:0.01", kind, text, kind);
    return -1;
  }
  *out = v;
  return 0;
}

static int parse_int(const char *kind, const char *what, const char *text, int lo, int hi, int *out, char *err,
                     size_t errlen) {
  long long v;
  if (cc_parse_int(text, &v) != 0 || v < lo || v > hi) {
    snprintf(err, errlen, "%s: %s '%s' must be an integer in %d..%d, e.g. %s:%d", kind, what, text, lo, hi, kind,
             lo == 1 && hi == 127 ? 4 : lo);
    return -1;
  }
  *out = (int)v;
  return 0;
}

// The options after "kind:" (NULL when there is no ':').
static int parse_args(cc_compressor *c, const char *kind, char *args, char *err, size_t errlen) {
  switch (c->kind) {
    case CC_COMP_TOPK: {
      if (!args) return snprintf(err, errlen, "topk needs a ratio, e.g. topk:0.01 or topk:0.01,approx"), -1;
      char *comma = strchr(args, ',');
      if (comma) {
        *comma = '\0';
        if (strcmp(comma + 1, "approx") != 0)
          return snprintf(err, errlen, "topk: unknown option '%s' (only 'approx')", comma + 1), -1;
        c->approx = true;
      }
      return parse_ratio(kind, args, &c->ratio, err, errlen);
    }
    case CC_COMP_RANDK:
      if (!args) return snprintf(err, errlen, "randk needs a ratio, e.g. randk:0.01"), -1;
      return parse_ratio(kind, args, &c->ratio, err, errlen);
    case CC_COMP_QSGD:
      if (!args) return snprintf(err, errlen, "qsgd needs a number of levels, e.g. qsgd:4"), -1;
      return parse_int(kind, "levels", args, 1, 127, &c->levels, err, errlen);
    case CC_COMP_POWERSGD:
      if (!args) return snprintf(err, errlen, "powersgd needs a rank, e.g. powersgd:4"), -1;
      return parse_int(kind, "rank", args, 1, 1 << 16, &c->rank, err, errlen);
    default:
      if (args) return snprintf(err, errlen, "%s takes no options (got '%s:%s')", kind, kind, args), -1;
      return 0;
  }
}

static void canonical_name(cc_compressor *c) {
  char args[32] = "";
  switch (c->kind) {
    case CC_COMP_TOPK: snprintf(args, sizeof args, ":%g%s", c->ratio, c->approx ? ",approx" : ""); break;
    case CC_COMP_RANDK: snprintf(args, sizeof args, ":%g", c->ratio); break;
    case CC_COMP_QSGD: snprintf(args, sizeof args, ":%d", c->levels); break;
    case CC_COMP_POWERSGD: snprintf(args, sizeof args, ":%d", c->rank); break;
    default: break;
  }
  snprintf(c->name, sizeof c->name, "%s%s%s", cc_comp_kind_name(c->kind), args, c->ef ? "+ef" : "");
}

int cc_compressor_parse(const char *text, cc_compressor *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  char buf[96];
  if (!text || !*text) return snprintf(err, errlen, "empty compressor name"), -1;
  if (strlen(text) >= sizeof buf) return snprintf(err, errlen, "compressor '%.40s...' is too long", text), -1;
  snprintf(buf, sizeof buf, "%s", text);

  size_t len = strlen(buf);
  if (len > 3 && strcmp(buf + len - 3, "+ef") == 0) {
    out->ef = true;
    buf[len - 3] = '\0';
  }
  char *args = strchr(buf, ':');
  if (args) *args++ = '\0';
  int k = 0;
  while (k < CC_NCOMPRESSORS && strcmp(buf, kind_names[k]) != 0) k++;
  if (k == CC_NCOMPRESSORS) {
    snprintf(err, errlen,
             "unknown compressor '%s' (fp16, bf16, int8, int4, qsgd:<levels>, sign, topk:<ratio>[,approx], "
             "randk:<ratio>, powersgd:<rank>, each optionally +ef)",
             buf);
    return -1;
  }
  out->kind = (cc_comp_kind)k;
  if (parse_args(out, buf, args, err, errlen) != 0) return -1;
  // Error feedback only converges when a step's compression error is smaller than its input. QSGD's
  // variance bound over a 256-element bucket is min(256/s^2, 16/s) times the input: below 16 levels it
  // can exceed 1, and the residual grows without bound (measured: qsgd:4+ef reached 1e6 gradient norms
  // in 200 steps).
  if (out->ef && out->kind == CC_COMP_QSGD && out->levels < 16) {
    snprintf(err, errlen, "qsgd:%d+ef: error feedback needs qsgd with at least 16 levels (fewer can leave "
             "more error than signal, and the residual diverges); use qsgd:16+ef or drop +ef", out->levels);
    return -1;
  }
  canonical_name(out);
  return 0;
}

// fp16/bf16 are summed in f32 inside each reduce step. randk's positions are the same on every rank
// (shared seed), so its k values add up like a dense vector. Everything else carries per-rank scales
// or positions, which do not add: those payloads are allgathered and decoded one by one.
cc_comp_path cc_compressor_path(const cc_compressor *c) {
  switch (c->kind) {
    case CC_COMP_FP16:
    case CC_COMP_BF16:
    case CC_COMP_RANDK: return CC_PATH_REDUCE;
    case CC_COMP_POWERSGD: return CC_PATH_LOW_RANK;
    default: return CC_PATH_ALLGATHER;
  }
}

