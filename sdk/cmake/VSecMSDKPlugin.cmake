# vsecm_add_plugin(<name> SOURCES <file>... [OUTPUT_DIRECTORY <dir>] [INSTALL_DESTINATION <dir>])
#
# INSTALL_DESTINATION (default: ${VSECM_PLUGIN_INSTALL_DIR} when that is set, as in the VSecM tree,
# whose plugins go to lib/vsecm/plugins) adds an install rule; a plugin built into an
# OUTPUT_DIRECTORY of its own (a test fixture) is not installed unless asked.
#
# Builds a VSecM plugin: a MODULE library named exactly <name>.so (no "lib" prefix), with
# hidden visibility, only the entry symbol exported, every symbol resolved at link time, static
# dependencies kept private, and RELRO. <name> must equal the plugin's descriptor name, which is
# how the Safe finds it by name from configuration. After the build, the file's SHA-256 (the
# value to pin in configuration) is printed.
include_guard(GLOBAL)

function(vsecm_add_plugin name)
  set(version_script ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/vsecm_plugin.map)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY;INSTALL_DESTINATION" "SOURCES" ${ARGN})
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
  if(NOT ARG_INSTALL_DESTINATION AND NOT ARG_OUTPUT_DIRECTORY AND VSECM_PLUGIN_INSTALL_DIR)
    set(ARG_INSTALL_DESTINATION ${VSECM_PLUGIN_INSTALL_DIR})
  endif()
  if(ARG_INSTALL_DESTINATION)
    # Plugins must not be writable by anyone but root (the Safe refuses them otherwise).
    install(TARGETS ${name} LIBRARY DESTINATION ${ARG_INSTALL_DESTINATION} COMPONENT plugins
            PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                        WORLD_READ WORLD_EXECUTE)
  endif()
  add_custom_command(TARGET ${name} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -E sha256sum $<TARGET_FILE:${name}>
    COMMENT "VSecM plugin ${name}: SHA-256 pin"
    VERBATIM)
endfunction()
