# lienthong_sample_data: deterministic, valid sample dossiers and education records
# (sample_dossiers.h) for the demo (examples/), the load generators (bench/) and the tests.
# Included from the top-level CMakeLists.txt, since the demo and benchmarks are built without the
# tests too.
add_library(lienthong_sample_data STATIC ${CMAKE_CURRENT_LIST_DIR}/sample_dossiers.cc
            ${CMAKE_CURRENT_LIST_DIR}/sample_history.cc)
target_link_libraries(lienthong_sample_data
  PUBLIC lienthong_proto lienthong_common absl::strings absl::time
  PRIVATE absl::str_format lienthong_warnings)
