# Throughput against workers: one line per kernel label and variant, the 95%
# CI of the median as a band, dashed linear scaling from the 1-worker median.
load plotsdir."/common.gp"
if (exists("ymax") && ymax > 0) set yrange [0:ymax]
do for [t in "png svg"] {
	if (t eq "png") {
		set terminal pngcairo size W,H font "sans,10" noenhanced
	} else {
		set terminal svg size W,H font "sans,10" noenhanced
	}
	set output outbase.".".t
	plot for [i=1:nseries] datafile index (i-1) using 1:3:4 with filledcurves \
		fs transparent solid 0.18 noborder lc rgb lcol[i] notitle, \
	     for [i=1:nseries] datafile index (i-1) using 1:7 with lines dt 2 lw 1 lc rgb lcol[i] notitle, \
	     for [i=1:nseries] datafile index (i-1) using 1:2 with linespoints lw 2 ps 0.8 \
		lc rgb lcol[i] pt lpt[i] title titles[i], \
	     NaN with lines dt 2 lc rgb "#666666" title "linear from 1 worker"
	unset output
}
