# Training loss per strategy (trailing mean) against step (xcol = 1) or wall time (xcol = 2). With a
# known entropy floor (the Markov source) the top panel draws it and the bottom panel shows the loss
# above the floor on a log scale, where the gaps between strategies near the end become visible.
# Driver variables: dir, out, fmt, vars (from loss.awk), dat, xcol.
load vars
w = 1000
h = hasfloor ? 700 : 520
load dir.'/style.gp'
xname = xcol == 1 ? 'step' : 'wall time of rank 0 (s, sum of step times)'
# drawn last to first, so the reference (the first strategy) lies on top; the key keeps the order
curves = "for [i=words(names):1:-1] dat index (i-1) using xcol:COL with lines lt lt_of(word(colors,i)) notitle, ".\
         "for [i=1:words(names)] keyentry with lines lt lt_of(word(colors,i)) title word(names,i)"
set multiplot title ttl."\n".subt font ',12'
set lmargin at screen 0.08
set rmargin at screen 0.76
set key at screen 0.78, screen 0.88 left top vertical Left reverse samplen 2.5 font ',10'
set ylabel sprintf('training loss (nats, mean of %d steps)', win)
if (hasfloor) {
  set tmargin at screen 0.88
  set bmargin at screen 0.42
  set format x ''
  set yrange [floor - 0.08 * (ymax - floor):ymax + 0.03 * (ymax - floor)]
  set arrow from graph 0, first floor to graph 1, first floor nohead lc rgb '#000000' dt (10,6) lw 1.5 front
  set label sprintf('entropy floor of the source: %.4f nats', floor) at graph 0.02, first floor left offset 0,-0.8 font ',10' front
  COL = 3
  eval 'plot '.curves
  unset arrow
  unset label
  set key off
  set tmargin at screen 0.40
  set bmargin at screen 0.09
  set format x '%g'
  set xlabel xname
  set logscale y 10
  set format y '%g'
  set yrange [emin / 1.5:(ymax - floor) * 1.3]
  set ylabel 'loss - floor (log scale)'
  COL = 4
  eval 'plot '.curves
} else {
  set tmargin at screen 0.86
  set bmargin at screen 0.12
  set xlabel xname
  COL = 3
  eval 'plot '.curves
}
unset multiplot
