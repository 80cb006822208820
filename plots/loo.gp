# Leave-one-rank-count-out validation of one (strategy, op): bus bandwidth against message size, one
# colour per rank count; measured as open circles, the prediction of the profile fitted without that
# rank count (held_out) solid, the one fitted on every rank count (fit) thin dashed.
# Driver variables: dir, out, fmt, vars (from loo.awk), dat.
w = 1200
load dir.'/style.gp'
load vars
set title ttl."\n".subt
set logscale x 2
set logscale y 10
eval bytetics
set xrange [xlo:xhi]
set xlabel 'message size (bytes; K, M, G = 2^10, 2^20, 2^30)'
set ylabel 'bus bandwidth (GB/s, log scale)'
set format y '%g'
plot for [g in meas] dat index (3 * (g - 1)) using 1:2 with points lt lt_of(word(colors, g + 0)) pt 6 ps 1.3 lw 1.5 notitle, \
     for [g in held] dat index (3 * (g - 1) + 1) using 1:2 with lines lt lt_of(word(colors, g + 0)) lw 2 notitle, \
     for [g in fit] dat index (3 * (g - 1) + 2) using 1:2 with lines lt lt_of(word(colors, g + 0)) lw 1.2 dt (8, 5) notitle, \
     for [g = 1:ngroups] keyentry with linespoints lt lt_of(word(colors, g)) pt 6 ps 1.3 lw 2 title value(sprintf('key%d', g)), \
     keyentry with points lc rgb '#000000' pt 6 ps 1.3 lw 1.5 title 'circles: measured', \
     keyentry with lines lc rgb '#000000' lw 2 title 'solid: held-out prediction', \
     keyentry with lines lc rgb '#000000' lw 1.2 dt (8, 5) title 'dashed: fit on all rank counts'
