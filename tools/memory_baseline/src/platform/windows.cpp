// Windows process control: CreateProcess with the child's output redirected to a log file.
#include <windows.h>

#include <filesystem>

#include "platform/platform.hpp"

namespace memory_baseline::platform {

namespace {

// One argument as the C runtime's command-line parser reads it back (CommandLineToArgvW rules):
// quoted when it holds blanks or quotes, with the backslashes before a quote doubled.
std::string quote_argument(const std::string& argument) {
  if (!argument.empty() && argument.find_first_of(" \t\n\v\"") == std::string::npos)
    return argument;
  std::string quoted(1, '"');
  std::size_t backslashes = 0;
  for (const char character : argument) {
    if (character == '\\') {
      ++backslashes;
      continue;
    }
    quoted.append(character == '"' ? backslashes * 2 + 1 : backslashes, '\\');
    quoted += character;
    backslashes = 0;
  }
  quoted.append(backslashes * 2, '\\');
  quoted.push_back('"');
  return quoted;
}

}  // namespace

std::string command_line_of(const std::string& program, const std::vector<std::string>& arguments) {
  std::string command_line = quote_argument(program);
  for (const std::string& argument : arguments) {
    command_line.push_back(' ');
    command_line.append(quote_argument(argument));
  }
  return command_line;
}

int run_process(const std::string& program, const std::vector<std::string>& arguments,
                const std::string& log_path) {
  std::string command_line = command_line_of(program, arguments);
  SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  const HANDLE log = CreateFileA(log_path.c_str(), GENERIC_WRITE, FILE_SHARE_READ, &inheritable,
                                 CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (log == INVALID_HANDLE_VALUE) return -1;
  STARTUPINFOA startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
  startup.hStdOutput = log;
  startup.hStdError = log;
  PROCESS_INFORMATION child{};
  const bool started = CreateProcessA(program.c_str(), command_line.data(), nullptr, nullptr, TRUE,
                                      0, nullptr, nullptr, &startup, &child);
  CloseHandle(log);
  if (!started) return -1;
  CloseHandle(child.hThread);
  WaitForSingleObject(child.hProcess, INFINITE);
  DWORD status = 0;
  const bool known = GetExitCodeProcess(child.hProcess, &status);
  CloseHandle(child.hProcess);
  return known ? static_cast<int>(status) : -1;
}

std::string executable_directory() {
  char path[MAX_PATH];
  const DWORD length = GetModuleFileNameA(nullptr, path, sizeof path);
  return std::filesystem::path(std::string(path, length)).parent_path().string();
}

std::string program_file(const std::string& name) {
  return name + ".exe";
}

}  // namespace memory_baseline::platform
