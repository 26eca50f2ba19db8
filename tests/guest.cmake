# Guest tests: build (or reuse from $FOLIO_LAB_CACHE) the lab's kernels (base,
# patched, patched-cas-put) and boot them under QEMU. The first run builds
# them (~25 min cold on the 2-core VM: patched starts from base's objects,
# patched-cas-put from patched's), guest-kernels with a longer limit.
set(_gt ${CMAKE_CURRENT_SOURCE_DIR})
set(_genv "FOLIO_LAB_BUILD=${CMAKE_BINARY_DIR}")

add_test(NAME guest-kernels COMMAND bash ${_gt}/guest-kernels.sh)
set_tests_properties(guest-kernels PROPERTIES FIXTURES_SETUP guest_kernels)

add_test(NAME guest-broken-kernel COMMAND bash ${_gt}/guest-failures.sh broken)
add_test(NAME guest-pair COMMAND bash ${_gt}/guest-pair.sh)
add_test(NAME guest-hang COMMAND bash ${_gt}/guest-failures.sh hang)
add_test(NAME guest-bug COMMAND bash ${_gt}/guest-failures.sh bug)
add_test(NAME guest-suite-fails COMMAND bash ${_gt}/guest-failures.sh suite-fails)
add_test(NAME guest-lava-shell COMMAND bash ${_gt}/guest-lava-shell.sh)
set_tests_properties(guest-pair guest-hang guest-bug guest-suite-fails guest-lava-shell
  PROPERTIES FIXTURES_REQUIRED guest_kernels)
add_test(NAME guest-debug-vm COMMAND bash ${_gt}/guest-debug-vm.sh)

set_tests_properties(guest-kernels guest-broken-kernel guest-pair guest-hang guest-bug
  guest-suite-fails guest-debug-vm guest-lava-shell PROPERTIES
  LABELS guest TIMEOUT 2400 SKIP_RETURN_CODE 77 ENVIRONMENT "${_genv}")
set_tests_properties(guest-kernels PROPERTIES TIMEOUT 3000)

# THP splits in every lab kernel (issue 21): the split head still counts its
# references and a page-cache pread after a truncate returns.
add_executable(thp_split_check ${_gt}/thp_split_check.c)
target_link_options(thp_split_check PRIVATE -static)
add_test(NAME guest-thp-split COMMAND bash ${_gt}/guest-thp-split.sh $<TARGET_FILE:thp_split_check>)
set_tests_properties(guest-thp-split PROPERTIES LABELS guest TIMEOUT 1500
  SKIP_RETURN_CODE 77 FIXTURES_REQUIRED guest_kernels ENVIRONMENT "${_genv}")

# The main job whole, as the README runs it (issue 23): the full suite's
# shape with short windows, natively and in every lab kernel's guest, KUnit,
# compare, charts, report; and `./run.sh --quick`.
add_test(NAME main-whole-full COMMAND bash ${_gt}/main-whole.sh full)
add_test(NAME main-whole-quick COMMAND bash ${_gt}/main-whole.sh quick)
set_tests_properties(main-whole-full main-whole-quick PROPERTIES LABELS guest TIMEOUT 3000
  SKIP_RETURN_CODE 77 FIXTURES_REQUIRED guest_kernels RESOURCE_LOCK cpus ENVIRONMENT "${_genv}")

# The refprobe with HugeTLB vmemmap optimisation active (issue 21).
add_test(NAME guest-probe-hvo COMMAND bash ${_gt}/guest-probe-hvo.sh)
set_tests_properties(guest-probe-hvo PROPERTIES LABELS guest TIMEOUT 1500
  SKIP_RETURN_CODE 77 FIXTURES_REQUIRED guest_kernels ENVIRONMENT "${_genv}")
