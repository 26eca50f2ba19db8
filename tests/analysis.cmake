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
set_tests_properties(analysis.stats analysis.stats-scipy analysis.compare
  PROPERTIES LABELS unit SKIP_RETURN_CODE 77)
set_tests_properties(analysis.plots analysis.report
  PROPERTIES LABELS report SKIP_RETURN_CODE 77 TIMEOUT 600)
