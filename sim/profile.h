// A machine profile: the numbers ccsim predicts with.
//
// Hockney's model per link level: a message of m bytes costs alpha + m * beta, reducing m bytes costs
// m * gamma. Two levels (inside a node, between nodes) plus a fixed cost per collective call. The file
// is "key = value" lines (docs/FORMATS.md); a profile with no inter.* keys uses its intra link for both.
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include "sim/nccl_model.h"

typedef enum { CC_INTRA, CC_INTER, CC_NLEVELS } cc_level;

typedef struct {
  double alpha_us;           // latency per message
  double beta_ns_per_byte;   // inverse bandwidth: 1 / (GB/s)
  double gamma_ns_per_byte;  // reduction cost per byte of result
} cc_link;

// A compressor's local work (docs/cost-model.md, "Compressed allreduce"): encode once per call, decode
// once per payload, each a fixed cost plus a cost per f32 element of the vector; PowerSGD's encode also
// pays per flop of its matrix products.
typedef struct {
  char name[48];             // the compressor's spelling ("topk:0.01+ef") or its kind ("topk")
  double encode_us, encode_ns_per_elem, encode_ns_per_flop;
  double decode_us, decode_ns_per_elem;
} cc_compress_cost;

#define CC_PROFILE_MAX_COMPRESS 16

typedef enum { CC_MPI_OPENMPI, CC_MPI_MPICH, CC_MPI_SWITCH, CC_MPI_NDECISIONS } cc_mpi_decision;
const char *cc_mpi_decision_name(cc_mpi_decision d);  // "openmpi", "mpich", "switch"


typedef struct {
  char name[64];
  char source[512];          // where the numbers come from (free text, one line)
  int ranks_per_node, nodes; // the machine's shape; predict may sweep other rank counts
  double base_us;            // fixed cost of one collective call (launch, synchronisation)
  cc_link link[CC_NLEVELS];
  bool single_level;         // inter copies intra (no inter.* keys, or a one-level fit)
  // How the implementation cuts messages (ccbench's defaults): the model counts the messages.
  uint64_t ring_segment_bytes, tree_chunk_bytes;
  // The `mpi` baseline model: which algorithm the MPI library picks per size and ranks (openmpi: Open
  // MPI 4.1's fixed decision table; mpich: MPICH's; switch: recursive doubling below mpi_rd_max_bytes,
  // ring from it on), and what the library costs beyond our own kernels: mpi_base_us per call and
  // mpi_gamma_ns_per_byte per byte it reduces (its reduction loop may be slower than ours).
  cc_mpi_decision mpi_decision;
  uint64_t mpi_rd_max_bytes;
  double mpi_base_us, mpi_gamma_ns_per_byte;
  // Host memory (0 where it does not matter, e.g. GPUs): when a node's working set (send + receive
  // buffer of every rank on it) outgrows cache_bytes, the missing fraction 1 - cache/W of the bytes
  // moved pays mem_ns_per_byte more and of the bytes reduced mem_reduce_ns_per_byte more (a reduction
  // streams three arrays, a copy two). Temporary buffers the MPI library allocates per call
  // at or above mmap_threshold_bytes come from fresh pages: fault_ns_per_byte each (mpi baseline).
  uint64_t cache_bytes, mmap_threshold_bytes;
  double mem_ns_per_byte, mem_reduce_ns_per_byte, fault_ns_per_byte;
  // Message protocol (0: none): messages larger than eager_bytes go by rendezvous, a handshake that
  // costs rndv_us more than alpha (Open MPI's shared-memory eager limit is 4 KiB, TCP's 64 KiB).
  uint64_t eager_bytes;
  double rndv_us;
  int ncompress;
  cc_compress_cost compress[CC_PROFILE_MAX_COMPRESS];
  // The hardware as it is, for every strategy: ceilings no prediction exceeds (0: not given, no ceiling).
  double nvlink_GBps;        // a GPU's link bandwidth inside its node, each way (H100 SXM: 450)
  double nvls_GBps;          // NVLink SHARP bus bandwidth of a node's switch (0: no NVLS)
  int nics_per_node;         // the node's network: NICs, shared by the node's ranks ...
  double nic_GBps;           // ... at this rate each (400 Gb/s InfiniBand NDR: 50)
  double nic_efficiency;     // the share of nic_GBps that carries the host strategies' payload (frame and
                             // protocol headers: TCP over Ethernet about 0.96); 1 unless fitted or given
  double mem_GBps;           // a node's memory bandwidth, shared by its ranks (host algorithms) ...
  double cache_GBps;         // ... and its last-level cache's, for what the cache holds (0: not shared)
  // NCCL (sim/nccl_model.h): the algorithms and protocols it may choose from (bit sets), and each
  // pair's latency and bandwidth terms. nccl_given marks the values the file set or a fit determined;
  // the others are NCCL's published defaults (cc_profile_nccl_defaults). nccl_note is what calibrate
  // found out about each, written beside it.
  unsigned nccl_algos, nccl_protos;
  double nccl[CC_NCCL_NPARAMS];
  unsigned char nccl_given[CC_NCCL_NPARAMS];
  unsigned char nccl_note[CC_NCCL_NPARAMS];  // cc_param_note
} cc_profile;

// What calibration says about a parameter, written as a comment beside it in the profile.
typedef enum {
  CC_NOTE_NONE,
  CC_NOTE_FITTED,        // determined by the measurements
  CC_NOTE_UNDETERMINED,  // the measurements leave it uncertain (alone, or its share of a sum they fix): the
                         // prior, the profile's value or NCCL's default, decides it
  CC_NOTE_AT_BOUND,      // fitted to its bound (0, or a hardware ceiling)
} cc_param_note;
const char *cc_param_note_text(cc_param_note n);

// The default value of NCCL parameter i under the profile's hardware: NCCL's published latencies
// (src/graph/tuning.cc), bandwidths from the hardware figures (docs/cost-model.md).
double cc_profile_nccl_default(const cc_profile *p, int i);
// The lower bound of NCCL parameter i: 0 for latencies, 1 / ceiling for bandwidth terms.
double cc_profile_nccl_floor(const cc_profile *p, int i);
// Fills every NCCL parameter not given with its default (after the hardware keys are known).
void cc_profile_nccl_defaults(cc_profile *p);
// The default algorithm and protocol sets where none were given, then cc_profile_nccl_defaults.
void cc_profile_nccl_finish(cc_profile *p);

// Defaults for everything but name, shape and links.
void cc_profile_init(cc_profile *p);
// Reads a profile file. 0, or -1 with one line "<path>:<line>: ..." in err.
int cc_profile_read(cc_profile *p, const char *path, char *err, size_t errlen);
// Parses profile text (path is only used in messages).
int cc_profile_parse(cc_profile *p, const char *text, const char *path, char *err, size_t errlen);
// Writes the profile atomically; `comment` (may be NULL) is written as leading '#' lines.
int cc_profile_write(const cc_profile *p, const char *path, const char *comment);
// The cost entry for compressor `name`, or NULL.
const cc_compress_cost *cc_profile_compress(const cc_profile *p, const char *name);
const char *cc_level_name(cc_level l);  // "intra", "inter"
