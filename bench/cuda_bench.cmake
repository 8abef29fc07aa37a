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
