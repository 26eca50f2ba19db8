# folio_lab.ko: the in-guest ABI test (static, it goes into the busybox
# initramfs) and the host-side driver that boots the guests.
add_executable(test_module_abi ${CMAKE_CURRENT_LIST_DIR}/test_module_abi.c)
target_link_options(test_module_abi PRIVATE -static)
target_link_libraries(test_module_abi PRIVATE Threads::Threads)

# Builds the module against every cached kernel tree and checks its style;
# skips (77) when no tree or linux-source is there yet.
add_test(NAME module_build
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/guest-module-build.sh ${CMAKE_BINARY_DIR}/module-build-test)
set_tests_properties(module_build PROPERTIES LABELS "module" TIMEOUT 900 SKIP_RETURN_CODE 77)

# Boots base, patched, patched-cas-put (a small run) and patched debug-vm
# guests: the ABI test, the hostile-input test (12 s random phase, 5 s in
# the small run) and the `module` workload through folio-lab in each.
add_test(NAME module_guest
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/guest-module.sh
    --abi-test $<TARGET_FILE:test_module_abi>
    --hostile-test $<TARGET_FILE:test_module_hostile>
    --out ${CMAKE_BINARY_DIR}/module-guest-test
    --build ${CMAKE_BINARY_DIR})
set_tests_properties(module_guest PROPERTIES LABELS "guest" TIMEOUT 3000 SKIP_RETURN_CODE 77)

# The hostile-input suite (static too): run inside the module guests by
# tests/guest-module-suite.sh, right after the ABI test.
add_executable(test_module_hostile ${CMAKE_CURRENT_LIST_DIR}/test_module_hostile.c)
target_link_options(test_module_hostile PRIVATE -static)
target_link_libraries(test_module_hostile PRIVATE Threads::Threads)

# Guests that fail or stop at once (issue 10): an oopsing guest fails within
# a minute with its console kept; SIGINT mid-guest stops the main job (exit
# 130, no QEMU left, results marked INTERRUPTED). One TCG boot each.
add_test(NAME guest-oops COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/guest-interrupt.sh oops)
add_test(NAME guest-sigint COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/guest-interrupt.sh sigint)
# A stalled guest (RCU stall, soft lockup) fails within a minute (issue 23).
add_test(NAME guest-stall COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/guest-interrupt.sh stall)
# Ctrl-C while a guest boots and while a kernel builds (issue 23).
add_test(NAME guest-sigint-boot COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/guest-interrupt.sh sigint-boot)
add_test(NAME guest-sigint-build COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/guest-interrupt.sh sigint-build)
# An interrupted main job resumed (issue 23).
add_test(NAME main-resume COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/guest-interrupt.sh resume)
set_tests_properties(guest-oops guest-stall guest-sigint guest-sigint-boot guest-sigint-build main-resume PROPERTIES
  LABELS guest TIMEOUT 900 SKIP_RETURN_CODE 77 FIXTURES_REQUIRED guest_kernels
  ENVIRONMENT "FOLIO_LAB_BUILD=${CMAKE_BINARY_DIR}")
