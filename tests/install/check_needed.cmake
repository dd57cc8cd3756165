# ctest's install_programs_need_soname: each program in PROGRAMS records libkafka_rs by its
# SONAME (a NEEDED entry), so it runs with any compatible installed library.
foreach(program IN LISTS PROGRAMS)
  execute_process(COMMAND readelf -d "${program}" RESULT_VARIABLE rc OUTPUT_VARIABLE dyn)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "readelf -d ${program} failed")
  endif()
  string(FIND "${dyn}" "(NEEDED)             Shared library: [${SONAME}]" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${program} does not need ${SONAME}:\n${dyn}")
  endif()
  message(STATUS "${program} needs ${SONAME}")
endforeach()
