# Script-driven ctest cases (interop and integration): one ctest entry per case of a Python
# script, run as `PYTHON SCRIPT <liketorrent binary> CASE`; exit 77 means skipped (a missing tool).
#
# Debian's python3-libtorrent is importable only by the system interpreter, so the default is
# /usr/bin/python3; override with -DLT_TEST_PYTHON=...
if(EXISTS /usr/bin/python3)
  set(lt_test_python_default /usr/bin/python3)
else()
  find_package(Python3 COMPONENTS Interpreter)
  set(lt_test_python_default ${Python3_EXECUTABLE})
endif()
set(LT_TEST_PYTHON ${lt_test_python_default} CACHE FILEPATH
    "Python 3 for the script tests (stdlib, plus python3-libtorrent for interop)")

# lt_add_python_cases(PREFIX p LABEL l TIMEOUT s SCRIPT file CASES c1 c2 ...)
# registers tests named <p><case>.
function(lt_add_python_cases)
  cmake_parse_arguments(arg "" "PREFIX;LABEL;TIMEOUT;SCRIPT" "CASES" ${ARGN})
  foreach(case IN LISTS arg_CASES)
    add_test(NAME ${arg_PREFIX}${case}
             COMMAND ${LT_TEST_PYTHON} ${arg_SCRIPT} $<TARGET_FILE:liketorrent> ${case})
    set_tests_properties(${arg_PREFIX}${case} PROPERTIES
                         LABELS ${arg_LABEL}
                         TIMEOUT ${arg_TIMEOUT}
                         SKIP_RETURN_CODE 77
                         ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1;PYTHONIOENCODING=utf-8")
  endforeach()
endfunction()
