# Where a training step's time goes, as stacked bars: measured by cctrain (compute, the sync's encode,
# communication and decode, optimizer, the rest) and predicted by ccsim step (compute and optimizer
# as given to it, the communication backward does not hide), per strategy.
# Driver variables: dir, out, fmt, vars (from split.awk), dat.
load vars
w = 1100
h = 600
load dir.'/style.gp'
set title ttl."\n".subt
set style fill solid 0.9 border lc rgb '#ffffff'
set linetype 101 lc rgb '#4c78a8'
set linetype 102 lc rgb '#f58518'
set linetype 103 lc rgb '#e45756'
set linetype 104 lc rgb '#b279a2'
set linetype 105 lc rgb '#54a24b'
set linetype 106 lc rgb '#bab0ac'
set linetype 107 lc rgb '#9ecae9'
set linetype 108 lc rgb '#ff9d98'
eval tics
set xtics nomirror scale 0 rotate by -20 left font ',10'
set xrange [0.3:xmax]
set yrange [0:ytop * yroom]
set ylabel 'time per step (ms)'
set grid noxtics ytics
unset border
set border 3 lc rgb '#555555'
set key outside right top vertical Left reverse samplen 2 font ',10'
name(c) = c == 1 ? 'measured: compute (forward + backward)' : c == 2 ? 'measured: encode' : \
          c == 3 ? 'measured: communication' : c == 4 ? 'measured: decode' : \
          c == 5 ? 'measured: optimizer' : c == 6 ? 'measured: other (data loading, bookkeeping)' : \
          c == 7 ? 'predicted: compute + optimizer (as given)' : 'predicted: exposed communication'
plot dat index 0 using 1:2:3:4:5:6:(100 + $7) with boxxyerror lc variable notitle, \
     dat index 1 using 1:2:3 with labels left rotate by 90 offset 0,0.5 font ',8' tc rgb '#333333' notitle, \
     for [c in legend] keyentry with boxes lt 100 + c title name(c + 0)
