# Calibrated by ccsim calibrate; edit freely, docs/FORMATS.md describes the keys.
name = aws-eks-g4dn
source = ccsim calibrate (d8402f281ce7) from sim/tests/data/nccl-tests/aws-eks-g4dn_t4_2r2n.log: 29 rows, rms relative error 6.2%
ranks_per_node = 1
nodes = 2
base_us = 0
intra.alpha_us = 0
intra.beta_ns_per_byte = 0  # 0 GB/s
intra.gamma_ns_per_byte = 0
ring_segment_bytes = 1048576
tree_chunk_bytes = 262144
mpi_decision = openmpi
nvlink_GBps = 16
nics_per_node = 1
nic_GBps = 12.5
nccl.algorithms = ring,tree
nccl.protocols = ll,ll128,simple
# NCCL's pairs (docs/cost-model.md); parameters not listed are NCCL's defaults
nccl.ring.simple.base_us = 13.9166  # undetermined by the measurements: the prior decides it
nccl.ring.simple.intra_hop_us = 3.4  # undetermined by the measurements: the prior decides it
nccl.ring.simple.inter_hop_us = 44.6477  # fitted
nccl.ring.simple.intra_ns_per_byte = 0.078125  # 12.8 GB/s, undetermined by the measurements: the prior decides it
nccl.ring.simple.net_ns_per_byte = 0.341442  # 2.929 GB/s, fitted
nccl.tree.simple.base_us = 10.7633  # undetermined by the measurements: the prior decides it
nccl.tree.simple.intra_hop_us = 4  # undetermined by the measurements: the prior decides it
nccl.tree.simple.inter_hop_us = 27.1293  # fitted
nccl.tree.simple.intra_ns_per_byte = 0.548803  # 1.822 GB/s, undetermined by the measurements: the prior decides it
nccl.tree.simple.net_ns_per_byte = 0.108696  # 9.2 GB/s, undetermined by the measurements: the prior decides it
