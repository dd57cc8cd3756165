# `cmake --install`: what a program outside this tree needs to use libkafka_rs (docs/install.md).
#   lib/libkafka_rs.so.X.Y.Z, the SONAME link libkafka_rs.so.<soversion> and libkafka_rs.so
#   lib/libkafka_rs.a
#   include/kafka_rs.h (C) and include/kafka_rs.hpp (C++, header-only), when present
#   lib/pkgconfig/kafka_rs.pc (shared; Libs.private for --static) and kafka_rs-static.pc
#   lib/cmake/kafka_rs/kafka_rsConfig.cmake + kafka_rsConfigVersion.cmake:
#     find_package(kafka_rs CONFIG) -> kafka_rs::kafka_rs, kafka_rs::kafka_rs_static
#   share/doc/kafka_rs/LICENSE, THIRD-PARTY-NOTICES
# Every path in the pkg-config and CMake files is relative to where they are installed, so the
# prefix can be moved (and `cmake --install --prefix DIR` works without reconfiguring).
include(CMakePackageConfigHelpers)

install(FILES "${KAFKA_RS_SHARED_LIB}" DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
# The two symbolic links are installed as links.
install(FILES "${KAFKA_RS_LIB_DIR}/${KAFKA_RS_SONAME}" "${KAFKA_RS_LIB_DIR}/libkafka_rs.so"
  DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(FILES "${KAFKA_RS_STATIC_LIB}" DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")
foreach(doc LICENSE THIRD-PARTY-NOTICES)
  if(EXISTS "${PROJECT_SOURCE_DIR}/${doc}")
    install(FILES "${PROJECT_SOURCE_DIR}/${doc}" DESTINATION "${CMAKE_INSTALL_DATAROOTDIR}/doc/kafka_rs")
  endif()
endforeach()

# pkg-config: ${pcfiledir} makes the prefix relative to the .pc file.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  message(FATAL_ERROR "CMAKE_INSTALL_LIBDIR and CMAKE_INSTALL_INCLUDEDIR must be relative to the prefix")
endif()
file(RELATIVE_PATH pc_prefix "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
string(REGEX REPLACE "/$" "" pc_prefix "${pc_prefix}")
set(KAFKA_RS_PC_PREFIX "\${pcfiledir}/${pc_prefix}")
foreach(pc kafka_rs kafka_rs-static)
  configure_file("${CMAKE_CURRENT_LIST_DIR}/${pc}.pc.in" "${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc" @ONLY)
  install(FILES "${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
endforeach()

# CMake package.
set(KAFKA_RS_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/kafka_rs")
configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/kafka_rsConfig.cmake.in"
  "${CMAKE_CURRENT_BINARY_DIR}/kafka_rsConfig.cmake"
  INSTALL_DESTINATION "${KAFKA_RS_CMAKE_DIR}"
  PATH_VARS CMAKE_INSTALL_LIBDIR CMAKE_INSTALL_INCLUDEDIR)
# While 0.x a minor release may change the ABI (docs/abi.md), so only the same minor matches.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(version_compatibility SameMinorVersion)
else()
  set(version_compatibility SameMajorVersion)
endif()
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/kafka_rsConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY ${version_compatibility})
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/kafka_rsConfig.cmake" "${CMAKE_CURRENT_BINARY_DIR}/kafka_rsConfigVersion.cmake"
  DESTINATION "${KAFKA_RS_CMAKE_DIR}")
