# NREL Kestrel GPU nodes: 4 H100 SXM joined by NVLink (no NVSwitch: no NVLS), 4 HPE Slingshot 11 NICs of 200 Gb/s
# (NatLabRockies/ESIFHPC4 README; NREL Kestrel system documentation).
name = kestrel-h100
ranks_per_node = 4
nodes = 16
base_us = 0
intra.alpha_us = 0                  # host-algorithm links unused for these logs (strategy nccl)
intra.beta_ns_per_byte = 0
intra.gamma_ns_per_byte = 0
nvlink_GBps = 450                   # H100 SXM: 18 NVLink 4 links x 25 GB/s each way
nics_per_node = 4
nic_GBps = 25                       # Slingshot 11, 200 Gb/s
