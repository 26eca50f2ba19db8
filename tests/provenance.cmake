# Kernel tree provenance in meta.json (harness/kernel-provenance.sh).
add_test(NAME provenance COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/provenance.sh $<TARGET_FILE:folio-lab>)
set_tests_properties(provenance PROPERTIES LABELS native TIMEOUT 120)
