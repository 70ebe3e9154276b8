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

# The host links yaml-cpp and libargon2 from their static archives when the system has them
# (Debian does): only the host uses either, so nothing is duplicated, and every shared object
# fewer is one the dynamic loader need not map and relocate at each start
# (docs/decisions/0006-static-and-lazy-libraries.md). authd::yaml and authd::argon2 are what the
# host links; they fall back to the shared libraries elsewhere or with AUTHD_STATIC_DEPS=OFF.
option(AUTHD_STATIC_DEPS "Link yaml-cpp and libargon2 into the host statically when possible" ON)
find_library(YAML_CPP_STATIC_LIBRARY NAMES libyaml-cpp.a)
find_library(ARGON2_STATIC_LIBRARY NAMES libargon2.a)
add_library(authd::yaml INTERFACE IMPORTED)
add_library(authd::argon2 INTERFACE IMPORTED)
if(AUTHD_STATIC_DEPS AND YAML_CPP_STATIC_LIBRARY)
  get_target_property(yaml_includes yaml-cpp INTERFACE_INCLUDE_DIRECTORIES)
  set_target_properties(authd::yaml PROPERTIES INTERFACE_LINK_LIBRARIES "${YAML_CPP_STATIC_LIBRARY}")
  if(yaml_includes)
    set_target_properties(authd::yaml PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${yaml_includes}")
  endif()
else()
  set_target_properties(authd::yaml PROPERTIES INTERFACE_LINK_LIBRARIES yaml-cpp::yaml-cpp)
endif()
if(AUTHD_STATIC_DEPS AND ARGON2_STATIC_LIBRARY)
  set_target_properties(authd::argon2 PROPERTIES
    INTERFACE_LINK_LIBRARIES "${ARGON2_STATIC_LIBRARY};Threads::Threads"
    INTERFACE_INCLUDE_DIRECTORIES "${ARGON2_INCLUDE_DIR}")
else()
  set_target_properties(authd::argon2 PROPERTIES INTERFACE_LINK_LIBRARIES argon2::argon2)
endif()

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
