// Calibration: the profile parameters that best explain measured rows.
//
// Each measured row gives the model's terms (model.h) and a time; the fit minimises the sum of squared
// *relative* errors (a 8 B row and a 256 MiB row count alike) with every parameter >= 0, solved exactly
// by trying every subset of free parameters (at most 14, so 16383 small least-squares problems). The
// cache size and eager limit, which enter non-linearly, are searched over powers of two.
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/rows.h"
#include "sim/calibrate_nccl.h"
#include "sim/profile.h"

// Fitted parameters: base, alpha/beta/gamma per level, mem_ns_per_byte, fault_ns_per_byte, rndv_us,
// mem_reduce_ns_per_byte, the MPI library's own mpi_base_us and mpi_gamma_ns_per_byte (fitted on
// the `mpi` rows after the links, which our own algorithms' rows determine), and the NICs' overhead
// beyond their line rate (nic_efficiency, when the profile gives the network and rows are bound by it).
#define CC_CALIB_NPARAMS 14

typedef struct {
  int levels;              // 1: one link for every step; 2: intra- and inter-node links apart
  const char *strategies;  // comma list whose rows drive the fit; NULL: every usable row except the
                           // library baselines (mpi, nccl) when rows of our own algorithms exist
  double min_bytes;        // ignore rows smaller than this (0: all)
  uint64_t cache_bytes;    // 0: search for the cache size that fits best; UINT64_MAX: no cache term
  uint64_t eager_bytes;    // the same for the eager limit (UINT64_MAX: no rendezvous term)
  bool fix_mpi_decision;   // keep mpi_decision; false: choose the one that explains the mpi rows best
  cc_mpi_decision mpi_decision;
  cc_nccl_fit_opts nccl;   // rows of strategy nccl fit the profile's NCCL parameters (calibrate_nccl.h)
} cc_calib_opts;

typedef struct {
  size_t rows_fit;         // rows that drove the fit (host and NCCL)
  size_t repeats;          // slower repeats of a measured point, left out (observe.h)
  bool host_fit;           // rows of host algorithms (or mpi alone) fitted base_us, the links, ...
  bool nccl_fit;           // rows of nccl fitted the NCCL parameters
  cc_nccl_fit_report nccl;
  size_t rows_skipped;     // unusable rows (not measured, no model, no time)
  char skip_reason[200];   // why the first unusable row was skipped
  int iterations;          // refits while mpi/nccl rows changed their algorithm choice
  bool identified[CC_CALIB_NPARAMS];  // per parameter (base, intra a/b/g, inter a/b/g, mem, fault, rndv, mem_reduce,
                                     // mpi_base, mpi_gamma, nic):
                                     // did any row depend on it
  double rms_rel_error;    // over the rows that drove the fit
  // Compressors fitted after the links, one per spelling in the rows (compress != none): encode and
  // decode rates from the rows' encode_us and decode_us.
  int ncompress;
  struct {
    char name[48];
    size_t encode_rows, decode_rows;
    double encode_rms, decode_rms;  // rms relative error of each phase's fit
  } compress[CC_PROFILE_MAX_COMPRESS];
  size_t compress_dropped;  // spellings beyond CC_PROFILE_MAX_COMPRESS, not fitted
} cc_calib_report;

// `prof` carries in the shape and the implementation's segment sizes (cc_profile_init defaults are
// fine) and receives the fitted base_us, links, memory and protocol terms, and the mpi model (decision, overheads). 0, or -1 with one line in err
// (e.g. no usable rows).
//
// Compressed rows (compress != none) do not drive the link fit when rows of uncompressed algorithms of
// ours exist; otherwise (or when named in opts->strategies) their comm_us does, against the terms of
// the communication alone. Then each compressor's encode and decode rates are fitted, with the links
// fixed, to the rows' encode_us and decode_us (docs/cost-model.md), and stored in prof->compress.
int cc_calibrate(const cc_rowset *rows, const cc_calib_opts *opts, cc_profile *prof, cc_calib_report *rep,
                 char *err, size_t errlen);
