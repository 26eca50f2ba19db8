# First-run set-up (run.sh setup): one line per step, the package tools'
# output in $FOLIO_LAB_CACHE/setup.log, the log's tail on failure. Fake
# apt-get/dpkg-query: no network, no root, seconds.
add_test(NAME setup-quiet COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/setup-quiet.sh)
set_tests_properties(setup-quiet PROPERTIES LABELS unit TIMEOUT 120)
