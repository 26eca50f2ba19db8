# Pinned guests that mirror the host (guest/vmplan.c, guest/run.sh --pin).
# vmplan: plans on big synthetic hosts, an XML host and this machine (no boot).
add_test(NAME vmplan COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/vmplan.sh
  $<TARGET_FILE:folio-lab-vmplan>)
set_tests_properties(vmplan PROPERTIES LABELS native TIMEOUT 60 SKIP_RETURN_CODE 77)
# guest-pin: two pinned TCG boots (~10 s, ~7 s) and one refused pin (~3 s). Its vCPU
# threads take every PU of this machine, so it holds the cpus lock of the
# timing-sensitive native tests.
add_test(NAME guest-pin COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/guest-pin.sh)
set_tests_properties(guest-pin PROPERTIES LABELS guest TIMEOUT 900 SKIP_RETURN_CODE 77
  FIXTURES_REQUIRED guest_kernels RESOURCE_LOCK cpus
  ENVIRONMENT "FOLIO_LAB_BUILD=${CMAKE_BINARY_DIR}")
