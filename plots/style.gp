# The look every plot shares. The driver sets: out (output file), fmt ('png' or 'svg'); a script may
# set w and h (pixels) before loading this.
if (!exists("w")) w = 960
if (!exists("h")) h = 600
if (fmt eq 'svg') {
  set terminal svg size w,h dynamic noenhanced font 'Sans,12' background rgb 'white'
} else {
  set terminal pngcairo size w,h noenhanced font 'Sans,11' background rgb 'white'
}
set output out
set style line 100 lc rgb '#e6e6e6' lw 1 dt solid
set grid back ls 100, ls 100
set border 3 back lc rgb '#555555'
set tics nomirror out
set key outside right top vertical Left reverse samplen 2.5 spacing 1.15 font ',10'
set title font ',12'
set datafile separator "\t"
set datafile missing '-'

# One colour per strategy, the same in every plot of a run: the driver numbers strategies in the
# order it meets them (mpi and nccl, the library baselines, are always 11: black). Numbers past 16
# reuse the colours with open symbols: use "lt lt_of(c) pt pt_of(c)".
set linetype 1 lc rgb '#1f77b4' lw 2 pt 7 ps 0.7
set linetype 2 lc rgb '#ff7f0e' lw 2 pt 5 ps 0.7
set linetype 3 lc rgb '#2ca02c' lw 2 pt 9 ps 0.8
set linetype 4 lc rgb '#d62728' lw 2 pt 11 ps 0.8
set linetype 5 lc rgb '#9467bd' lw 2 pt 13 ps 0.8
set linetype 6 lc rgb '#8c564b' lw 2 pt 7 ps 0.7
set linetype 7 lc rgb '#e377c2' lw 2 pt 5 ps 0.7
set linetype 8 lc rgb '#7f7f7f' lw 2 pt 9 ps 0.8
set linetype 9 lc rgb '#bcbd22' lw 2 pt 11 ps 0.8
set linetype 10 lc rgb '#17becf' lw 2 pt 13 ps 0.8
set linetype 11 lc rgb '#000000' lw 2 pt 7 ps 0.7
set linetype 12 lc rgb '#393b79' lw 2 pt 5 ps 0.7
set linetype 13 lc rgb '#b8860b' lw 2 pt 9 ps 0.8
set linetype 14 lc rgb '#1b9e77' lw 2 pt 11 ps 0.8
set linetype 15 lc rgb '#843c39' lw 2 pt 13 ps 0.8
set linetype 16 lc rgb '#7b4173' lw 2 pt 7 ps 0.7
set linetype cycle 16
lt_of(c) = (int(c + 0) - 1) % 16 + 1
pt_of(c) = word(int(c + 0) <= 16 ? '7 5 9 11 13 7 5 9 11 13 7 5 9 11 13 7' : '6 4 8 10 12 6 4 8 10 12 6 4 8 10 12 6', lt_of(c)) + 0
ps_of(c) = int(c + 0) <= 16 ? 0.75 : 1.3
