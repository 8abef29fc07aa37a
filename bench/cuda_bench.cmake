# bench_diffir_cuda (bench_diffir_cuda.cu): the deblur S2 network on the Thrust backend's CUDA
# system (cuBLAS, CUDA events; not a test, no Google Benchmark). Built in CUDA builds
# (-DDIFFBRIDGE_ENABLE_CUDA=ON, preset cuda); compared with PyTorch by pytorch_cuda_compare.py.
if(TARGET diffbridge::thrust)
  find_package(CUDAToolkit REQUIRED)
  find_package(nlohmann_json 3 REQUIRED)
  add_executable(bench_diffir_cuda ${CMAKE_CURRENT_LIST_DIR}/bench_diffir_cuda.cu)
  target_link_libraries(bench_diffir_cuda PRIVATE diffbridge::thrust nlohmann_json::nlohmann_json
    CUDA::cublas CUDA::cudart)
  target_include_directories(bench_diffir_cuda PRIVATE ${PROJECT_SOURCE_DIR}/tests/models)
  set_target_properties(bench_diffir_cuda PROPERTIES CUDA_STANDARD 20 CUDA_STANDARD_REQUIRED ON
    COMPILE_OPTIONS "$<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra>")
endif()

# gemm_shapes_cuda: cublasSgemm vs the best cuBLASLt algorithm on the network's GEMM shapes.
if(DIFFBRIDGE_ENABLE_CUDA)
  find_package(CUDAToolkit REQUIRED)
  add_executable(gemm_shapes_cuda ${CMAKE_CURRENT_LIST_DIR}/gemm_shapes_cuda.cu)
  target_link_libraries(gemm_shapes_cuda PRIVATE CUDA::cublasLt CUDA::cublas CUDA::cudart)
  set_target_properties(gemm_shapes_cuda PROPERTIES CUDA_STANDARD 20 CUDA_STANDARD_REQUIRED ON
    COMPILE_OPTIONS "$<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra>")
endif()
