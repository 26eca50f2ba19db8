# Speedup of each kernel label over the baseline (same variant), with the
# conservative range from the two CIs; 1 = as fast as the baseline.
load plotsdir."/common.gp"
set yrange [*:*]
do for [t in "png svg"] {
	if (t eq "png") {
		set terminal pngcairo size W,H font "sans,10" noenhanced
	} else {
		set terminal svg size W,H font "sans,10" noenhanced
	}
	set output outbase.".".t
	plot 1 with lines lc rgb "#444444" dt 3 title "baseline (1.0)", \
	     for [i=1:nseries] datafile index (i-1) using 1:2:3:4 with yerrorlines lw 2 \
		ps 0.8 lc rgb lcol[i] pt lpt[i] title titles[i]
	unset output
}
