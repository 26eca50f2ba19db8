# Contention per operation: a counter (failed gets, cmpxchg retries, lost
# freezes, ...) divided by the operations of the same measurement.
load plotsdir."/common.gp"
do for [t in "png svg"] {
	if (t eq "png") {
		set terminal pngcairo size W,H font "sans,10" noenhanced
	} else {
		set terminal svg size W,H font "sans,10" noenhanced
	}
	set output outbase.".".t
	plot for [i=1:nseries] datafile index (i-1) using 1:2:3:4 with yerrorlines lw 2 \
		ps 0.8 lc rgb lcol[i] pt lpt[i] title titles[i]
	unset output
}
