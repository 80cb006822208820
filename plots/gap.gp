# What compression costs in loss for what it saves in bytes: one point per strategy, wire bytes a rank
# sends per step (log) against the final validation loss above the source's entropy floor (log), each
# labelled with its gap to the uncompressed run, whose level is the dashed line.
# Driver variables: dir, out, fmt, vars (from gap.awk), dat.
load vars
w = 1000
h = 600
load dir.'/style.gp'
set title ttl."\n".subt
set logscale x 10
set logscale y 10
set format x '%.0s%c'
set format y '%g'
set xrange [xmin / 3:xmax * 4]
set yrange [ymin / 1.6:ymax * 1.6]
set xlabel 'wire bytes sent per rank per step (log scale; k, M = 10^3, 10^6)'
set ylabel hasfloor ? 'final validation loss - entropy floor (nats, log scale)' : 'final validation loss (nats, log scale)'
set key off
if (refy > 0) {
  set arrow from graph 0, first refy to graph 1, first refy nohead lc rgb '#555555' dt (8,6) lw 1.2 back
  set label 'uncompressed ('.ref.')' at graph 0.01, first refy offset 0,0.7 tc rgb '#555555' font ',9' back
}
plot for [i=1:words(names)] dat index (i-1) using 1:2 with points lt lt_of(word(colors,i)) pt 7 ps 1.8, \
     for [i=1:words(names)] dat index (i-1) using 1:4:3 with labels left offset 1.2,0 font ',10' tc lt lt_of(word(colors,i))
