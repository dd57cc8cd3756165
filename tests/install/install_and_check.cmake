# ctest's install_into_prefix: `cmake --install BUILD_DIR --prefix PREFIX` into an emptied
# prefix, then checks the shared library's SONAME (readelf -d) and that every file a user needs
# is there. Prints the installed files.
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${PREFIX}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed:\n${out}")
endif()

set(expected
  "${LIBDIR}/${REALNAME}" "${LIBDIR}/${SONAME}" "${LIBDIR}/libkafka_rs.so" "${LIBDIR}/libkafka_rs.a"
  "${INCLUDEDIR}/kafka_rs.h" "${INCLUDEDIR}/kafka_rs.hpp" "${LIBDIR}/pkgconfig/kafka_rs.pc" "${LIBDIR}/pkgconfig/kafka_rs-static.pc"
  "${LIBDIR}/cmake/kafka_rs/kafka_rsConfig.cmake" "${LIBDIR}/cmake/kafka_rs/kafka_rsConfigVersion.cmake"
  share/doc/kafka_rs/LICENSE share/doc/kafka_rs/THIRD-PARTY-NOTICES)
foreach(f IN LISTS expected)
  if(NOT EXISTS "${PREFIX}/${f}")
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
foreach(link "${SONAME}" libkafka_rs.so)
  if(NOT IS_SYMLINK "${PREFIX}/${LIBDIR}/${link}")
    message(FATAL_ERROR "${LIBDIR}/${link} is not a symbolic link")
  endif()
endforeach()

file(GLOB_RECURSE installed RELATIVE "${PREFIX}" LIST_DIRECTORIES false "${PREFIX}/*")
list(SORT installed)
foreach(f IN LISTS installed)
  message(STATUS "installed ${f}")
endforeach()

execute_process(COMMAND readelf -d "${PREFIX}/${LIBDIR}/${REALNAME}" RESULT_VARIABLE rc OUTPUT_VARIABLE dyn)
if(NOT rc EQUAL 0 OR NOT dyn MATCHES "\\(SONAME\\) +Library soname: \\[([^]]+)\\]")
  message(FATAL_ERROR "no SONAME in ${REALNAME}:\n${dyn}")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL SONAME)
  message(FATAL_ERROR "SONAME is ${CMAKE_MATCH_1}, expected ${SONAME}")
endif()
message(STATUS "SONAME ${CMAKE_MATCH_1}")
