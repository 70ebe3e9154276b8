# SPDX-License-Identifier: Apache-2.0
# cmake -DDIR=<migrations dir> -DOUT=<file.cpp> -DNAMESPACE=<ns> -P embed_migrations.cmake
# Writes the SQL files as raw string literals, checking that versions run 1, 2, 3, ...
file(GLOB sql_files "${DIR}/*.sql")
list(SORT sql_files)
set(body "")
set(expected 1)
foreach(file IN LISTS sql_files)
  get_filename_component(name "${file}" NAME_WE)
  if(NOT name MATCHES "^([0-9][0-9][0-9][0-9])_([A-Za-z0-9_]+)$")
    message(FATAL_ERROR "${file}: migration files are named NNNN_<what>.sql")
  endif()
  set(label "${CMAKE_MATCH_2}")
  math(EXPR version "${CMAKE_MATCH_1}")
  if(NOT version EQUAL expected)
    message(FATAL_ERROR "${file}: expected migration version ${expected}, found ${version}")
  endif()
  file(READ "${file}" sql)
  string(FIND "${sql}" ")authd_sql\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file}: contains the raw-string delimiter )authd_sql\"")
  endif()
  string(APPEND body "        {${version}, \"${label}\", R\"authd_sql(${sql})authd_sql\"},\n")
  math(EXPR expected "${expected} + 1")
endforeach()
set(content "// Generated from ${DIR} by embed_migrations.cmake: do not edit.
#include <vector>

#include \"database.hpp\"

namespace ${NAMESPACE} {

const std::vector<authd::plugins::soci_common::Migration>& migrations() {
    static const std::vector<authd::plugins::soci_common::Migration> all = {
${body}    };
    return all;
}

}  // namespace ${NAMESPACE}
")
# Rewrite only on change, so that an unchanged plugin does not recompile.
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
  if(old STREQUAL content)
    return()
  endif()
endif()
file(WRITE "${OUT}" "${content}")
