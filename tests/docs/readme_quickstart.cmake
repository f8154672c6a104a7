# Runs one of README.md's quick starts exactly as written and compares its
# output with the block the README shows right after it.
#
#   cmake -DREADME=<README.md> -DLANG=c|python -DWORK_DIR=<dir>
#         [-DCC=<compiler> -DCFLAGS=<flags, space separated>
#          -DINCLUDE_DIRS=<dirs, '|' separated> -DLIBRARY=<libvfabric.so>]
#         [-DPYTHON=/usr/bin/python3]
#         -P readme_quickstart.cmake
#
# In README.md each example is marked like this (the marker line directly
# above the fence, the output block directly below its own marker):
#
#   <!-- quickstart:c -->
#   ```c
#   ...
#   ```
#   <!-- quickstart:c:output -->
#   ```text
#   ...
#   ```
#
# The example must exit 0, write nothing to stderr, and print exactly the
# output block (trailing white space aside).
cmake_minimum_required(VERSION 3.18)

foreach(_v README LANG WORK_DIR)
  if(NOT DEFINED ${_v})
    message(FATAL_ERROR "readme_quickstart.cmake: -D${_v}=... is required")
  endif()
endforeach()

file(READ "${README}" _readme)

# Sets ${out} to the body of the fenced block of language ${fence} that
# directly follows the line "<!-- ${marker} -->".
function(vf_extract marker fence out)
  set(_head "<!-- ${marker} -->\n```${fence}\n")
  string(FIND "${_readme}" "${_head}" _pos)
  if(_pos EQUAL -1)
    message(FATAL_ERROR "README.md: no block marked <!-- ${marker} --> "
            "directly followed by a ```${fence} fence")
  endif()
  string(LENGTH "${_head}" _len)
  math(EXPR _pos "${_pos} + ${_len}")
  string(SUBSTRING "${_readme}" ${_pos} -1 _rest)
  # The closing fence is the first line that is exactly ```.
  string(FIND "\n${_rest}" "\n```\n" _end)
  if(_end EQUAL -1)
    message(FATAL_ERROR "README.md: the block after <!-- ${marker} --> "
            "is not closed")
  endif()
  string(SUBSTRING "${_rest}" 0 ${_end} _body)
  # A second marker of the same name would make the test ambiguous.
  string(FIND "${_rest}" "<!-- ${marker} -->" _again)
  if(NOT _again EQUAL -1)
    message(FATAL_ERROR "README.md: <!-- ${marker} --> appears twice")
  endif()
  set(${out} "${_body}" PARENT_SCOPE)
endfunction()

# Trailing white space of the whole text and of every line does not count.
function(vf_normalise in out)
  string(REGEX REPLACE "[ \t\r]+\n" "\n" _t "${in}")
  string(REGEX REPLACE "[ \t\r\n]+$" "" _t "${_t}")
  set(${out} "${_t}" PARENT_SCOPE)
endfunction()

if(LANG STREQUAL "c")
  vf_extract("quickstart:c" "c" _code)
  vf_extract("quickstart:c:output" "text" _expected)
  set(_src "${WORK_DIR}/quickstart.c")
  set(_exe "${WORK_DIR}/quickstart")
  foreach(_v CC LIBRARY INCLUDE_DIRS)
    if(NOT DEFINED ${_v})
      message(FATAL_ERROR "readme_quickstart.cmake: -D${_v}=... is required for C")
    endif()
  endforeach()
  file(MAKE_DIRECTORY "${WORK_DIR}")
  file(WRITE "${_src}" "${_code}")
  separate_arguments(_cflags UNIX_COMMAND "${CFLAGS}")
  string(REPLACE "|" ";" _dirs "${INCLUDE_DIRS}")
  set(_incs)
  foreach(_d IN LISTS _dirs)
    list(APPEND _incs "-I${_d}")
  endforeach()
  get_filename_component(_libdir "${LIBRARY}" DIRECTORY)
  set(_cmd "${CC}" ${_cflags} ${_incs} "${_src}" -o "${_exe}" "${LIBRARY}"
      "-Wl,-rpath,${_libdir}")
  list(JOIN _cmd " " _shown)
  message(STATUS "compiling: ${_shown}")
  execute_process(COMMAND ${_cmd}
                  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0 OR NOT _err STREQUAL "")
    message(FATAL_ERROR "README.md's C quick start does not compile cleanly "
            "(exit ${_rc}):\n${_out}${_err}")
  endif()
  set(_run "${_exe}")
elseif(LANG STREQUAL "python")
  vf_extract("quickstart:python" "python" _code)
  vf_extract("quickstart:python:output" "text" _expected)
  if(NOT DEFINED PYTHON)
    set(PYTHON /usr/bin/python3)
  endif()
  set(_src "${WORK_DIR}/quickstart.py")
  file(MAKE_DIRECTORY "${WORK_DIR}")
  file(WRITE "${_src}" "${_code}")
  # -X dev: unclosed objects and other ResourceWarnings reach stderr.
  set(_run "${PYTHON}" -X dev "${_src}")
else()
  message(FATAL_ERROR "readme_quickstart.cmake: LANG must be c or python")
endif()

list(JOIN _run " " _shown)
message(STATUS "running: ${_shown}")
execute_process(COMMAND ${_run} WORKING_DIRECTORY "${WORK_DIR}"
                RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
message(STATUS "it printed:\n${_out}")
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "README.md's ${LANG} quick start exited with ${_rc}:\n"
          "${_err}")
endif()
if(NOT _err STREQUAL "")
  message(FATAL_ERROR "README.md's ${LANG} quick start wrote to stderr:\n"
          "${_err}")
endif()
vf_normalise("${_out}" _got)
vf_normalise("${_expected}" _want)
if(NOT _got STREQUAL _want)
  message(STATUS "README.md says it prints:\n${_want}\n")
  message(FATAL_ERROR "README.md's ${LANG} quick start printed something "
          "other than what the README shows (both above); update one of them")
endif()
message(STATUS "README.md's ${LANG} quick start runs as written")
