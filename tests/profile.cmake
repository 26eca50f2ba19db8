# --profile inside the guests (the native check is harness-profile in
# tests/harness.cmake): boots base and patched under TCG, ~75 s.
add_test(NAME guest-profile COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/guest-profile.sh)
set_tests_properties(guest-profile PROPERTIES FIXTURES_REQUIRED guest_kernels LABELS guest
  TIMEOUT 1200 SKIP_RETURN_CODE 77 ENVIRONMENT "FOLIO_LAB_BUILD=${CMAKE_BINARY_DIR}")
