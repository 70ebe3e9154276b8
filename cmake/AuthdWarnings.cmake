# SPDX-License-Identifier: Apache-2.0
# authd_warnings(target): the project's warning set, as errors when AUTHD_WERROR is on.
function(authd_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wnull-dereference -Wimplicit-fallthrough -Wconversion -Wsign-conversion)
  if(AUTHD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
