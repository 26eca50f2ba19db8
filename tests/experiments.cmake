# The experiments' summaries on generated records (every table present, with
# numbers, valid HTML) and the `folio-lab-compare table` conditions,
# expressions and --reference they are written with.
add_test(NAME experiments.summaries
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/experiments.sh $<TARGET_FILE:folio-lab-compare>)
set_tests_properties(experiments.summaries
  PROPERTIES LABELS "unit;experiments" SKIP_RETURN_CODE 77 TIMEOUT 300)

# Each experiment's measure step (--quick, natively) through its summary and
# report (issue 23).
add_test(NAME experiments-measure COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/experiments-measure.sh)
set_tests_properties(experiments-measure PROPERTIES LABELS "native;experiments"
  SKIP_RETURN_CODE 77 TIMEOUT 1800 RESOURCE_LOCK cpus ENVIRONMENT "FOLIO_LAB_BUILD=${CMAKE_BINARY_DIR}")
