# folio-lab-compare: statistics, comparison and gating, chart data, the HTML
# report (included at the end of harness/CMakeLists.txt).
add_library(fl_stats STATIC ${CMAKE_CURRENT_LIST_DIR}/stats.c)
target_include_directories(fl_stats PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(fl_stats PUBLIC m)

add_executable(folio-lab-compare
  ${CMAKE_CURRENT_LIST_DIR}/compare.c
  ${CMAKE_CURRENT_LIST_DIR}/analysis-data.c
  ${CMAKE_CURRENT_LIST_DIR}/analysis-compare.c
  ${CMAKE_CURRENT_LIST_DIR}/analysis-plotdata.c
  ${CMAKE_CURRENT_LIST_DIR}/report.c)
get_filename_component(_fl_analysis_root ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)
# report runs plots/plot.sh from the source tree ($LAB_ROOT overrides).
target_compile_definitions(folio-lab-compare PRIVATE FL_SOURCE_DIR="${_fl_analysis_root}")
if(FOLIO_LAB_STATIC)
  # the static configuration empties the pkg-config targets (see above)
  target_link_libraries(folio-lab-compare PRIVATE fl_stats json-c m)
else()
  target_link_libraries(folio-lab-compare PRIVATE fl_stats PkgConfig::JSONC m)
endif()
set_target_properties(folio-lab-compare PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
