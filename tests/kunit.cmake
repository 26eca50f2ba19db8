# KUnit suite of the kernels' refcount semantics (kunit/): style and build
# against the cached kernel trees; in guests, a pass in every lab kernel and
# a failure on the deliberately broken patched-broken kernel.
set(_ku ${CMAKE_SOURCE_DIR}/kunit)

add_test(NAME kunit_build
  COMMAND ${_ku}/check-build.sh ${CMAKE_BINARY_DIR}/kunit-build-test)
set_tests_properties(kunit_build PROPERTIES
  LABELS "module" TIMEOUT 600 SKIP_RETURN_CODE 77)

# One TCG boot per kernel (about 10-15 s each once the kernels are cached;
# the first run may build them).
add_test(NAME kunit_guest
  COMMAND ${_ku}/check-guest.sh lab ${CMAKE_BINARY_DIR}/kunit-guest-test)
add_test(NAME kunit_broken
  COMMAND ${_ku}/check-guest.sh broken ${CMAKE_BINARY_DIR}/kunit-broken-test)
set_tests_properties(kunit_guest kunit_broken PROPERTIES
  LABELS "guest" TIMEOUT 3000 SKIP_RETURN_CODE 77)

# patched's debug-vm flavour (shared with module_guest and guest-debug-vm):
# the case that makes CONFIG_DEBUG_VM warn runs, and the host finds exactly
# that one warning in the guest's kernel log.
add_test(NAME kunit_debug_vm
  COMMAND ${_ku}/check-guest.sh debug ${CMAKE_BINARY_DIR}/kunit-debug-vm-test)
set_tests_properties(kunit_debug_vm PROPERTIES
  LABELS "guest" TIMEOUT 3000 SKIP_RETURN_CODE 77)
