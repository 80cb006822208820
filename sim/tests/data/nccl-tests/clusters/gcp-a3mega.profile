# GCP a3-megagpu-8g: 8 H100 SXM, 8 NICs of 200 Gb/s for GPU traffic (GPUDirect-TCPXO; GCP A3 Mega documentation).
name = gcp-a3mega
ranks_per_node = 8
nodes = 2
base_us = 0
intra.alpha_us = 0                  # host-algorithm links unused for these logs (strategy nccl)
intra.beta_ns_per_byte = 0
intra.gamma_ns_per_byte = 0
nvlink_GBps = 450                   # H100 SXM: 18 NVLink 4 links x 25 GB/s each way (NVIDIA H100 datasheet)
nvls_GBps = 480                     # NVLink SHARP allreduce busbw on 8 H100 (NVIDIA/nccl-tests#212)
nics_per_node = 8
nic_GBps = 25
