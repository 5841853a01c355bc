# vsecm_store_bench (not a test): durable upserts per second of each store plugin through the
# plugin ABI, next to the raw fsync rate of the same directory. Needs only the SDK headers; it
# loads the plugins from the build's plugin directory (or --plugin-dir). Include this file from
# bench/CMakeLists.txt; run it with bench/run_stores.sh (or bench/run.sh, which runs every benchmark).
add_executable(vsecm_store_bench EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/store_bench.cpp)
target_link_libraries(vsecm_store_bench PRIVATE vsecm::sdk Threads::Threads ${CMAKE_DL_LIBS})
target_compile_definitions(vsecm_store_bench PRIVATE
  VSECM_BENCH_PLUGIN_DIR="${VSECM_PLUGIN_OUTPUT_DIR}")
foreach(plugin vsecm-store-fs vsecm-store-rocksdb vsecm-store-sqlcipher)
  if(TARGET ${plugin})
    add_dependencies(vsecm_store_bench ${plugin})
  endif()
endforeach()
