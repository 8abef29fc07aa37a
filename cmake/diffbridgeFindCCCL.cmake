# Finds the CUDA toolkit's CCCL (the directory holding thrust/version.h) for diffbridge::thrust
# and sets the cache variable DIFFBRIDGE_THRUST_INCLUDE_DIR (set it to choose another). Used by
# the build and, installed next to diffbridgeConfig.cmake, by a consumer's find_package, so the
# exported target names no directory of the machine that built the package.
if(NOT DIFFBRIDGE_THRUST_INCLUDE_DIR)
  find_package(CUDAToolkit QUIET)
endif()
find_path(DIFFBRIDGE_THRUST_INCLUDE_DIR thrust/version.h
  HINTS ${CUDAToolkit_INCLUDE_DIRS}/cccl ${CUDAToolkit_INCLUDE_DIRS}
        /usr/local/cuda/include/cccl /usr/local/cuda/include
  NO_DEFAULT_PATH
  DOC "Directory holding thrust/ (the CUDA toolkit's CCCL)")
