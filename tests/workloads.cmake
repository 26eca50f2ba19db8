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

# Each workload through the real binary: records well formed, counters sane.
foreach(wl atomics pread uring-read fault handoff)
  add_test(NAME workloads-records-${wl}
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/workloads-records.sh $<TARGET_FILE:folio-lab> ${wl})
  set_tests_properties(workloads-records-${wl} PROPERTIES
    LABELS native TIMEOUT 180 SKIP_RETURN_CODE 77 RESOURCE_LOCK cpus)
endforeach()

add_test(NAME workloads-badopts
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/workloads-badopts.sh $<TARGET_FILE:folio-lab>)
set_tests_properties(workloads-badopts PROPERTIES LABELS native TIMEOUT 120 SKIP_RETURN_CODE 77)
