# Calibrated by ccsim calibrate; edit freely, docs/FORMATS.md describes the keys.
name = c-kernels-2c
source = ccsim calibrate (72b7ca0668f0-dirty) from results/c-kernels-2c/2026-11-23/allreduce_np2.csv: 144 rows, rms relative error 32.9%
ranks_per_node = 2
nodes = 1
base_us = 0.0959266
intra.alpha_us = 0.660571
intra.beta_ns_per_byte = 0.200681  # 4.983 GB/s
intra.gamma_ns_per_byte = 0.112969
ring_segment_bytes = 1048576
tree_chunk_bytes = 262144
mpi_rd_max_bytes = 18446744073709551615
