#!/usr/bin/env bash
# Writes a small results directory with one file of every kind plots/plot.sh reads:
#
#   plots/tests/fixture.sh DIR
#
#   DIR/allreduce_np4.csv              measured rows (ccbench), 4 strategies, one with a quoted name
#   DIR/validation/predicted_np4.csv   predictions at those points (ccsim validate --csv) + sidecar
#   DIR/validation/errors_np4.csv      their errors (ccsim validate --errors)
#   DIR/predicted_scaling.csv          predictions over 2..64 ranks (ccsim predict)
#   DIR/train/                         a cctrain --compare: summary.csv, train_<strategy>.csv + sidecars
#   DIR/step_run.csv                   step predictions of that run (ccsim step --csv --bandwidths schema)
#   DIR/step_scale.csv                 step predictions over 8..64 ranks (ccsim step --csv schema)
#   DIR/step_ttt.csv                   the run's strategies over 8..64 ranks and 1..100 GB/s
#   DIR/other.csv                      a CSV of no known kind (skipped)
# The numbers are made up but shaped like the real ones.
set -euo pipefail
d=${1:?usage: fixture.sh DIR}
mkdir -p "$d/validation" "$d/train"

meta() {  # meta FILE TOOL COMMAND [extra JSON lines]
  { printf '{\n  "tool": "%s",\n  "commit": "f1x7u4e0c0de",\n  "date": "2026-01-01T00:00:00Z",\n' "$2"
    printf '  "command": "%s"' "$3"
    [ $# -lt 4 ] || printf ',\n%s' "$4"
    printf '\n}\n'; } > "$1.meta.json"
}
header=source,op,strategy,algo,compress,dtype,ranks,nodes,ranks_per_node,bytes,count,time_us,time_min_us,time_max_us,algbw_GBps,busbw_GBps,wire_bytes,errors,profile

# rows MODE RANKS: ring, tree, mpi and a quoted top-k at sizes 16 B .. 1 MiB (x4), time = a + bytes / bw,
# as measured or predicted rows, or as the errors between the two (MODE errors).
rows() {
  awk -v mode="$1" -v ranks="$2" -v OFS=, 'BEGIN {
    split("ring tree mpi ring+topk:0.01,approx", s, " "); split("ring tree mpi ring", a, " ")
    split("none none none topk:0.01,approx", c, " ")
    for (b = 16; b <= 1048576; b *= 4)
      for (i = 1; i <= 4; i++) {
        tp = (3 + i) * (1 + 0.1 * log(ranks)) + b / (1000 * (1 + i / 4)); tm = tp * (1.1 + 0.05 * sin(b + i))
        t = mode == "measured" ? tm : tp
        alg = b / t / 1e3; bus = alg * 2 * (ranks - 1) / ranks
        name = (i == 4) ? "\"" s[i] "\"" : s[i]
        if (mode == "errors")
          print name, "allreduce", ranks, 2, b, (b < 65536 ? "<64K" : "64K-1M"), tm, tp, (tm - tp) / tm
        else
          print mode, "allreduce", name, a[i], (i == 4 ? "\"" c[i] "\"" : c[i]), "f32", ranks, ranks / 2, 2, b, b / 4,
            t, t * 0.9, t * 1.3, alg, bus, b, (mode == "measured" ? 0 : -1), "fixture"
      }
  }'
}
{ echo "$header"; rows measured 4; } > "$d/allreduce_np4.csv"
meta "$d/allreduce_np4.csv" ccbench "ccbench -b 16 -e 1M -f 4 --profile fixture --csv $d/allreduce_np4.csv" \
  '  "ranks": 4'
{ echo "$header"; rows predicted 4; } > "$d/validation/predicted_np4.csv"
meta "$d/validation/predicted_np4.csv" "ccsim validate" \
  "validate -p fixture.profile --against $d/allreduce_np4.csv --errors $d/validation/errors_np4.csv --csv $d/validation/predicted_np4.csv"
{ echo strategy,op,ranks,ranks_per_node,bytes,band,measured_us,predicted_us,rel_error; rows errors 4; } \
  > "$d/validation/errors_np4.csv"
{ echo "$header"; for r in 2 4 8 16 32 64; do rows predicted "$r"; done; } > "$d/predicted_scaling.csv"
meta "$d/predicted_scaling.csv" "ccsim predict" "predict -p fixture.profile --ranks 2..64 --csv $d/predicted_scaling.csv"

# A training comparison: 60 steps of three strategies on a source with floor 1.15.
floor=1.149813
i=0
for s in ring ring+int8 ring+topk:0.01+ef; do
  f=$d/train/train_${s//:/_}.csv
  awk -v s="$s" -v k=$i -v fl=$floor -v OFS=, 'BEGIN {
    print "step,strategy,loss,val_loss,lr,grad_norm,tokens_per_s,step_ms,compute_ms,encode_ms,comm_ms,decode_ms,optim_ms,wire_bytes,payload_bytes"
    for (t = 0; t < 60; t++) {
      loss = fl + 0.02 * (1 + k) + 1.6 * exp(-t / (8 + 6 * k)) + 0.01 * sin(t * 1.7)
      val = (t % 20 == 19) ? sprintf("%.6f", loss + 0.005) : ""
      print t, s, sprintf("%.6f", loss), val, 0.01, 0.5, 30000, 18 - 2 * k, 12, 0.5 * k, 5 - 1.5 * k, 0.1 * k, 0.7,
        int(662016 / (1 + 20 * k)), int(441344 / (1 + 20 * k)) } }' > "$f"
  meta "$f" cctrain "cctrain --compare ring,ring+int8,ring+topk:0.01+ef --out-dir $d/train" \
    "  \"ranks\": 4,
  \"data\": \"markov(V=16,k=2,sharpness=3,seed=1)/train\",
  \"loss_floor\": $floor,
  \"layers\": 2,
  \"channels\": 64,
  \"parameters\": 110336"
  i=$((i + 1))
done
cat > "$d/train/summary.csv" <<EOF
strategy,steps,final_loss,final_val_loss,val_loss_gap,loss_floor,step_ms,compute_ms,encode_ms,comm_ms,decode_ms,optim_ms,wire_bytes_per_step,payload_bytes_per_step,payload_ratio
ring,60,1.175,1.180,0.000000,$floor,18.0,12.0,0.000,5.000,0.000,0.700,662016,441344,1.00
ring+int8,60,1.198,1.204,0.024000,$floor,16.0,12.0,0.500,3.500,0.100,0.700,336180,112060,3.94
ring+topk:0.01+ef,60,1.240,1.245,0.065000,$floor,14.0,12.0,1.000,2.000,0.200,0.700,26508,8836,49.95
EOF
cp "$d/train/train_ring.csv.meta.json" "$d/train/summary.csv.meta.json"

step_header=profile,strategy,ranks,ranks_per_node,params,grad_bytes,bucket_bytes,buckets,compute_us,comm_us,exposed_comm_us,step_us,efficiency
# step ROWS: "strategy ranks exposed_us [GBps]" lines -> step rows of a 110336-parameter model, 12.7 ms compute
step_rows() {
  awk -v OFS=, -v prof="$1" -v params="$2" '{ s = $1; e = $3; c = 12700; st = c + e
    printf "%s,\"%s\",%d,%d,%d,%d,4194304,1,%g,%g,%g,%g,%.6g%s\n", prof, s, $2, 2, params, params * 4, c, e * 1.5, e, st,
      c / st, (NF > 3 ? "," $4 : "") }'
}
{ echo "$step_header,inter_GBps"
  printf '%s\n' "ring 4 200 12.9" "ring+int8 4 150 12.9" "ring+topk:0.01+ef 4 90 12.9" | step_rows fixture 110336; } > "$d/step_run.csv"
meta "$d/step_run.csv" "ccsim step" "step -p fixture.profile -s ring,ring+int8,ring+topk:0.01+ef --bandwidths 12.9" \
  '  "note": "default encode/decode rates for int8 (no compress.* costs in the profile)"'
{ echo "$step_header"
  for r in 8 16 32 64; do echo "ring $r $((r * 900))"; echo "hier:ring/ring $r $((r * 300))"; done | step_rows cluster 124000000
} > "$d/step_scale.csv"
{ echo "$step_header,inter_GBps"
  for s in ring ring+int8 ring+topk:0.01+ef; do
    for r in 8 16 32 64; do echo "$s $r $(( r * 500 / (1 + ${#s} / 8) )) 50"; done
    for b in 1 10 100; do echo "$s 64 $(( 200000 / b / (1 + ${#s} / 8) )) $b"; done
  done | step_rows cluster 124000000; } > "$d/step_ttt.csv"
meta "$d/step_ttt.csv" "ccsim step" "step -p cluster.profile -s ring,ring+int8,ring+topk:0.01+ef --bandwidths 1,10,100" \
  '  "note": "default encode/decode rates for int8 (no compress.* costs in the profile)"'

printf 'a,b\n1,2\n' > "$d/other.csv"
