# AWS p4d.24xlarge: 8 A100-SXM4 on NVSwitch, 4 x 100 Gb/s EFA (AWS instance documentation; awsdocs tutorial-efa-using.md).
name = aws-p4d
ranks_per_node = 8
nodes = 2
base_us = 0
intra.alpha_us = 0                  # host-algorithm links unused for these logs (strategy nccl)
intra.beta_ns_per_byte = 0
intra.gamma_ns_per_byte = 0
nvlink_GBps = 300                   # A100 SXM4: 12 NVLink 3 links x 25 GB/s each way
nics_per_node = 4
nic_GBps = 12.5                     # EFA 100 Gb/s each
