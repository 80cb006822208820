# Hardware of the cluster behind the aion-h100 logs (SOURCES.md): 8 nodes of 8 H100 SXM (NVSwitch), 8 x 400 Gb/s
# InfiniBand NDR per node ('8 400 Gbps NICs', NVIDIA's reply in NVIDIA/nccl-tests#309).
name = aion-h100
ranks_per_node = 8
nodes = 8
base_us = 0
intra.alpha_us = 0                  # host-algorithm links unused for these logs (strategy nccl)
intra.beta_ns_per_byte = 0
intra.gamma_ns_per_byte = 0
nvlink_GBps = 450                   # H100 SXM: 18 NVLink 4 links x 25 GB/s each way (NVIDIA H100 datasheet)
nvls_GBps = 480                     # NVLink SHARP allreduce busbw on 8 H100 (NVIDIA/nccl-tests#212)
nics_per_node = 8
nic_GBps = 50
