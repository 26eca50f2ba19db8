# Fraction of the machine's single-cache-line ceiling (1 / median handoff
# latency, from the handoff workload on the same kernel label).
load plotsdir."/common.gp"
set yrange [0:*]
do for [t in "png svg"] {
	if (t eq "png") {
		set terminal pngcairo size W,H font "sans,10" noenhanced
	} else {
		set terminal svg size W,H font "sans,10" noenhanced
	}
	set output outbase.".".t
	plot 100 with lines lc rgb "#444444" dt 3 title "ceiling (100%)", \
	     for [i=1:nseries] datafile index (i-1) using 1:3:4 with filledcurves \
		fs transparent solid 0.18 noborder lc rgb lcol[i] notitle, \
	     for [i=1:nseries] datafile index (i-1) using 1:2 with linespoints lw 2 ps 0.8 \
		lc rgb lcol[i] pt lpt[i] title titles[i]
	unset output
}
