# The break-even of gradient compression (scripts/bench-netcluster.sh): time to the target loss
# against the link rate, per strategy, measured (points) and predicted by ccsim step (dashed line).
# Where a compressor's curve crosses the baseline's is the rate below which it pays off.
# Driver variables: measured (breakeven.csv), predicted (predicted.csv), out, base, target; optional
# fmt ('png' default, or 'svg') and strategies (space-separated; default: read from measured).
if (!exists("fmt")) fmt = 'png'
w = 960
h = 600
load 'plots/style.gp'
set datafile separator ','
if (!exists("strategies")) strategies = system("awk -F, 'NR > 1 && !seen[$1]++ { printf \"%s \", $1 }' ".measured)
set logscale x 10
set autoscale xfix
set logscale y 10
set format y '%g'
set xlabel 'link rate per node, each way (Mbit/s, log scale)'
set ylabel 'time to target loss (s, log scale)'
set title sprintf("Time to validation loss %s on 2 emulated nodes: measured (points) and ccsim step (dashed)", target)
set key outside right top
plot for [i=1:words(strategies)] predicted using 2:(strcol(1) eq word(strategies, i) ? $3 : NaN) \
       with lines lt i dt 2 notitle, \
     for [i=1:words(strategies)] measured using 2:(strcol(1) eq word(strategies, i) ? $7 : NaN) \
       with linespoints lt i title word(strategies, i)
