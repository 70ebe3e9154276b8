# SPDX-License-Identifier: Apache-2.0
# authd_add_plugin(NAME <name> SOURCES <files...> [LIBRARIES <targets...>] [NO_INSTALL])
# Builds authd_<name>.so as a MODULE library that sees only the public SDK. Installed with the
# SDK, so out-of-tree plugins use the same function after find_package(authd).
function(authd_add_plugin)
  cmake_parse_arguments(ARG "NO_INSTALL" "NAME;OUTPUT_DIR" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_NAME OR NOT ARG_SOURCES)
    message(FATAL_ERROR "authd_add_plugin needs NAME and SOURCES")
  endif()
  set(target authd_${ARG_NAME})
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "authd_${ARG_NAME}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIR}")
  elseif(AUTHD_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${AUTHD_PLUGIN_OUTPUT_DIR}")
  endif()
  target_link_libraries(${target} PRIVATE authd::sdk ${ARG_LIBRARIES})
  # A plugin resolves everything from the SDK and its own libraries; sanitizer runtimes live
  # in the executable, so the check is off there.
  if(NOT CMAKE_CXX_FLAGS MATCHES "-fsanitize")
    target_link_options(${target} PRIVATE "LINKER:--no-undefined")
  endif()
  if(COMMAND authd_warnings)
    authd_warnings(${target})
  endif()
  # In-tree only: the SDK's installed copy of this file does not define it.
  if(COMMAND authd_startup_layout)
    authd_startup_layout(${target})
  endif()
  if(NOT ARG_NO_INSTALL AND AUTHD_PLUGIN_INSTALL_DIR)
    install(TARGETS ${target} LIBRARY DESTINATION "${AUTHD_PLUGIN_INSTALL_DIR}" COMPONENT plugins)
  endif()
endfunction()
