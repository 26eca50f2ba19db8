# The cover letter's chart: median throughput of each kernel against workers
# (log2 axis), the 95% CI of the median as a band, one linear-scaling
# reference from the baseline's smallest worker count, clipped to the plot.
# Kernels differ in colour and dash type, not only in marker.
load plotsdir."/common.gp"
if (exists("ymax") && ymax > 0) set yrange [0:ymax]
set clip two
set key inside left top vertical
do for [t in "png svg"] {
	if (t eq "png") {
		set terminal pngcairo size W,H font "sans,10" noenhanced dashed
	} else {
		set terminal svg size W,H font "sans,10" noenhanced dashed
	}
	set output outbase.".".t
	plot for [i=1:nseries] datafile index (i-1) using 1:3:4 with filledcurves \
		fs transparent solid 0.15 noborder lc rgb lcol[i] notitle, \
	     (linear > 0 && x >= xmin ? linear * x : NaN) with lines dt 3 lw 1 lc rgb "#777777" title linear_title, \
	     for [i=1:nseries] datafile index (i-1) using 1:2 with linespoints lw 2.5 ps 1 \
		dt ldt[i] lc rgb lcol[i] pt lpt[i] title titles[i]
	unset output
}
