# vsecm_add_plugin(<name> SOURCES <file>... [OUTPUT_DIRECTORY <dir>])
#
# Builds a VSecM plugin: a MODULE library named exactly <name>.so (no "lib" prefix), with
# hidden visibility, only the entry symbol exported, every symbol resolved at link time, static
# dependencies kept private, and RELRO. <name> must equal the plugin's descriptor name, which is
# how the Safe finds it by name from configuration. After the build, the file's SHA-256 (the
# value to pin in configuration) is printed.
include_guard(GLOBAL)

function(vsecm_add_plugin name)
  set(version_script ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/vsecm_plugin.map)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "vsecm_add_plugin(${name}): SOURCES is required")
  endif()
  if(NOT name MATCHES "^[a-z0-9][a-z0-9._-]*$")
    message(FATAL_ERROR "vsecm_add_plugin(${name}): a plugin name is [a-z0-9._-]+")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${name}
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS ${version_script})
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  endif()
  target_compile_features(${name} PRIVATE cxx_std_20)
  target_compile_options(${name} PRIVATE -fstack-protector-strong)
  target_link_options(${name} PRIVATE
    -Wl,--version-script=${version_script}
    -Wl,--exclude-libs,ALL
    -Wl,-z,relro,-z,now)
  if(NOT VSECM_SANITIZE)
    # Sanitizer runtimes leave symbols for the executable to provide, which -z,defs forbids.
    target_link_options(${name} PRIVATE -Wl,-z,defs)
  endif()
  target_link_libraries(${name} PRIVATE vsecm::sdk)
  add_custom_command(TARGET ${name} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -E sha256sum $<TARGET_FILE:${name}>
    COMMENT "VSecM plugin ${name}: SHA-256 pin"
    VERBATIM)
endfunction()
