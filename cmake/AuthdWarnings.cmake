# SPDX-License-Identifier: Apache-2.0
# authd_warnings(target): the project's warning set, as errors when AUTHD_WERROR is on.
# -Wnull-dereference is left out: with GCC 12 at -O2 it reports paths inside libstdc++'s own
# inlined stream iterators (std::string from istreambuf_iterator), which no caller can fix.
function(authd_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wimplicit-fallthrough -Wconversion -Wsign-conversion)
  if(AUTHD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
