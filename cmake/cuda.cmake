# Optional CUDA, cuBLAS and NCCL. Everything here degrades to "not found" without failing the build.
set(CCBENCH_HAVE_CUDA OFF)
set(CCBENCH_HAVE_NCCL OFF)
if(CCBENCH_ENABLE_CUDA)
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    # `native` fails on a machine without a GPU, so name the architectures (Ampere, Hopper).
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 80 90)
    endif()
    # A static cudart next to the shared one from cuBLAS/NCCL would link it twice.
    set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
    enable_language(CUDA)
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit)
    if(CUDAToolkit_FOUND)
      set(CCBENCH_HAVE_CUDA ON)
      # CUDA's warnings: nvcc's own and the host compiler's on the host half of every .cu file
      # (unused parameters allowed, as for C).
      # Targets that need bit-identical float results add --fmad=false themselves (kernels/).
      add_compile_options("$<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra,-Wno-unused-parameter>")
      if(CCBENCH_WERROR)
        add_compile_options("$<$<COMPILE_LANGUAGE:CUDA>:-Werror=all-warnings;-Xcompiler=-Werror>")
      endif()
      # NCCL ships neither a CMake config nor a pkg-config file.
      find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
      find_library(NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR})
      if(NCCL_INCLUDE_DIR AND NCCL_LIBRARY)
        add_library(ccbench_nccl INTERFACE IMPORTED)
        target_include_directories(ccbench_nccl INTERFACE ${NCCL_INCLUDE_DIR})
        target_link_libraries(ccbench_nccl INTERFACE ${NCCL_LIBRARY})
        set(CCBENCH_HAVE_NCCL ON)
      endif()
    endif()
  endif()
endif()
