# H100 cluster: DGX H100 nodes (8 GPUs on NVLink 4) joined by 400 Gb/s InfiniBand NDR, one NIC per GPU.
#
# PUBLISHED FIGURES, NOT MEASURED HERE. Every number below is copied from the public source named
# beside it; docs/profile-sources.md has the list and the derivation in more words.
#
# How the figures become alpha, beta and gamma (as in dgx-h100.profile):
#  - latencies (base_us, *.alpha_us) from NCCL's tuning model (src/graph/tuning.cc), LL protocol: the
#    protocol small messages use; the bandwidths from large-message measurements (Simple protocol).
#    ccsim has one alpha-beta line per link, so it takes alpha from the low-latency protocol and beta
#    from the bandwidth protocol.
#  - intra: the DGX H100 numbers (dgx-h100.profile).
#  - inter: alpha is NCCL's per-hop network latency; beta = 1 / (effective GB/s of one NDR NIC). Each
#    GPU has its own NIC, so a rank's inter-node traffic goes through one NIC; that is the per-rank
#    link ccsim's inter level stands for (hier: each rank sends n / ranks_per_node bytes over it).
#  - gamma = 0 on both levels: NCCL reduces inside its copy kernels.
#  - the node's hardware (NVLink, NVLS, its 8 NICs) sets the ceilings no prediction exceeds; ranks of a
#    node share its NICs. NCCL's own algorithms (strategy nccl) use NCCL's published latencies and
#    bandwidths from this hardware; profiles/h100-ndr-aion.profile has them fitted to real logs.
# nodes = 128 is only a default shape; `ccsim predict --ranks` sweeps other rank counts.
name = h100-ib-cluster
source = published figures, not measured: NCCL src/graph/tuning.cc latencies (LL protocol); busbw from NVIDIA/nccl-tests#212 (NVLink 4) and NVIDIA/nccl-tests#290 (NDR) (docs/profile-sources.md)
ranks_per_node = 8                  # 8 H100 SXM GPUs per DGX H100 node (NVIDIA DGX H100 spec)
nodes = 128                         # default shape only (1024 GPUs), no published figure; predict --ranks sweeps others
base_us = 6.6                       # NCCL base latency, ring algorithm, LL protocol (NVIDIA/nccl src/graph/tuning.cc)
intra.alpha_us = 0.6                # NCCL per-hop NVLink latency, ring, LL protocol (NVIDIA/nccl src/graph/tuning.cc)
intra.beta_ns_per_byte = 0.00273973 # 1/365 GB/s: NCCL ring allreduce busbw ~365-370 GB/s on 2-8 H100 over NVLink 4 (NVIDIA/nccl-tests#212)
intra.gamma_ns_per_byte = 0         # NCCL reduces inside the copy; the busbw of NVIDIA/nccl-tests#212 already includes it
inter.alpha_us = 2.7                # NCCL per-hop network latency, ring, LL protocol (NVIDIA/nccl src/graph/tuning.cc)
inter.beta_ns_per_byte = 0.0212766  # 1/47 GB/s: InfiniBand NDR 400 Gb/s gives 46-48 GB/s effective per NIC (NVIDIA/nccl-tests#290)
inter.gamma_ns_per_byte = 0         # as intra: the reduction runs inside NCCL's copy on the GPU
nvlink_GBps = 450                   # H100 SXM: 18 NVLink 4 links x 25 GB/s each way (NVIDIA H100 datasheet: 900 GB/s both ways)
nvls_GBps = 480                     # NVLink SHARP allreduce busbw on 8 H100, ~480 GB/s (NVIDIA/nccl-tests#212)
nics_per_node = 8                   # one 400 Gb/s NDR ConnectX-7 per GPU (DGX H100 user guide; NVIDIA/nccl-tests#290)
nic_GBps = 50                       # 400 Gb/s line rate; 46-48 GB/s reached per NIC (NVIDIA/nccl-tests#290)
nccl.algorithms = ring,tree,nvls,nvlstree  # NVLS inside a node, NVLS-tree across nodes (no SHARP switches: no CollNet)
nccl.protocols = ll,ll128,simple   # NCCL's three protocols, LL128 enabled on NVLink (NCCL docs: NCCL_PROTO)
