# SPIN model check of the refcount protocol (model/, docs/model.md "Model check
# of the refcount protocol"). model-verify runs verify.sh end to end
# (--quick: the 2-getter configuration of every scheme and every mutation,
# which also checks that every scheme of refscheme.h's table is modelled and
# exercises the summary and exit code); model-<config> runs each
# configuration on its own, so every one of them (3 getters included) is a
# ctest; model-selftest checks that verify.sh fails on a broken, vacuous or
# under-declared model and on an unmodelled scheme. All exit 77 (skip) when
# spin or gcc is missing.
set(FOLIO_LAB_MODEL_DIR ${PROJECT_SOURCE_DIR}/model)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${FOLIO_LAB_MODEL_DIR}/verify.sh)

# --quick takes about 30 s on the 2-core build VM, the selftest about 40 s.
add_test(NAME model-verify COMMAND bash ${FOLIO_LAB_MODEL_DIR}/verify.sh --quick)
add_test(NAME model-selftest COMMAND bash ${FOLIO_LAB_MODEL_DIR}/selftest.sh)
set_tests_properties(model-verify model-selftest PROPERTIES
  LABELS model TIMEOUT 600 SKIP_RETURN_CODE 77)

execute_process(COMMAND bash ${FOLIO_LAB_MODEL_DIR}/verify.sh --list
  OUTPUT_VARIABLE FOLIO_LAB_MODEL_CONFIGS
  RESULT_VARIABLE FOLIO_LAB_MODEL_LIST_RC
  OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT FOLIO_LAB_MODEL_LIST_RC EQUAL 0 OR FOLIO_LAB_MODEL_CONFIGS STREQUAL "")
  message(FATAL_ERROR "model/verify.sh --list failed (${FOLIO_LAB_MODEL_LIST_RC})")
endif()
string(REPLACE "\n" ";" FOLIO_LAB_MODEL_CONFIGS "${FOLIO_LAB_MODEL_CONFIGS}")
# The largest configuration (mut-freeze-read-store-3g, 4.6 M states) takes
# about 15 s here; 300 s leaves room for a loaded machine.
foreach(cfg ${FOLIO_LAB_MODEL_CONFIGS})
  add_test(NAME model-${cfg} COMMAND bash ${FOLIO_LAB_MODEL_DIR}/verify.sh --only ${cfg})
  set_tests_properties(model-${cfg} PROPERTIES
    LABELS model TIMEOUT 300 SKIP_RETURN_CODE 77)
endforeach()
