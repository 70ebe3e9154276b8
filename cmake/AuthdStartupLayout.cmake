# SPDX-License-Identifier: Apache-2.0
# The code a start runs, packed together at the front of the host and of the in-tree plugins
# (docs/decisions/0012-startup-code-layout.md). The kernel maps a file's pages 64 KiB at a time
# around each one touched; spread over the whole binary, the ~700 KB a start runs made every
# block of it resident. cmake/startup.order lists those functions (mangled names, as
# tools/update-startup-order.sh measures them); every function gets its own section
# (-ffunction-sections) and lld places the listed ones first. Functions the list does not name
# (new code, or an outdated list) simply go after them: the list only ever changes the layout.
#
# AUTHD_STARTUP_LAYOUT (ON) needs lld; without it the build goes on with the default layout.
option(AUTHD_STARTUP_LAYOUT "Order start-up code first in the host and plugins (needs lld)" ON)
set(AUTHD_STARTUP_ORDER_FILE "${CMAKE_CURRENT_LIST_DIR}/startup.order")
set(AUTHD_STARTUP_LAYOUT_ACTIVE OFF)
if(AUTHD_STARTUP_LAYOUT AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  find_program(AUTHD_LLD NAMES ld.lld)
  if(AUTHD_LLD AND EXISTS "${AUTHD_STARTUP_ORDER_FILE}")
    set(AUTHD_STARTUP_LAYOUT_ACTIVE ON)
    add_compile_options(-ffunction-sections)
  else()
    message(STATUS "authd: no ld.lld; start-up code keeps the default layout")
  endif()
endif()

# authd_startup_layout(<target>): links <target> with lld and the start-up order.
function(authd_startup_layout target)
  if(NOT AUTHD_STARTUP_LAYOUT_ACTIVE)
    return()
  endif()
  target_link_options(${target} PRIVATE -fuse-ld=lld
    "LINKER:--symbol-ordering-file=${AUTHD_STARTUP_ORDER_FILE}"
    "LINKER:--no-warn-symbol-ordering")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${AUTHD_STARTUP_ORDER_FILE}")
endfunction()
