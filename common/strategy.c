#include "common/strategy.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const algo_names[CC_NALGOS] = {
    [CC_ALGO_RING] = "ring", [CC_ALGO_TREE] = "tree",     [CC_ALGO_BTREE] = "btree",
    [CC_ALGO_RD] = "rd",     [CC_ALGO_RABENSEIFNER] = "rabenseifner", [CC_ALGO_HIER] = "hier",
    [CC_ALGO_MPI] = "mpi",   [CC_ALGO_NCCL] = "nccl",
};

// Which collectives each algorithm implements (hier and the tree only allreduce).
static const bool implements[CC_NALGOS][CC_NCOLLS] = {
    [CC_ALGO_RING] = {true, true, true},          [CC_ALGO_TREE] = {true, false, false},
    [CC_ALGO_BTREE] = {true, false, false},       [CC_ALGO_RD] = {true, true, false},
    [CC_ALGO_RABENSEIFNER] = {true, true, true},  [CC_ALGO_HIER] = {true, false, false},
    [CC_ALGO_MPI] = {true, true, true},           [CC_ALGO_NCCL] = {true, true, true},
};

const char *cc_algo_name(cc_algo a) { return a >= 0 && a < CC_NALGOS ? algo_names[a] : "?"; }

static int algo_lookup(const char *s, size_t len, cc_algo *out) {
  for (int a = 0; a < CC_NALGOS; a++)
    if (strlen(algo_names[a]) == len && strncmp(s, algo_names[a], len) == 0) {
      *out = (cc_algo)a;
      return 0;
    }
  return -1;
}

#define ALGO_CHOICES "ring, tree, btree, rd, rabenseifner, hier:<intra>/<inter>, mpi, nccl[:<algo>[/<proto>]]"

static const char *const nccl_algo_names[CC_NCCL_NALGOS] = {"ring", "tree", "nvls", "nvlstree", "collnetdirect",
                                                            "collnetchain"};
static const char *const nccl_proto_names[CC_NCCL_NPROTOS] = {"ll", "ll128", "simple"};

const char *cc_nccl_algo_name(cc_nccl_algo a) { return (unsigned)a < CC_NCCL_NALGOS ? nccl_algo_names[a] : "?"; }
const char *cc_nccl_proto_name(cc_nccl_proto p) { return (unsigned)p < CC_NCCL_NPROTOS ? nccl_proto_names[p] : "?"; }

static int name_lookup(const char *const *names, int n, const char *s, size_t len) {
  for (int i = 0; i < n; i++)
    if (strlen(names[i]) == len && strncasecmp(s, names[i], len) == 0) return i;
  return -1;
}

int cc_nccl_algo_parse(const char *s, size_t len, cc_nccl_algo *out) {
  int i = name_lookup(nccl_algo_names, CC_NCCL_NALGOS, s, len);
  if (i < 0) return -1;
  *out = (cc_nccl_algo)i;
  return 0;
}

int cc_nccl_proto_parse(const char *s, size_t len, cc_nccl_proto *out) {
  int i = name_lookup(nccl_proto_names, CC_NCCL_NPROTOS, s, len);
  if (i < 0) return -1;
  *out = (cc_nccl_proto)i;
  return 0;
}

void cc_nccl_strategy_name(int algo, int proto, char *out, size_t len) {
  int n = snprintf(out, len, "nccl");
  if ((algo >= 0 || proto >= 0) && n >= 0 && (size_t)n < len)
    n += snprintf(out + n, len - (size_t)n, ":%s", algo >= 0 ? nccl_algo_names[algo] : "any");
  if (proto >= 0 && n >= 0 && (size_t)n < len) snprintf(out + n, len - (size_t)n, "/%s", nccl_proto_names[proto]);
}

// "nccl:ring", "nccl:tree/ll128", "nccl:any/simple": NCCL with its algorithm or protocol forced.
static int parse_nccl(const char *text, const char *spec, cc_strategy *out, char *err, size_t errlen) {
  out->nccl_algo = out->nccl_proto = -1;
  if (*spec == '\0') return 0;
  const char *slash = strchr(spec, '/');
  size_t alen = slash ? (size_t)(slash - spec) : strlen(spec);
  cc_nccl_algo a;
  cc_nccl_proto p;
  if (!(alen == 3 && strncmp(spec, "any", 3) == 0)) {
    if (cc_nccl_algo_parse(spec, alen, &a) != 0) {
      snprintf(err, errlen, "strategy '%s': NCCL algorithm must be one of ring, tree, nvls, nvlstree, collnetdirect, "
               "collnetchain, any", text);
      return -1;
    }
    out->nccl_algo = (int)a;
  }
  if (slash) {
    if (cc_nccl_proto_parse(slash + 1, strlen(slash + 1), &p) != 0) {
      snprintf(err, errlen, "strategy '%s': NCCL protocol must be one of ll, ll128, simple", text);
      return -1;
    }
    out->nccl_proto = (int)p;
  }
  if (out->nccl_algo < 0 && out->nccl_proto < 0) {
    snprintf(err, errlen, "strategy '%s': 'nccl:any' forces nothing; write nccl", text);
    return -1;
  }
  return 0;
}

// "hier", "hier:ring/tree"
static int parse_hier(const char *text, const char *spec, cc_strategy *out, char *err, size_t errlen) {
  out->intra = out->inter = CC_ALGO_RING;
  if (*spec == '\0') return 0;
  const char *slash = strchr(spec, '/');
  if (!slash) {
    snprintf(err, errlen, "strategy '%s': expected hier:<intra>/<inter>, e.g. hier:ring/tree", text);
    return -1;
  }
  if (algo_lookup(spec, (size_t)(slash - spec), &out->intra) != 0 ||
      (out->intra != CC_ALGO_RING && out->intra != CC_ALGO_RABENSEIFNER)) {
    snprintf(err, errlen, "strategy '%s': intra-node algorithm must be ring or rabenseifner "
             "(it needs a reduce-scatter and an allgather)", text);
    return -1;
  }
  if (algo_lookup(slash + 1, strlen(slash + 1), &out->inter) != 0 || out->inter == CC_ALGO_HIER ||
      out->inter == CC_ALGO_MPI || out->inter == CC_ALGO_NCCL) {
    snprintf(err, errlen, "strategy '%s': inter-node algorithm must be one of ring, tree, btree, rd, "
             "rabenseifner", text);
    return -1;
  }
  return 0;
}

int cc_strategy_parse(const char *text, cc_strategy *out, char *err, size_t errlen) {
  memset(out, 0, sizeof(*out));
  char algo[96];
  if (strlen(text) >= sizeof(algo)) {
    snprintf(err, errlen, "strategy '%.40s...' is too long", text);
    return -1;
  }
  // The algorithm ends at the first '+'; the rest is the compressor (whose ':' options are its own).
  const char *plus = strchr(text, '+');
  size_t algo_len = plus ? (size_t)(plus - text) : strlen(text);
  memcpy(algo, text, algo_len);
  algo[algo_len] = '\0';
  const char *colon = strchr(algo, ':');
  size_t head = colon ? (size_t)(colon - algo) : strlen(algo);
  if (algo_lookup(algo, head, &out->algo) != 0) {
    snprintf(err, errlen, "unknown strategy '%s' (choose from " ALGO_CHOICES ")", text);
    return -1;
  }
  out->nccl_algo = out->nccl_proto = -1;
  // "hier:" and "nccl:" promise options and give none: a typo, not the plain strategy.
  if (colon && colon[1] == '\0' && (out->algo == CC_ALGO_HIER || out->algo == CC_ALGO_NCCL)) {
    snprintf(err, errlen, "strategy '%s': nothing after ':' (write %s alone, or e.g. %s)", text, algo_names[out->algo],
             out->algo == CC_ALGO_HIER ? "hier:ring/tree" : "nccl:ring");
    return -1;
  }
  if (out->algo == CC_ALGO_HIER) {
    if (parse_hier(text, colon ? colon + 1 : "", out, err, errlen) != 0) return -1;
    snprintf(out->algo_name, sizeof(out->algo_name), "hier:%s/%s", algo_names[out->intra], algo_names[out->inter]);
  } else if (out->algo == CC_ALGO_NCCL) {
    if (parse_nccl(text, colon ? colon + 1 : "", out, err, errlen) != 0) return -1;
    // Canonical: lower case, "any" only before a protocol.
    cc_nccl_strategy_name(out->nccl_algo, out->nccl_proto, out->algo_name, sizeof out->algo_name);
  } else {
    if (colon) {
      snprintf(err, errlen, "strategy '%s': '%s' takes no ':' options", text, algo_names[out->algo]);
      return -1;
    }
    snprintf(out->algo_name, sizeof(out->algo_name), "%s", algo_names[out->algo]);
  }
  snprintf(out->compress, sizeof(out->compress), "none");
  if (plus) {
    char why[200];
    if (cc_compressor_parse(plus + 1, &out->compressor, why, sizeof why) != 0) {
      snprintf(err, errlen, "strategy '%s': %s", text, why);
      return -1;
    }
    out->compressed = true;
    snprintf(out->compress, sizeof(out->compress), "%s", out->compressor.name);
  }
  snprintf(out->name, sizeof(out->name), "%s%s%s", out->algo_name, plus ? "+" : "", plus ? out->compress : "");
  return 0;
}

bool cc_strategy_implements(const cc_strategy *s, cc_coll coll, char *err, size_t errlen) {
  if (implements[s->algo][coll]) return true;
  char list[128] = "";
  for (int a = 0; a < CC_NALGOS; a++)
    if (implements[a][coll]) {
      if (list[0]) strncat(list, ", ", sizeof(list) - strlen(list) - 1);
      strncat(list, algo_names[a], sizeof(list) - strlen(list) - 1);
    }
  snprintf(err, errlen, "strategy '%s' has no %s (%s has: %s)", s->name, cc_coll_name(coll), cc_coll_name(coll), list);
  return false;
}

static const char *const coll_names[CC_NCOLLS] = {"allreduce", "allgather", "reduce_scatter"};

const char *cc_coll_name(cc_coll c) { return c >= 0 && c < CC_NCOLLS ? coll_names[c] : "?"; }

int cc_coll_parse(const char *s, cc_coll *out) {
  for (int c = 0; c < CC_NCOLLS; c++)
    if (strcmp(s, coll_names[c]) == 0) {
      *out = (cc_coll)c;
      return 0;
    }
  if (strcmp(s, "reducescatter") == 0 || strcmp(s, "reduce-scatter") == 0) {
    *out = CC_REDUCE_SCATTER;
    return 0;
  }
  return -1;
}

double cc_busbw_factor(cc_coll c, int ranks) {
  double n = ranks;
  return c == CC_ALLREDUCE ? 2.0 * (n - 1) / n : (n - 1) / n;
}

cc_strategy cc_strategy_uncompressed(const cc_strategy *s) {
  cc_strategy base = *s;
  base.compressed = false;
  snprintf(base.name, sizeof base.name, "%s", s->algo_name);
  snprintf(base.compress, sizeof base.compress, "none");
  return base;
}

int cc_name_check(const char *name, char *why, size_t len) {
  static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+:@";
  size_t n = strlen(name), bad = strspn(name, allowed);
  if (n == 0) return snprintf(why, len, "a profile name cannot be empty"), -1;
  if (n >= CC_NAME_MAX)
    return snprintf(why, len, "the profile name is too long (%zu characters; at most %d)", n, CC_NAME_MAX - 1), -1;
  if (bad == n) return 0;
  unsigned char c = (unsigned char)name[bad];
  char what[16];
  if (c == ' ') snprintf(what, sizeof what, "a blank");
  else if (c > ' ' && c < 0x7f) snprintf(what, sizeof what, "'%c'", c);
  else snprintf(what, sizeof what, "byte 0x%02x", c);  // a tab, a newline, another control or a non-ASCII byte
  snprintf(why, len, "the profile name has %s at character %zu (a name holds only letters, digits and . _ - + : @)",
           what, bad + 1);
  return -1;
}

int cc_strategy_parse_list(const char *list, cc_strategy *out, int max, char *err, size_t errlen) {
  int n = 0;
  char text[sizeof out->name];  // the current entry as written, to append a split-off option to
  const char *p = list;
  for (;;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == 0 || len >= sizeof text) {
      snprintf(err, errlen, "empty or overlong entry in '%s'", list);
      return -1;
    }
    char item[sizeof text];
    memcpy(item, p, len);
    item[len] = '\0';
    cc_strategy s;
    char why[256];
    bool continues = n > 0 && out[n - 1].compressed && cc_strategy_parse(item, &s, why, sizeof why) != 0;
    if (continues) {
      size_t a = strlen(text);
      if (a + 1 + len >= sizeof text) {
        snprintf(err, errlen, "entry '%s,%s' is too long", text, item);
        return -1;
      }
      text[a] = ',';
      memcpy(text + a + 1, item, len + 1);
      if (cc_strategy_parse(text, &out[n - 1], err, errlen) != 0) return -1;
    } else {
      if (n == max) {
        snprintf(err, errlen, "more than %d strategies", max);
        return -1;
      }
      memcpy(text, item, len + 1);
      if (cc_strategy_parse(text, &out[n], err, errlen) != 0) return -1;
      n++;
    }
    if (!end) return n;
    p = end + 1;
  }
}
