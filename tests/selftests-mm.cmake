# The kernel's own mm selftests (kernels/selftests-mm.sh): the gate on
# made-up KTAP (seconds), and the selftests built static from
# linux-source-6.12 and run in a TCG guest of base, patched and
# patched-cas-put (about 3 minutes a guest on the 2-core VM once the kernels
# are cached; builds them, and the selftests, when they are not).
set(_st ${CMAKE_CURRENT_SOURCE_DIR})

add_test(NAME selftests-mm-gate COMMAND bash ${_st}/selftests-mm-gate.sh)
set_tests_properties(selftests-mm-gate PROPERTIES LABELS unit TIMEOUT 120)

add_test(NAME guest-selftests-mm COMMAND bash ${_st}/guest-selftests-mm.sh)
set_tests_properties(guest-selftests-mm PROPERTIES
  LABELS guest TIMEOUT 3600 SKIP_RETURN_CODE 77 FIXTURES_REQUIRED guest_kernels
  ENVIRONMENT "FOLIO_LAB_BUILD=${CMAKE_BINARY_DIR}")
