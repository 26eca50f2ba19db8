# The native workloads (bench/) and the refcount schemes they share with the
# module: tests/test_refscheme.c, tests/workloads-*.sh.
add_executable(test_refscheme ${CMAKE_CURRENT_LIST_DIR}/test_refscheme.c)
target_link_libraries(test_refscheme PRIVATE Threads::Threads)
add_test(NAME workloads-refscheme COMMAND test_refscheme)
set_tests_properties(workloads-refscheme PROPERTIES LABELS unit TIMEOUT 120)

# The v4 put-path race, forced step by step on the scheme copies.
add_executable(test_put_race ${CMAKE_CURRENT_LIST_DIR}/test_put_race.c)
target_link_libraries(test_put_race PRIVATE Threads::Threads)
add_test(NAME test_put_race COMMAND test_put_race)
set_tests_properties(test_put_race PROPERTIES LABELS unit TIMEOUT 60)

# Each workload through the real binary: records well formed, counters sane,
# the workload's declared smoke runs and checks (tests/workloads-records.sh).
# The tests are found at ctest time from the built binary (`folio-lab list
# --names`, as gtest_discover_tests does), so a new workload has its test
# with no edit here; before the binary is built, one test says so.
file(GENERATE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/workloads-discover.cmake CONTENT "
set(_lab [==[$<TARGET_FILE:folio-lab>]==])
set(_sh [==[${CMAKE_CURRENT_LIST_DIR}/workloads-records.sh]==])
if(EXISTS \${_lab})
  execute_process(COMMAND \${_lab} list --names OUTPUT_VARIABLE _names RESULT_VARIABLE _rc)
else()
  set(_rc missing)
endif()
if(NOT _rc EQUAL 0)
  add_test(workloads-records-NOT-BUILT bash -c \"echo 'build folio-lab first (\${_lab}: \${_rc})'; exit 1\")
else()
  string(REPLACE \"\\n\" \";\" _names \"\${_names}\")
  foreach(_wl \${_names})
    if(_wl)
      add_test(workloads-records-\${_wl} bash \${_sh} \${_lab} \${_wl})
      set_tests_properties(workloads-records-\${_wl} PROPERTIES
        LABELS native TIMEOUT 180 SKIP_RETURN_CODE 77 RESOURCE_LOCK cpus)
    endif()
  endforeach()
endif()
")
set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES
  ${CMAKE_CURRENT_BINARY_DIR}/workloads-discover.cmake)

# Per-pair rows of a sweep keep the sweep point in their key (issue 23).
add_test(NAME workloads-record-identity
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/workloads-record-identity.sh
          $<TARGET_FILE:folio-lab> $<TARGET_FILE:folio-lab-compare>)
set_tests_properties(workloads-record-identity PROPERTIES
  LABELS native TIMEOUT 120 SKIP_RETURN_CODE 77 RESOURCE_LOCK cpus)

# docs/workloads.md is `folio-lab list --markdown`: regenerate it with
#   build/folio-lab list --markdown > docs/workloads.md
add_test(NAME workloads-doc
  COMMAND bash -c "diff -u \"$1\" <(\"$0\" list --markdown) || { echo 'docs/workloads.md is stale: $0 list --markdown > docs/workloads.md'; exit 1; }"
          $<TARGET_FILE:folio-lab> ${PROJECT_SOURCE_DIR}/docs/workloads.md)
set_tests_properties(workloads-doc PROPERTIES LABELS unit TIMEOUT 30)

add_test(NAME workloads-badopts
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/workloads-badopts.sh $<TARGET_FILE:folio-lab>)
set_tests_properties(workloads-badopts PROPERTIES LABELS native TIMEOUT 120 SKIP_RETURN_CODE 77)

# The promise of bench/workloads.def: a copy of pread.c under a new name and
# its one line there build, list, run, join the suite and get their test.
add_test(NAME workload-copy
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/workload-copy.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(workload-copy PROPERTIES
  LABELS native TIMEOUT 600 SKIP_RETURN_CODE 77 RESOURCE_LOCK cpus)

# Regenerates docs/workloads.md from the declarations (what workloads-doc checks):
#   cmake --build build --target workloads-md
add_custom_target(workloads-md
  COMMAND sh -c "\"$0\" list --markdown > \"$1\"" $<TARGET_FILE:folio-lab>
          ${PROJECT_SOURCE_DIR}/docs/workloads.md
  DEPENDS folio-lab VERBATIM)
