# SPDX-License-Identifier: Apache-2.0
# Every library comes from Debian 12's packages. SOCI 4.0.3 ships no CMake config and no
# pkg-config file, and yaml-cpp 0.7 has no namespaced target, so both are wrapped here.
find_package(Poco REQUIRED COMPONENTS Foundation Net NetSSL Util JSON JWT Crypto)
find_package(Boost 1.74 REQUIRED COMPONENTS unit_test_framework)
find_package(yaml-cpp REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(Threads REQUIRED)

if(NOT TARGET yaml-cpp::yaml-cpp)
  add_library(yaml-cpp::yaml-cpp ALIAS yaml-cpp)
endif()

find_path(ARGON2_INCLUDE_DIR argon2.h REQUIRED)
find_library(ARGON2_LIBRARY argon2 REQUIRED)
add_library(argon2::argon2 UNKNOWN IMPORTED)
set_target_properties(argon2::argon2 PROPERTIES IMPORTED_LOCATION "${ARGON2_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${ARGON2_INCLUDE_DIR}")

find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_library(SOCI_CORE_LIB soci_core REQUIRED)
find_library(SOCI_SQLITE3_LIB soci_sqlite3 REQUIRED)
find_library(SOCI_POSTGRESQL_LIB soci_postgresql REQUIRED)
add_library(SOCI::core UNKNOWN IMPORTED)
set_target_properties(SOCI::core PROPERTIES IMPORTED_LOCATION "${SOCI_CORE_LIB}"
  INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}")
target_link_libraries(SOCI::core INTERFACE Boost::headers ${CMAKE_DL_LIBS})
add_library(SOCI::sqlite3 UNKNOWN IMPORTED)
set_target_properties(SOCI::sqlite3 PROPERTIES IMPORTED_LOCATION "${SOCI_SQLITE3_LIB}")
target_link_libraries(SOCI::sqlite3 INTERFACE SOCI::core SQLite::SQLite3)
add_library(SOCI::postgresql UNKNOWN IMPORTED)
set_target_properties(SOCI::postgresql PROPERTIES IMPORTED_LOCATION "${SOCI_POSTGRESQL_LIB}")
target_link_libraries(SOCI::postgresql INTERFACE SOCI::core PostgreSQL::PostgreSQL)
