# H100 NDR cluster fitted to public nccl-tests logs: 8 H100 SXM per node on NVSwitch, 8 x 400 Gb/s NDR
# InfiniBand per node (the hardware of h100-ib-cluster.profile), NCCL's parameters fitted by ccsim
# calibrate to three all_reduce_perf runs with NCCL's defaults on one such cluster at 16, 32 and 64
# ranks (NVIDIA/nccl-tests#309, user gj-aion, 2025-06-18; sim/tests/data/nccl-tests/aion-h100_*, see
# SOURCES.md there), 1 MiB to 8 GiB. Regenerate: scripts/nccl-corpus.sh (results/nccl-corpus/).
#
# How far to trust it: the plain fit is 1.7% median, 15.3% worst from 1 MiB; each rank count predicted by
# a fit without it: 16 ranks 5.4% / 18.2%, 32 ranks 5.5% / 18.6%, 64 ranks 6.0% / 16.8% (median / worst).
# Nothing below 1 MiB was measured: the LL and small-size terms are NCCL's defaults or marked undetermined,
# and so are base latencies (one size band cannot split base and hops). Each value's note says which.
# The links that price ccbench's own algorithms (base_us, intra.*, inter.*) are h100-ib-cluster's published
# figures (docs/profile-sources.md), kept as they were: nccl rows do not touch them.
name = h100-ndr-aion
source = ccsim calibrate (d8402f281ce7) from sim/tests/data/nccl-tests/aion-h100_h100_16r2n.log, sim/tests/data/nccl-tests/aion-h100_h100_32r4n.log, sim/tests/data/nccl-tests/aion-h100_h100_64r8n.log: 42 rows, rms relative error 3.6%
ranks_per_node = 8
nodes = 8
base_us = 6.6
intra.alpha_us = 0.6
intra.beta_ns_per_byte = 0.00273973  # 365 GB/s
intra.gamma_ns_per_byte = 0
inter.alpha_us = 2.7
inter.beta_ns_per_byte = 0.0212766  # 47 GB/s
inter.gamma_ns_per_byte = 0
ring_segment_bytes = 1048576
tree_chunk_bytes = 262144
mpi_decision = openmpi
nvlink_GBps = 450
nvls_GBps = 480
nics_per_node = 8
nic_GBps = 50
nccl.algorithms = ring,tree,nvls,nvlstree
nccl.protocols = ll,ll128,simple
# NCCL's pairs (docs/cost-model.md); parameters not listed are NCCL's defaults
nccl.ring.ll.base_us = 13.1588  # undetermined by the measurements: the prior decides it
nccl.ring.ll.intra_hop_us = 0.325453  # fitted
nccl.ring.ll.inter_hop_us = 0.218767  # undetermined by the measurements: the prior decides it
nccl.ring.ll.intra_ns_per_byte = 0.00555556  # 180 GB/s, undetermined by the measurements: the prior decides it
nccl.ring.ll.net_ns_per_byte = 0.0303377  # 32.96 GB/s, undetermined by the measurements: the prior decides it
nccl.ring.ll128.base_us = 17.7563  # undetermined by the measurements: the prior decides it
nccl.ring.ll128.intra_hop_us = 2.31321  # fitted
nccl.ring.ll128.inter_hop_us = 3.64835  # undetermined by the measurements: the prior decides it
nccl.ring.ll128.intra_ns_per_byte = 0.00301932  # 331.2 GB/s, undetermined by the measurements: the prior decides it
nccl.ring.ll128.net_ns_per_byte = 0.00385281  # 259.6 GB/s, fitted
nccl.ring.simple.base_us = 9.9502  # undetermined by the measurements: the prior decides it
nccl.ring.simple.intra_hop_us = 2.01175  # fitted
nccl.ring.simple.inter_hop_us = 2.02525  # fitted
nccl.ring.simple.intra_ns_per_byte = 0.00566185  # 176.6 GB/s, fitted
nccl.ring.simple.net_ns_per_byte = 0.003125  # 320 GB/s, undetermined by the measurements: the prior decides it
nccl.tree.ll.base_us = 21.2705  # undetermined by the measurements: the prior decides it
nccl.tree.ll.intra_hop_us = 4.98119  # undetermined by the measurements: the prior decides it
nccl.tree.ll.inter_hop_us = 0  # at its bound (0, or the hardware ceiling)
nccl.tree.ll.intra_ns_per_byte = 0.0105556  # 94.74 GB/s, undetermined by the measurements: the prior decides it
nccl.tree.ll.net_ns_per_byte = 0.0136935  # 73.03 GB/s, fitted
nccl.tree.ll128.base_us = 16.4043  # undetermined by the measurements: the prior decides it
nccl.tree.ll128.intra_hop_us = 1.51834  # undetermined by the measurements: the prior decides it
nccl.tree.ll128.inter_hop_us = 36.5992  # undetermined by the measurements: the prior decides it
nccl.tree.ll128.intra_ns_per_byte = 0.00256737  # 389.5 GB/s, fitted
nccl.tree.ll128.net_ns_per_byte = 0.0037663  # 265.5 GB/s, undetermined by the measurements: the prior decides it
nccl.tree.simple.base_us = 7.80439  # undetermined by the measurements: the prior decides it
nccl.tree.simple.intra_hop_us = 2.10917  # undetermined by the measurements: the prior decides it
nccl.tree.simple.inter_hop_us = 35.765  # undetermined by the measurements: the prior decides it
nccl.tree.simple.intra_ns_per_byte = 0.002707  # 369.4 GB/s, undetermined by the measurements: the prior decides it
nccl.tree.simple.net_ns_per_byte = 0.00376292  # 265.8 GB/s, fitted
nccl.nvlstree.simple.base_us = 0.187384  # undetermined by the measurements: the prior decides it
nccl.nvlstree.simple.intra_hop_us = 142.115  # undetermined by the measurements: the prior decides it
nccl.nvlstree.simple.inter_hop_us = 26.6413  # fitted
nccl.nvlstree.simple.intra_ns_per_byte = 0.00214766  # 465.6 GB/s, fitted
nccl.nvlstree.simple.net_ns_per_byte = 0.00311336  # 321.2 GB/s, fitted
