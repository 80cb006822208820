# Predicted time to reach a target loss at scale, per strategy: the steps the small training run took
# to reach it times the predicted step time on a cluster profile. Left: against the rank count at the
# profile's inter-node bandwidth; right (when predicted): against that bandwidth at a fixed rank
# count, which shows at which bandwidth compression starts to pay.
# Driver variables: dir, out, fmt, vars (from ttt.awk), dat, bdat.
load vars
w = 1200
h = 600
load dir.'/style.gp'
curves(f) = sprintf("for [i=1:words(names)] '%s' index (i-1) using 1:2 with linespoints lt lt_of(word(colors,i)) pt pt_of(word(colors,i)) ps ps_of(word(colors,i)) title value(sprintf('key%%d', i))", f)
set multiplot title ttl."\n".subt font ',11'
set tmargin at screen 0.80
set bmargin at screen 0.11
set logscale x 2
set logscale y 10
set format y '%g'
set ylabel 'time to target loss ('.tunit.', log scale)'
set xlabel sprintf('ranks (inter-node bandwidth %g GB/s)', basebw)
set lmargin at screen 0.07
set rmargin at screen (hasbw ? 0.37 : 0.68)
set key at screen (hasbw ? 0.775 : 0.70), screen 0.80 left top vertical Left reverse samplen 2.5 font ',10'
eval 'plot '.curves(dat)
if (hasbw) {
  set key off
  set logscale x 10
  set autoscale xfix
  set offsets graph 0.04, graph 0.04, 0, 0
  set xlabel sprintf('inter-node bandwidth (GB/s, log scale) at %d ranks', atranks)
  set lmargin at screen 0.45
  set rmargin at screen 0.75
  set arrow from first basebw, graph 0 to first basebw, graph 1 nohead lc rgb '#999999' dt 2 back
  set label 'profile' at first basebw, graph 1 offset 0.5,-0.8 font ',9' tc rgb '#777777'
  eval 'plot '.curves(bdat)
}
unset multiplot
