# HPE Cray EX254n blade node: 4 GH200 joined all-to-all by NVLink (no NVSwitch: no NVLS), 4 Slingshot 11 NICs of
# 200 Gb/s (SOURCES.md; HPE Cray EX254n and CSCS Alps / Sigma2 Olivia documentation).
name = olivia-gh200
ranks_per_node = 4
nodes = 4
base_us = 0
intra.alpha_us = 0                  # host-algorithm links unused for these logs (strategy nccl)
intra.beta_ns_per_byte = 0
intra.gamma_ns_per_byte = 0
nvlink_GBps = 450                   # GH200's H100: 18 NVLink 4 links x 25 GB/s each way (6 to each of 3 peers)
nics_per_node = 4
nic_GBps = 25                       # Slingshot 11, 200 Gb/s
