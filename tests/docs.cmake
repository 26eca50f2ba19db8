# The README and docs/: no dangling relative link, anchor or lab path, and
# the README's test command is the one .ci/run runs. Seconds.
add_test(NAME docs-links COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/docs-links.sh)
set_tests_properties(docs-links PROPERTIES LABELS unit TIMEOUT 60 SKIP_RETURN_CODE 77)
