# Optional backend components of the header-only library. Each is an INTERFACE target created
# only when its dependency is found, installed into its own export set diffbridge-<comp>Targets:
#   diffbridge::eigen    Eigen 3.4              (OpenMP threads if the consumer enables OpenMP)
#   diffbridge::xtensor  xtensor (+ xsimd)      (XTENSOR_USE_XSIMD when xsimd is found)
#   diffbridge::thrust   Thrust from the CUDA toolkit's CCCL; C++ sources get the device system
#                        DIFFBRIDGE_THRUST_DEVICE_SYSTEM (OMP or CPP), CUDA sources stay on CUDA.
#   diffbridge::cuda     diffbridge::thrust with cuBLAS and the CUDA runtime, for nvcc sources
#                        (the device GEMMs call cuBLAS) — when the CUDA toolkit is found.
# DIFFBRIDGE_ENABLE_CUDA enables the CUDA language (nvcc, CMAKE_CUDA_ARCHITECTURES 90 unless set)
# so that tests/backend builds the GPU variant of the backend tests.

option(DIFFBRIDGE_ENABLE_CUDA "Enable CUDA (nvcc) and build the GPU backend tests" OFF)

set(_db_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/diffbridge)
set(DIFFBRIDGE_XTENSOR_USES_XSIMD FALSE)  # read by diffbridgeConfig.cmake.in

# ---- CUDA language ------------------------------------------------------------------------------
if(DIFFBRIDGE_ENABLE_CUDA)
  if(NOT DEFINED CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 90)
  endif()
  enable_language(CUDA)
  # CMake < 3.26 does not know nvcc's C++20 flag (CUDA_STANDARD 20); nvcc >= 12 has it.
  if(NOT DEFINED CMAKE_CUDA20_STANDARD_COMPILE_OPTION
     AND CMAKE_CUDA_COMPILER_VERSION VERSION_GREATER_EQUAL 12.0)
    set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  endif()
endif()

# diffbridge_export_component(<comp>): install target diffbridge_<comp> as diffbridge::<comp>.
function(diffbridge_export_component comp)
  add_library(diffbridge::${comp} ALIAS diffbridge_${comp})
  set_target_properties(diffbridge_${comp} PROPERTIES EXPORT_NAME ${comp})
  if(DIFFBRIDGE_INSTALL)
    install(TARGETS diffbridge_${comp} EXPORT diffbridge-${comp}Targets)
    install(EXPORT diffbridge-${comp}Targets NAMESPACE diffbridge:: DESTINATION ${_db_cmake_dir})
  endif()
endfunction()

# ---- Eigen ------------------------------------------------------------------------------------
find_package(Eigen3 3.4 QUIET NO_MODULE)
if(TARGET Eigen3::Eigen)
  add_library(diffbridge_eigen INTERFACE)
  target_link_libraries(diffbridge_eigen INTERFACE diffbridge Eigen3::Eigen)
  diffbridge_export_component(eigen)
endif()

# ---- xtensor (+ xsimd) --------------------------------------------------------------------------
find_package(xtensor QUIET)
if(TARGET xtensor)
  add_library(diffbridge_xtensor INTERFACE)
  target_link_libraries(diffbridge_xtensor INTERFACE diffbridge xtensor)
  find_package(xsimd QUIET)
  if(TARGET xsimd)
    target_link_libraries(diffbridge_xtensor INTERFACE xsimd)
    target_compile_definitions(diffbridge_xtensor INTERFACE XTENSOR_USE_XSIMD)
    set(DIFFBRIDGE_XTENSOR_USES_XSIMD TRUE)
  endif()
  diffbridge_export_component(xtensor)
endif()

# ---- Thrust (CCCL of the CUDA toolkit; Debian's libthrust-dev is not used) --------------------
include(${CMAKE_CURRENT_LIST_DIR}/diffbridgeFindCCCL.cmake)
if(DIFFBRIDGE_INSTALL)
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/diffbridgeFindCCCL.cmake DESTINATION ${_db_cmake_dir})
endif()
find_package(OpenMP QUIET COMPONENTS CXX)
if(TARGET OpenMP::OpenMP_CXX)
  set(_db_thrust_default OMP)
else()
  set(_db_thrust_default CPP)
endif()
set(DIFFBRIDGE_THRUST_DEVICE_SYSTEM ${_db_thrust_default} CACHE STRING
    "Thrust device system for C++ (non-nvcc) sources: OMP or CPP")
set_property(CACHE DIFFBRIDGE_THRUST_DEVICE_SYSTEM PROPERTY STRINGS OMP CPP)

if(DIFFBRIDGE_THRUST_INCLUDE_DIR)
  add_library(diffbridge_thrust INTERFACE)
  target_link_libraries(diffbridge_thrust INTERFACE diffbridge)
  # the installed package finds CCCL on the consumer's machine (diffbridgeConfig.cmake)
  target_include_directories(diffbridge_thrust SYSTEM INTERFACE
    $<BUILD_INTERFACE:${DIFFBRIDGE_THRUST_INCLUDE_DIR}>)
  target_compile_definitions(diffbridge_thrust INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:THRUST_DEVICE_SYSTEM=THRUST_DEVICE_SYSTEM_${DIFFBRIDGE_THRUST_DEVICE_SYSTEM}>)
  if(DIFFBRIDGE_THRUST_DEVICE_SYSTEM STREQUAL "OMP")
    if(NOT TARGET OpenMP::OpenMP_CXX)
      message(FATAL_ERROR "DIFFBRIDGE_THRUST_DEVICE_SYSTEM=OMP needs OpenMP for C++")
    endif()
    target_link_libraries(diffbridge_thrust INTERFACE OpenMP::OpenMP_CXX)
  endif()
  diffbridge_export_component(thrust)
endif()
# ---- CUDA: the Thrust backend in nvcc sources, with the cuBLAS its device GEMMs call ----------
if(TARGET diffbridge_thrust)
  find_package(CUDAToolkit QUIET)
  if(TARGET CUDA::cublas AND TARGET CUDA::cudart)
    add_library(diffbridge_cuda INTERFACE)
    target_link_libraries(diffbridge_cuda INTERFACE diffbridge_thrust CUDA::cublas CUDA::cudart)
    diffbridge_export_component(cuda)
  endif()
endif()
if(DIFFBRIDGE_ENABLE_CUDA AND NOT TARGET diffbridge_thrust)
  message(FATAL_ERROR "DIFFBRIDGE_ENABLE_CUDA needs Thrust (CCCL) from the CUDA toolkit")
endif()

set(_db_status std)
foreach(_db_comp IN ITEMS eigen xtensor thrust cuda)
  if(TARGET diffbridge_${_db_comp})
    list(APPEND _db_status ${_db_comp})
  endif()
endforeach()
if(TARGET diffbridge_thrust)
  list(APPEND _db_status "(thrust C++ system ${DIFFBRIDGE_THRUST_DEVICE_SYSTEM})")
endif()
if(DIFFBRIDGE_ENABLE_CUDA)
  list(APPEND _db_status "cuda (sm_${CMAKE_CUDA_ARCHITECTURES})")
endif()
list(JOIN _db_status " " _db_status)
message(STATUS "diffbridge backends: ${_db_status}")
