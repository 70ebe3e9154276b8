# SPDX-License-Identifier: Apache-2.0
# cmake -DAUTHD=<authd binary> -DFORBIDDEN="<regex>|<regex>..." -P start_libraries.cmake
# Fails when the binary, or anything it needs at start-up (ldd: the whole closure), is a shared
# library that authd must not load at every start (docs/decisions/0006-static-and-lazy-libraries.md):
# any Poco library (the host has its own JSON; Poco Net and NetSSL are the authd_net module's,
# opened on the first TLS listener or outgoing request), and yaml-cpp/libargon2 when they are
# linked statically.
if(NOT AUTHD OR NOT EXISTS "${AUTHD}")
  message(FATAL_ERROR "start_libraries: no binary at '${AUTHD}'")
endif()
execute_process(COMMAND ldd "${AUTHD}" OUTPUT_VARIABLE needed ERROR_VARIABLE error
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "start_libraries: ldd ${AUTHD} failed (${status}): ${error}")
endif()
set(failed "")
if(FORBIDDEN)
  string(REGEX MATCHALL "[^\n\t ]*(${FORBIDDEN})[^\n\t ]*" failed "${needed}")
endif()
string(REGEX MATCHALL "\n" lines "${needed}")
list(LENGTH lines count)
if(failed)
  message(FATAL_ERROR "authd loads at every start what it should not: ${failed}\n"
    "Host code that uses Poco brings its libraries back at every start. JSON goes through "
    "authd::json (framework/src/json/); code that needs Poco Net or NetSSL belongs in the "
    "authd_net module (framework/src/net/, interface net_module.hpp).\n"
    "ldd ${AUTHD}:\n${needed}")
endif()
message(STATUS "authd needs ${count} shared objects at start-up, none of: ${FORBIDDEN}")
