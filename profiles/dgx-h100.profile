# DGX H100 node: 8 H100 SXM GPUs on NVLink 4 (NVSwitch). Published figures, not measured here.
# The alpha-beta line takes its latency from NCCL's low-latency protocol and its bandwidth from the
# bandwidth protocol: small messages behave like LL, large ones like Simple. docs/profile-sources.md.
name = dgx-h100
source = published figures: NCCL tuning.cc latencies; nccl-tests#212 busbw (see docs/profile-sources.md)
ranks_per_node = 8
nodes = 1
base_us = 6.6                  # NCCL base latency, ring, LL protocol (src/graph/tuning.cc)
intra.alpha_us = 0.6           # NCCL per-hop NVLink latency, LL protocol (src/graph/tuning.cc)
intra.beta_ns_per_byte = 0.00274  # 1/365 GB/s: ring allreduce busbw ~365-370 GB/s on 8x H100 NVLink4 (NVIDIA/nccl-tests#212)
intra.gamma_ns_per_byte = 0    # NCCL reduces inside the copy kernel; the measured busbw already includes it
