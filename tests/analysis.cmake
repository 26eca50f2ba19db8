# Analysis: statistics, compare/gating, export-csv, charts, HTML report.
add_executable(test_stats ${CMAKE_CURRENT_LIST_DIR}/test_stats.c)
target_link_libraries(test_stats PRIVATE fl_stats)

add_test(NAME analysis.stats COMMAND test_stats)
add_test(NAME analysis.stats-scipy
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/analysis-scipy.sh $<TARGET_FILE:test_stats>)
add_test(NAME analysis.compare
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/analysis-compare.sh $<TARGET_FILE:folio-lab-compare>)
add_test(NAME analysis.plots
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/analysis-plots.sh $<TARGET_FILE:folio-lab-compare>)
add_test(NAME analysis.report
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/analysis-report.sh $<TARGET_FILE:folio-lab-compare>)
# the series' table (series): platform, boundaries, changes and their CIs on seeded records
add_test(NAME analysis.series
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/analysis-series.sh $<TARGET_FILE:folio-lab-compare>)
# false-regression rate and power on seeded records of known answers (fixed seeds)
add_test(NAME analysis.rates
  COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/analysis-rates.py $<TARGET_FILE:folio-lab-compare>
    --seeds 100)
set_tests_properties(analysis.stats analysis.stats-scipy analysis.compare analysis.rates
  analysis.series
  PROPERTIES LABELS unit SKIP_RETURN_CODE 77)
# Not a test: 1e6 records (time, memory) and the rates for each correction.
add_custom_target(analysis-benchmark
  COMMAND ${PROJECT_SOURCE_DIR}/analysis/benchmark.sh $<TARGET_FILE:folio-lab-compare>
  DEPENDS folio-lab-compare USES_TERMINAL)
set_tests_properties(analysis.plots analysis.report
  PROPERTIES LABELS report SKIP_RETURN_CODE 77 TIMEOUT 600)
