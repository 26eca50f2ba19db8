# History: kernel builds' records in SQLite, trends, change points, the gate
# on the newest build; the KCIDB export; LAVA jobs checked by LAVA's validator.
if(TARGET folio-lab-history)
  add_test(NAME history.db
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/history.sh $<TARGET_FILE:folio-lab-history>
            $<TARGET_FILE:folio-lab>)
  add_test(NAME history.kcidb
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/history-kcidb.sh $<TARGET_FILE:folio-lab-history>
            $<TARGET_FILE:folio-lab>)
  add_test(NAME history.lava
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/history-lava.sh ${PROJECT_SOURCE_DIR}/history/lava-job.sh)
  set_tests_properties(history.db history.kcidb history.lava
    PROPERTIES LABELS unit SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()
