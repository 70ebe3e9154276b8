# SPDX-License-Identifier: Apache-2.0
# authd_add_test(NAME <name> SOURCES <files...> [LIBRARIES ...] [LABELS ...] [ARGS ...] [TIMEOUT s])
# One Boost.Test executable registered as one CTest test.
function(authd_add_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SOURCES;LIBRARIES;LABELS;ARGS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE Boost::unit_test_framework ${ARG_LIBRARIES})
  authd_warnings(${ARG_NAME})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME} --color_output=no --log_level=test_suite ${ARG_ARGS})
  set_tests_properties(${ARG_NAME} PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}")
endfunction()
