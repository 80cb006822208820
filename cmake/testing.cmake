# Test helpers. MPI tests go through mpirun; the environment lets it run as root and with more
# ranks than cores (CI machines have 2). Only tests and scripts set these, never the tools.
set(CCBENCH_MPI_TEST_ENV
    OMPI_ALLOW_RUN_AS_ROOT=1
    OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    OMPI_MCA_rmaps_base_oversubscribe=1
    # Oversubscribed ranks must yield instead of spinning, or np 8 on 2 cores crawls.
    OMPI_MCA_mpi_yield_when_idle=1)
# Open MPI's own allocations are never freed: leak reports from MPI programs are noise, so sanitized
# MPI tests check memory errors only. Tests of plain C code keep leak detection.
if(CCBENCH_SANITIZE)
  list(APPEND CCBENCH_MPI_TEST_ENV ASAN_OPTIONS=detect_leaks=0)
endif()
# Skipped tests (e.g. GPU tests without a GPU) exit with this code.
set(CCBENCH_SKIP_CODE 77)

# cc_add_test(NAME name COMMAND cmd... [LABELS l...] [MPI])  MPI: the command starts MPI programs
function(cc_add_test)
  cmake_parse_arguments(T "MPI" "NAME" "COMMAND;LABELS" ${ARGN})
  add_test(NAME ${T_NAME} COMMAND ${T_COMMAND})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" SKIP_RETURN_CODE ${CCBENCH_SKIP_CODE})
  if(T_MPI)
    set_tests_properties(${T_NAME} PROPERTIES ENVIRONMENT "${CCBENCH_MPI_TEST_ENV}")
  endif()
endfunction()

# cc_add_mpi_test(NAME name NP n COMMAND cmd... [LABELS l...] [TIMEOUT s])
function(cc_add_mpi_test)
  cmake_parse_arguments(T "" "NAME;NP;TIMEOUT" "COMMAND;LABELS" ${ARGN})
  add_test(NAME ${T_NAME}
           COMMAND ${MPIEXEC_EXECUTABLE} -q ${MPIEXEC_NUMPROC_FLAG} ${T_NP} --bind-to none
                   ${MPIEXEC_PREFLAGS} ${T_COMMAND} ${MPIEXEC_POSTFLAGS})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "mpi;${T_LABELS}" TIMEOUT ${T_TIMEOUT} PROCESSORS ${T_NP}
                       SKIP_RETURN_CODE ${CCBENCH_SKIP_CODE} ENVIRONMENT "${CCBENCH_MPI_TEST_ENV}")
endfunction()
