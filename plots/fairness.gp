# Per-worker fairness: each measurement's median worker, bars from its
# slowest to its fastest worker (medians over the repetitions). Lines are
# shifted sideways a little so that their bars stay visible.
load plotsdir."/common.gp"
do for [t in "png svg"] {
	if (t eq "png") {
		set terminal pngcairo size W,H font "sans,10" noenhanced
	} else {
		set terminal svg size W,H font "sans,10" noenhanced
	}
	set output outbase.".".t
	plot for [i=1:nseries] datafile index (i-1) using 1:2:3:4 with yerrorlines lw 1.5 \
		ps 0.7 lc rgb lcol[i] pt lpt[i] title titles[i]
	unset output
}
