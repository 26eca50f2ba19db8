# The harness's tests (see tests/harness-*.sh and tests/test_placement.c).
# folio-lab-testwl is the harness CLI linked with test-only workloads
# (tests/harness-workloads.c), so these tests do not depend on bench/.
add_executable(folio-lab-testwl ${PROJECT_SOURCE_DIR}/harness/main.c
  ${CMAKE_CURRENT_LIST_DIR}/harness-workloads.c)
target_link_libraries(folio-lab-testwl PRIVATE fl_harness)

add_executable(test_placement ${CMAKE_CURRENT_LIST_DIR}/test_placement.c
  ${CMAKE_CURRENT_LIST_DIR}/harness-workloads.c)
target_link_libraries(test_placement PRIVATE fl_harness)
add_test(NAME harness-placement COMMAND test_placement)
set_tests_properties(harness-placement PROPERTIES LABELS unit TIMEOUT 60)

# Shell tests get the test binary, the real binary and the expected-output dir.
foreach(t plan cli)
  add_test(NAME harness-${t}
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/harness-${t}.sh $<TARGET_FILE:folio-lab-testwl>
            ${CMAKE_CURRENT_LIST_DIR}/expected)
  set_tests_properties(harness-${t} PROPERTIES LABELS unit TIMEOUT 60 SKIP_RETURN_CODE 77)
endforeach()
foreach(t run merge sigint real profile)
  add_test(NAME harness-${t}
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/harness-${t}.sh $<TARGET_FILE:folio-lab-testwl>
            $<TARGET_FILE:folio-lab>)
  set_tests_properties(harness-${t} PROPERTIES LABELS native TIMEOUT 120 SKIP_RETURN_CODE 77)
endforeach()
