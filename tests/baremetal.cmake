# Bare metal: the lab's kernels as installable Debian packages
# (kernels/build.sh --deb) and labelled native runs on installed kernels
# appending to one directory (main --no-guests --label; docs/bare-metal.md).
set(_bm ${CMAKE_CURRENT_SOURCE_DIR})
# Cold: ~2 min (copy of the cached lab tree + make bindeb-pkg at -j2), after
# guest-kernels has built the lab trees; instant once cached.
add_test(NAME kernels-deb COMMAND bash ${_bm}/kernels-deb.sh)
set_tests_properties(kernels-deb PROPERTIES LABELS kernels TIMEOUT 2400
  SKIP_RETURN_CODE 77 FIXTURES_REQUIRED guest_kernels)
add_test(NAME main-native COMMAND bash ${_bm}/main-native.sh)
set_tests_properties(main-native PROPERTIES LABELS native TIMEOUT 300
  SKIP_RETURN_CODE 77 ENVIRONMENT "FOLIO_LAB_BUILD=${CMAKE_BINARY_DIR}")
