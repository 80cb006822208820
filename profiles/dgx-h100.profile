# DGX H100: one node of 8 H100 SXM GPUs joined by NVLink 4 (through NVSwitch).
#
# PUBLISHED FIGURES, NOT MEASURED HERE. Every number below is copied from the public source named
# beside it; docs/profile-sources.md has the list and the derivation in more words.
#
# How the figures become alpha, beta and gamma:
#  - NCCL's own tuning model (src/graph/tuning.cc) costs a collective as base latency + per-hop latency
#    x steps + bytes / bandwidth, with a separate table per protocol. LL has the lowest latency and the
#    lowest bandwidth, Simple the opposite, and NCCL switches protocol by message size. ccsim has one
#    straight alpha-beta line per link, so it takes its latencies (base_us, alpha_us) from LL, which is
#    what small messages see, and its bandwidth (beta) from large-message measurements, where Simple runs.
#  - beta = 1 / busbw. ccsim's ring moves 2(p-1)/p n bytes per rank and nccl-tests defines allreduce
#    busbw as algbw x 2(p-1)/p, so a measured ring busbw of B GB/s is exactly beta = 1/B ns per byte.
#  - gamma = 0. NCCL's kernels add while they copy, so the reduction costs no time of its own, and the
#    measured busbw already includes it.
#  - NCCL's own algorithms (strategy nccl): the hardware below sets the ceilings and the default
#    bandwidths (80% of a line rate, NCCL's protocol shares on top); the latencies are NCCL's published
#    defaults per algorithm and protocol (tuning.cc). profiles/h100-ndr-aion.profile has the same
#    hardware with NCCL's parameters fitted to real nccl-tests logs.
# No inter.* keys: this is one node. For several DGX nodes use h100-ib-cluster.profile.
name = dgx-h100
source = published figures, not measured: NCCL src/graph/tuning.cc latencies (LL protocol); ring allreduce busbw from NVIDIA/nccl-tests#212 (docs/profile-sources.md)
ranks_per_node = 8                  # a DGX H100 holds 8 H100 SXM GPUs (NVIDIA DGX H100 spec; the 8-GPU runs of NVIDIA/nccl-tests#212)
nodes = 1                           # one DGX by definition of this profile
base_us = 6.6                       # NCCL base latency, ring algorithm, LL protocol (NVIDIA/nccl src/graph/tuning.cc)
intra.alpha_us = 0.6                # NCCL per-hop NVLink latency, ring, LL protocol (NVIDIA/nccl src/graph/tuning.cc)
intra.beta_ns_per_byte = 0.00273973 # 1/365 GB/s: NCCL ring allreduce busbw ~365-370 GB/s on 2-8 H100 over NVLink 4 (NVIDIA/nccl-tests#212, NVIDIA/nccl#1455)
intra.gamma_ns_per_byte = 0         # NCCL reduces inside the copy; the busbw of NVIDIA/nccl-tests#212 already includes it
nvlink_GBps = 450                   # H100 SXM: 18 NVLink 4 links x 25 GB/s each way (NVIDIA H100 datasheet: 900 GB/s both ways)
nvls_GBps = 480                     # NVLink SHARP allreduce busbw on 8 H100, ~480 GB/s (NVIDIA/nccl-tests#212)
nics_per_node = 8                   # DGX H100: 8 ConnectX-7 for the compute fabric (NVIDIA DGX H100 user guide)
nic_GBps = 50                       # 400 Gb/s NDR line rate
nccl.algorithms = ring,tree,nvls,nvlstree  # NVLS on the NVSwitch of a DGX H100 (NCCL docs: NCCL_NVLS_ENABLE)
nccl.protocols = ll,ll128,simple   # NCCL's three protocols, LL128 enabled on NVLink (NCCL docs: NCCL_PROTO)
