# vsecm_add_store_conformance_test(<test-name> PLUGIN <target or path to .so>
#                                  [SETTINGS key=value ...])
#
# Builds the SDK's store conformance suite (store_conformance_main.cpp beside this file) into an
# executable <test-name> and registers it with CTest, run against the plugin with the given
# settings. "@TEMPDIR@" in a value becomes a fresh temporary directory for each test case, e.g.
#   vsecm_add_store_conformance_test(acme_conformance PLUGIN acme-store SETTINGS dir=@TEMPDIR@)
# With an installed SDK:
#   find_package(VSecMSDK 1 CONFIG REQUIRED)
#   include(${VSecMSDK_DIR}/VSecMStoreConformance.cmake)
#   enable_testing()
# Needs GoogleTest (found here if not yet). For the crash-recovery case, which needs the store's
# own hook, write the test with VSECM_STORE_CONFORMANCE_SUITE instead
# (vsecm/sdk/testing/store_conformance.hpp).
include_guard(GLOBAL)

function(vsecm_add_store_conformance_test name)
  cmake_parse_arguments(ARG "" "PLUGIN" "SETTINGS" ${ARGN})
  if(NOT ARG_PLUGIN)
    message(FATAL_ERROR "vsecm_add_store_conformance_test(${name}): PLUGIN is required")
  endif()
  if(NOT TARGET GTest::gtest)
    find_package(GTest REQUIRED)
  endif()
  if(NOT TARGET Threads::Threads)
    find_package(Threads REQUIRED)
  endif()
  add_executable(${name} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/store_conformance_main.cpp)
  target_link_libraries(${name} PRIVATE vsecm::sdk GTest::gtest Threads::Threads ${CMAKE_DL_LIBS})
  target_compile_features(${name} PRIVATE cxx_std_20)
  if(TARGET ${ARG_PLUGIN})
    set(plugin_file $<TARGET_FILE:${ARG_PLUGIN}>)
    add_dependencies(${name} ${ARG_PLUGIN})
  else()
    set(plugin_file ${ARG_PLUGIN})
  endif()
  set(args --plugin=${plugin_file})
  foreach(setting IN LISTS ARG_SETTINGS)
    list(APPEND args --setting=${setting})
  endforeach()
  add_test(NAME ${name} COMMAND ${name} ${args})
endfunction()
