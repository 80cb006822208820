# Validation loss against step for several cctrain runs, with a reference level (a published figure).
# Driver variables: dir, out, fmt; dat (one index block per run: step, val_loss), names (one word per
# run, '_' for blanks), ttl, subt, ref (the reference loss, 0: none), reflabel.
w = 960
h = 560
load dir.'/style.gp'
set datafile separator whitespace
set title ttl."\n".subt
set xlabel 'step'
set ylabel 'validation loss (nats per token)'
n = words(names)
if (ref > 0) {
  set arrow from graph 0, first ref to graph 1, first ref nohead lc rgb '#000000' dt (10,6) lw 1.5 front
  set label reflabel at graph 0.02, first ref left offset 0,-0.8 font ',10' front
}
set yrange [*:*]
plot for [i=1:n] dat index (i-1) using 1:2 with linespoints lt i title word(names, i)
