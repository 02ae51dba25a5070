// GoogleTest's main for the Windows test programs. Under wine a test that crashed was sometimes
// reported as passed (5 of 30 runs through ctest): an unhandled exception now ends the process
// at once with a failure status, and without an error dialog.
#include <gtest/gtest.h>
#include <windows.h>

#include <cstdio>

namespace {

LONG WINAPI end_with_failure(EXCEPTION_POINTERS* exception) {
  std::fprintf(stderr, "unhandled exception 0x%08lx: test program ends with status 3\n",
               exception->ExceptionRecord->ExceptionCode);
  std::fflush(stderr);
  TerminateProcess(GetCurrentProcess(), 3);
  return EXCEPTION_EXECUTE_HANDLER;
}

}  // namespace

int main(int argc, char** argv) {
  SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
  SetUnhandledExceptionFilter(end_with_failure);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
