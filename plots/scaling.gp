# Predicted scaling of each strategy at one message size: time (left) and bus bandwidth (right)
# against the rank count, with measured rows of the same profile as large open circles; one legend
# right of both.
# Driver variables: dir, out, fmt, vars (from scaling.awk), dat, mdat.
w = 1200
h = 560
load dir.'/style.gp'
load vars
set multiplot title ttl."\n".subt font ',12'
set logscale x 2
set xrange [rmin / 1.25:rmax * 1.25]
eval rankstics
set xlabel 'ranks'
set tmargin at screen 0.86
set bmargin at screen 0.12
predicted = "for [i=1:words(names)] dat index (i-1) using 1:COL with linespoints lt lt_of(word(colors,i)) pt pt_of(word(colors,i)) ps ps_of(word(colors,i)) title word(names,i)"
measured = "for [i=1:words(mnames)] mdat index (i-1) using 1:COL with points lt lt_of(word(mcolors,i)) pt 6 ps 2.2 lw 2 notitle"
legend = "keyentry with points lc rgb '#000000' pt 6 ps 2.2 lw 2 title mtitle"

set lmargin at screen 0.07
set rmargin at screen 0.39
set key off
set logscale y 10
set format y '%g'
set ylabel 'time per '.word(ttl, 1).' ('.tunit.', log scale)'
COL = 2
if (words(mnames) > 0) { eval 'plot '.predicted.', '.measured } else { eval 'plot '.predicted }

set lmargin at screen 0.475
set rmargin at screen 0.795
unset logscale y
set yrange [0:*]
set ylabel 'bus bandwidth (GB/s)'
set key at screen 0.81, screen 0.86 left top vertical Left reverse samplen 2.5 font ',10'
COL = 3
if (words(mnames) > 0) { eval 'plot '.predicted.', '.measured.', '.legend } else { eval 'plot '.predicted.', '.legend }
unset multiplot
