# Bus bandwidth against message size, one colour per strategy: measured solid with points, predicted
# at the same points dashed (nccl-tests' busbw: comparable with the link bandwidth whatever P is).
# Driver variables: dir, out, fmt, vars (from busbw.awk), meas, pred.
load dir.'/style.gp'
load vars
set title ttl."\n".subt
set logscale x 2
set logscale y 10
eval bytetics
set xlabel 'message size (bytes; K, M, G = 2^10, 2^20, 2^30)'
set ylabel 'bus bandwidth (GB/s, log scale)'
set format y '%g'
measured = "for [i=1:words(mnames)] meas index (i-1) using 1:2 with linespoints lt lt_of(word(mcolors,i)) pt pt_of(word(mcolors,i)) ps ps_of(word(mcolors,i)) title word(mnames,i)"
predicted = "for [i=1:words(pnames)] pred index (i-1) using 1:2 with lines lt lt_of(word(pcolors,i)) dt (8,6) lw 1.5 notitle, ".\
            "keyentry with lines lc rgb '#000000' dt (8,6) lw 1.5 title ptitle"
if (words(pnames) > 0) { eval 'plot '.measured.', '.predicted } else { eval 'plot '.measured }
