# Installation: headers, the shared library (libvfabric.so.0 and its
# symlinks), the static archive, libvfabric.pc and a CMake package
# (find_package(vfabric) -> vfabric::vfabric, vfabric::vfabric_static).
#
# The shared library links its dependencies privately, so its exported
# target needs nothing from the consumer. The static archive links the
# PkgConfig::* imported targets publicly; vfabricConfig.cmake re-creates
# them (and Threads::Threads) before it loads the exported targets, so both
# targets work in a consumer project. tests/install checks all of this.
include(CMakePackageConfigHelpers)

set(VF_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/vfabric"
    CACHE STRING "Where vfabricConfig.cmake is installed")

# Headers: the public ones from the source tree plus the generated version.h.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/vfabric"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        COMPONENT dev
        FILES_MATCHING PATTERN "*.h")
install(FILES "${PROJECT_BINARY_DIR}/include/vfabric/version.h"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/vfabric"
        COMPONENT dev)

install(TARGETS vfabric vfabric_static
        EXPORT vfabricTargets
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
                COMPONENT runtime NAMELINK_COMPONENT dev
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT dev
        RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT runtime
        INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

install(EXPORT vfabricTargets
        NAMESPACE vfabric::
        FILE vfabricTargets.cmake
        DESTINATION "${VF_INSTALL_CMAKEDIR}"
        COMPONENT dev)

# The msgpack-c module is "msgpack" up to 5.x (Debian 12) and "msgpack-c"
# from 6.0; Requires.private must name the one this build used.
pkg_check_modules(_VF_PC_MSGPACK QUIET msgpack)
if(_VF_PC_MSGPACK_FOUND)
  set(VF_PC_MSGPACK msgpack)
else()
  set(VF_PC_MSGPACK msgpack-c)
endif()
set(VF_PC_REQUIRES_PRIVATE
    "libuv ${VF_PC_MSGPACK} libsodium libnl-3.0 libnl-route-3.0")

# pkg-config file. Its prefix is the one the install really uses: the file
# is configured twice, now for everything but the prefix, and again at
# install time, when CMAKE_INSTALL_PREFIX reflects `cmake --install
# --prefix DIR` (DESTDIR stays out of it, as it should).
foreach(_d LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_d}}")
    set(VF_PC_${_d} "${CMAKE_INSTALL_${_d}}")
  else()
    set(VF_PC_${_d} "\${prefix}/${CMAKE_INSTALL_${_d}}")
  endif()
endforeach()
set(VF_PC_PREFIX "@VF_PC_INSTALL_PREFIX@")
set(_vf_pc_stage "${PROJECT_BINARY_DIR}/pkgconfig/libvfabric.pc.stage")
set(_vf_pc "${PROJECT_BINARY_DIR}/pkgconfig/libvfabric.pc")
configure_file("${PROJECT_SOURCE_DIR}/pkgconfig/libvfabric.pc.in" "${_vf_pc_stage}" @ONLY)
install(CODE "
  set(VF_PC_INSTALL_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  configure_file(\"${_vf_pc_stage}\" \"${_vf_pc}\" @ONLY)
" COMPONENT dev)
install(FILES "${_vf_pc}"
        DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
        COMPONENT dev)

# CMake package.
configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/vfabricConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/cmake/vfabricConfig.cmake"
  INSTALL_DESTINATION "${VF_INSTALL_CMAKEDIR}")
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/cmake/vfabricConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/cmake/vfabricConfig.cmake"
              "${PROJECT_BINARY_DIR}/cmake/vfabricConfigVersion.cmake"
        DESTINATION "${VF_INSTALL_CMAKEDIR}"
        COMPONENT dev)
