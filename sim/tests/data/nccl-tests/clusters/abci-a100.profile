# ABCI Compute Node (A): 8 A100-SXM4 on NVSwitch, InfiniBand HDR 200 Gb/s x 4 per node, SHARP in the switches
# (ABCI system overview; the log's run sets NCCL_COLLNET_ENABLE=1, aistabci/abci-docs sharp.md).
name = abci-a100
ranks_per_node = 8
nodes = 2
base_us = 0
intra.alpha_us = 0                  # host-algorithm links unused for these logs (strategy nccl)
intra.beta_ns_per_byte = 0
intra.gamma_ns_per_byte = 0
nvlink_GBps = 300                   # A100 SXM4: 12 NVLink 3 links x 25 GB/s each way (NVIDIA A100 datasheet: 600 GB/s both ways)
nics_per_node = 4
nic_GBps = 25                       # HDR 200 Gb/s
nccl.algorithms = ring,tree,collnetdirect,collnetchain  # CollNet: SHARP in-network reduction
