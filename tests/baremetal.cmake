# Bare metal: the lab's kernels as installable Debian packages
# (kernels/build.sh --deb) and labelled native runs on installed kernels
# appending to one directory (main --no-guests --label; docs/bare-metal.md).
set(_bm ${CMAKE_CURRENT_SOURCE_DIR})
# Cold: ~2 min (a copy of the cached lab tree of base + make bindeb-pkg at
# -j2), plus base's lab tree (~5 min) when no test has built it yet; instant
# once cached. No fixture on guest-kernels: a failed guest boot there must not
# hide this test's result.
add_test(NAME kernels-deb COMMAND bash ${_bm}/kernels-deb.sh)
set_tests_properties(kernels-deb PROPERTIES LABELS kernels TIMEOUT 2400
  SKIP_RETURN_CODE 77)
add_test(NAME main-native COMMAND bash ${_bm}/main-native.sh)
set_tests_properties(main-native PROPERTIES LABELS native TIMEOUT 300
  SKIP_RETURN_CODE 77 ENVIRONMENT "FOLIO_LAB_BUILD=${CMAKE_BINARY_DIR}")
