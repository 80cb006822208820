# Relative prediction error |predicted - measured| / measured against message size, one colour per
# strategy, from `ccsim validate --errors`; the project's goal lines (median 10%, worst 25%) and the
# size bands ccsim validate reports (<64K, 64K-1M, 1M-16M, >=16M).
# Driver variables: dir, out, fmt, vars (from errors.awk), dat.
load dir.'/style.gp'
load vars
set title ttl."\n".subt
set logscale x 2
set logscale y 10
eval bytetics
set format y '%g%%'
set yrange [(ymin * 0.7 < 5 ? ymin * 0.7 : 5):(ymax * 1.5 > 150 ? ymax * 1.5 : 150)]
set xlabel 'message size (bytes; K, M, G = 2^10, 2^20, 2^30)'
set ylabel 'relative error of the prediction (log scale)'
set arrow from graph 0, first 10 to graph 1, first 10 nohead lc rgb '#2ca02c' dt 3 lw 1.5 back
set arrow from graph 0, first 25 to graph 1, first 25 nohead lc rgb '#d62728' dt 3 lw 1.5 back
do for [b in bands] {
  set arrow from first b+0, graph 0 to first b+0, graph 1 nohead lc rgb '#999999' dt 2 lw 1 back
}
plot for [i=1:words(names)] dat index (i-1) using 1:2 with linespoints lt lt_of(word(colors,i)) pt pt_of(word(colors,i)) ps ps_of(word(colors,i)) \
     title value(sprintf('key%d', i)), \
     keyentry with lines lc rgb '#2ca02c' dt 3 lw 1.5 title 'goal: median <= 10%', \
     keyentry with lines lc rgb '#d62728' dt 3 lw 1.5 title 'goal: worst <= 25%', \
     keyentry with lines lc rgb '#999999' dt 2 lw 1 title 'size bands of ccsim validate'
