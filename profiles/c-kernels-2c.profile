# Calibrated by ccsim calibrate; edit freely, docs/FORMATS.md describes the keys.
name = c-kernels-2c
source = ccsim calibrate (1e004b4c372b-dirty) from results/c-kernels-2c/2026-11-23/calibration/sweep-a/allreduce_np2.csv: 144 rows, rms relative error 22.5%
ranks_per_node = 2
nodes = 1
base_us = 0.181252
intra.alpha_us = 0.784222
intra.beta_ns_per_byte = 0.0772527  # 12.94 GB/s
intra.gamma_ns_per_byte = 0.164405
ring_segment_bytes = 1048576
tree_chunk_bytes = 262144
mpi_decision = openmpi
mpi_base_us = 0.063873
mpi_gamma_ns_per_byte = 0.175559
eager_bytes = 2048
rndv_us = 6.38659
cache_bytes = 2097152
mem_ns_per_byte = 0.0878037
mem_reduce_ns_per_byte = 0.120334
mmap_threshold_bytes = 33554432
fault_ns_per_byte = 0.41032
# Compressor rates of this VM, fitted by ccsim calibrate on the compressed ccbench sweep (np 2, ring and
# rd with each compressor; results/c-kernels-2c/2026-11-23/compressed/compressed.profile). fp16 and sign
# have none measured: ccsim prices them with its default rates and says so.
compress.int8.encode_ns_per_elem = 11.3592
compress.int8.decode_ns_per_elem = 0.402446
compress.bf16.encode_ns_per_elem = 0.575442
compress.bf16.decode_ns_per_elem = 0.345233
compress.topk:0.01.encode_ns_per_elem = 5.57069
compress.topk:0.01.decode_ns_per_elem = 0.0937525
compress.topk:0.01.encode_us = 27.7969
compress.powersgd:4.encode_ns_per_elem = 8.52161
compress.powersgd:4.decode_ns_per_elem = 5.09016
