# AWS p3dn.24xlarge: 8 V100-SXM2 on NVLink 2, one 100 Gb/s EFA (AWS instance documentation; awsdocs tutorial-efa-using.md).
name = aws-p3dn
ranks_per_node = 8
nodes = 2
base_us = 0
intra.alpha_us = 0                  # host-algorithm links unused for these logs (strategy nccl)
intra.beta_ns_per_byte = 0
intra.gamma_ns_per_byte = 0
nvlink_GBps = 150                   # V100 SXM2: 6 NVLink 2 links x 25 GB/s each way (NVIDIA V100 datasheet: 300 GB/s both ways)
nics_per_node = 1
nic_GBps = 12.5                     # EFA 100 Gb/s
