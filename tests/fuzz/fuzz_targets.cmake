# vsecm_add_fuzz_smoke(<target> <seconds> [TIMEOUT <s>]): registers the ctest <target>_smoke,
# a short libFuzzer run of tests/fuzz/<target>.cpp built from its rows of
# tests/fuzz/targets.txt (the table that tests/fuzz/fuzz_build.sh and scripts/fuzz_campaign.sh
# read too). Configuring checks that the target is in the table and that every file and
# directory it lists exists, so a moved source fails here rather than in CI's fuzz run.
# Skipped (exit 77) without clang++ and its libFuzzer runtime. TIMEOUT (default 240 s) covers
# the build too.
include_guard(GLOBAL)

function(vsecm_add_fuzz_smoke target seconds)
  cmake_parse_arguments(ARG "" "TIMEOUT" "" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 240)
  endif()
  set(VSECM_FUZZ_TABLE ${PROJECT_SOURCE_DIR}/tests/fuzz/targets.txt)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${VSECM_FUZZ_TABLE})
  file(STRINGS ${VSECM_FUZZ_TABLE} rows REGEX "^${target}[ \t]")
  if(NOT rows)
    message(FATAL_ERROR "fuzz target ${target} is not in ${VSECM_FUZZ_TABLE}")
  endif()
  set(main ${PROJECT_SOURCE_DIR}/tests/fuzz/${target}.cpp)
  if(NOT EXISTS ${main})
    message(FATAL_ERROR "fuzz target ${target}: ${main} does not exist")
  endif()
  foreach(row ${rows})
    string(REGEX REPLACE "[ \t]+" ";" fields "${row}")
    list(GET fields 1 kind)
    list(GET fields 2 value)
    if(kind STREQUAL "src" OR kind STREQUAL "include")
      if(NOT EXISTS ${PROJECT_SOURCE_DIR}/${value})
        message(FATAL_ERROR "${VSECM_FUZZ_TABLE}: ${target} lists ${value}, which does not exist")
      endif()
    elseif(NOT kind STREQUAL "lib" AND NOT kind STREQUAL "define")
      message(FATAL_ERROR "${VSECM_FUZZ_TABLE}: ${target}: unknown kind ${kind}")
    endif()
  endforeach()
  add_test(NAME ${target}_smoke
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_smoke.sh ${target} ${seconds})
  set_tests_properties(${target}_smoke PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT ${ARG_TIMEOUT}
                       LABELS fuzz)
endfunction()
