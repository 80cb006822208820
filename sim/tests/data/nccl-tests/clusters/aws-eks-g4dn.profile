# AWS g4dn.metal under EKS, one T4 per pod and node in this log, one 100 Gb/s EFA (SOURCES.md; AWS instance documentation).
name = aws-eks-g4dn
ranks_per_node = 1
nodes = 2
base_us = 0
intra.alpha_us = 0                  # host-algorithm links unused for these logs (strategy nccl)
intra.beta_ns_per_byte = 0
intra.gamma_ns_per_byte = 0
nvlink_GBps = 16                    # no NVLink: PCIe Gen3 x16, ~16 GB/s each way
nics_per_node = 1
nic_GBps = 12.5                     # EFA 100 Gb/s
