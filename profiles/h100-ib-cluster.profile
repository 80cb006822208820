# H100 cluster: DGX H100 nodes (8 GPUs on NVLink 4) joined by 400 Gb/s InfiniBand NDR, one NIC per
# GPU. Published figures, not measured here; nodes = 128 is only a default shape (ccsim predict --ranks
# sweeps other counts). docs/profile-sources.md.
name = h100-ib-cluster
source = published figures: NCCL tuning.cc latencies; nccl-tests#212 (NVLink) and nccl-tests#290 (NDR) busbw
ranks_per_node = 8
nodes = 128
base_us = 6.6                  # NCCL base latency, ring, LL protocol (src/graph/tuning.cc)
intra.alpha_us = 0.6           # NCCL per-hop NVLink latency, LL protocol (src/graph/tuning.cc)
intra.beta_ns_per_byte = 0.00274  # 1/365 GB/s, NCCL ring busbw on 8x H100 NVLink4 (NVIDIA/nccl-tests#212)
intra.gamma_ns_per_byte = 0    # reduction fused into NCCL's copy; included in the measured busbw
inter.alpha_us = 2.7           # NCCL per-hop network latency, LL protocol (src/graph/tuning.cc)
inter.beta_ns_per_byte = 0.0213   # 1/47 GB/s: NDR 400 Gb/s gives 46-48 GB/s effective per NIC (NVIDIA/nccl-tests#290)
inter.gamma_ns_per_byte = 0    # as intra: the reduction hides under the copy on the GPU
