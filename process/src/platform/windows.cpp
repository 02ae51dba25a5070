// Windows: CreateProcess with a command line quoted for the C runtime's parser, an environment
// block merged here (names compare without case), the standard handles made inheritable or
// redirected to a file or a pipe, and the exit code read once the process handle is signalled.
// An exit code in the error range of NTSTATUS (0xC0000000 and up) or a breakpoint is an
// unhandled exception, named.
#include <windows.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <utility>

#include "process/process.hpp"

namespace process {

namespace {

// Closes a handle when the scope ends (or when reset).
struct Handle {
  HANDLE handle = nullptr;
  Handle() = default;
  explicit Handle(HANDLE value) : handle(value) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  void reset() {
    if (handle != nullptr && handle != INVALID_HANDLE_VALUE) CloseHandle(handle);
    handle = nullptr;
  }
};

const char* exception_name(DWORD code) {
  switch (code) {
    case 0x80000003:
      return "breakpoint";
    case 0xC0000005:
      return "access violation";
    case 0xC0000006:
      return "in-page error";
    case 0xC000001D:
      return "illegal instruction";
    case 0xC000008E:
      return "floating-point division by zero";
    case 0xC0000094:
      return "integer division by zero";
    case 0xC0000095:
      return "integer overflow";
    case 0xC0000096:
      return "privileged instruction";
    case 0xC00000FD:
      return "stack overflow";
    case 0xC0000374:
      return "heap corruption";
    case 0xC0000409:
      return "stack buffer overrun or fail-fast";
    case 0xC0000420:
      return "assertion failure";
    default:
      return "";
  }
}

Ending ending_of(DWORD code) {
  Ending ending{static_cast<int>(code), std::nullopt, ""};
  if (code >= 0xC0000000u || code == 0x80000003u) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08lX", static_cast<unsigned long>(code));
    const std::string name = exception_name(code);
    ending.exception = hex + (name.empty() ? std::string() : " (" + name + ")");
  }
  return ending;
}

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

// This process's environment block with `extra` ("NAME=value") in place of variables of the same
// name.
std::string environment_block(const std::vector<std::string>& extra) {
  std::string block;
  for (const std::string& variable : extra) block.append(variable).push_back('\0');
  char* strings = GetEnvironmentStringsA();
  for (const char* entry = strings; entry != nullptr && *entry != '\0';
       entry += std::strlen(entry) + 1) {
    const std::string variable = entry;
    // Entries such as "=C:=C:\..." hold the current folder of each drive: their name starts
    // after the first '='.
    const std::string name = variable.substr(0, variable.find('=', 1));
    bool replaced = false;
    for (const std::string& added : extra) {
      replaced = replaced || (added.size() > name.size() && added[name.size()] == '=' &&
                              CompareStringA(LOCALE_INVARIANT, NORM_IGNORECASE, added.data(),
                                             static_cast<int>(name.size()), name.data(),
                                             static_cast<int>(name.size())) == CSTR_EQUAL);
    }
    if (!replaced) block.append(variable).push_back('\0');
  }
  if (strings != nullptr) FreeEnvironmentStringsA(strings);
  block.push_back('\0');
  return block;
}

HANDLE inheritable_standard_handle(DWORD which) {
  const HANDLE handle = GetStdHandle(which);
  if (handle != nullptr && handle != INVALID_HANDLE_VALUE)
    SetHandleInformation(handle, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  return handle;
}

}  // namespace

std::string last_error_text() {
  const DWORD code = GetLastError();
  char text[512] = {};
  const DWORD length = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                                      nullptr, code, 0, text, sizeof text, nullptr);
  std::string message(text, length);
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r' ||
                              message.back() == '.' || message.back() == ' '))
    message.pop_back();
  return message.empty() ? "error " + std::to_string(code) : message;
}

std::string command_line_of(const std::string& argument0,
                            const std::vector<std::string>& arguments) {
  // The first word, a program's path, is quoted when it holds a blank; its backslashes stay as
  // they are (a path holds no quote; the C runtimes differ only on a backslash ending a quoted
  // first word, which Microsoft's keeps and msvcrt under wine reads as an escape).
  std::string command_line =
      argument0.find_first_of(" \t") == std::string::npos && !argument0.empty()
          ? argument0
          : "\"" + argument0 + "\"";
  for (const std::string& argument : arguments) {
    command_line.push_back(' ');
    command_line.append(quote_argument(argument));
  }
  return command_line;
}

struct Process::State {
  Handle process, thread;  // the thread while suspended
  Handle output;           // the read end of the captured standard output
  DWORD id = 0;
  std::optional<Ending> ending;
};

Process::Process(std::unique_ptr<State> state) : state_(std::move(state)) {}
Process::Process(Process&& other) noexcept = default;
Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    finish();
    state_ = std::move(other.state_);
  }
  return *this;
}
Process::~Process() {
  finish();
}

void Process::finish() {
  if (!state_ || state_->process.handle == nullptr || state_->ending) return;
  // A program writing into a pipe nobody reads would never end: the pipe goes first.
  state_->output.reset();
  resume();
  wait();
}

Process Process::start(const Command& command) {
  std::string command_line = command_line_of(
      command.argument0.empty() ? command.program : command.argument0, command.arguments);
  std::string environment;
  if (!command.environment.empty()) environment = environment_block(command.environment);

  STARTUPINFOA startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = inheritable_standard_handle(STD_INPUT_HANDLE);
  startup.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
  startup.hStdError = inheritable_standard_handle(STD_ERROR_HANDLE);
  auto state = std::make_unique<State>();
  // This process's copy of what the program writes to: made without inheritance, and inheritable
  // only while this program is started (under start_lock), so that a program started beside it
  // does not hold it too (a captured pipe would not end while that one runs).
  Handle child_output;
  Handle child_error;
  if (command.output == Output::file) {
    const auto create = [](Handle& file, const std::string& path) {
      file.handle = CreateFileA(path.c_str(), GENERIC_WRITE, FILE_SHARE_READ, nullptr,
                                CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
      if (file.handle == INVALID_HANDLE_VALUE) {
        file.handle = nullptr;
        throw StartError("cannot write " + path + ": " + last_error_text());
      }
    };
    create(child_output, command.output_file);
    startup.hStdOutput = startup.hStdError = child_output.handle;
    if (!command.error_file.empty()) {
      create(child_error, command.error_file);
      startup.hStdError = child_error.handle;
    }
  } else if (command.output == Output::captured) {
    if (!CreatePipe(&state->output.handle, &child_output.handle, nullptr, 0))
      throw StartError("cannot make a pipe: " + last_error_text());
    startup.hStdOutput = child_output.handle;
  } else {
    startup.hStdOutput = inheritable_standard_handle(STD_OUTPUT_HANDLE);
  }
  PROCESS_INFORMATION child{};
  {
    static std::mutex start_lock;
    const std::lock_guard<std::mutex> lock(start_lock);
    for (const Handle* own : {&child_output, &child_error}) {
      if (own->handle != nullptr)
        SetHandleInformation(own->handle, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
    }
    const bool started = CreateProcessA(command.program.c_str(), command_line.data(), nullptr,
                                        nullptr, TRUE, command.suspended ? CREATE_SUSPENDED : 0,
                                        environment.empty() ? nullptr : environment.data(), nullptr,
                                        &startup, &child);
    const std::string why = started ? std::string() : last_error_text();
    // The program holds its own copy now: once it exits, a captured pipe ends.
    child_output.reset();
    child_error.reset();
    if (!started) throw StartError(why);
  }
  state->process.handle = child.hProcess;
  state->thread.handle = child.hThread;
  state->id = child.dwProcessId;
  if (!command.suspended) state->thread.reset();
  return Process(std::move(state));
}

std::int64_t Process::id() const {
  return state_->id;
}

void* Process::native_handle() const {
  return state_->process.handle;
}

void Process::resume() {
  if (state_->thread.handle == nullptr) return;
  ResumeThread(state_->thread.handle);
  state_->thread.reset();
}

std::string Process::read_output() {
  std::string output;
  if (state_->output.handle == nullptr) return output;
  char buffer[4096];
  DWORD got = 0;
  while (ReadFile(state_->output.handle, buffer, sizeof buffer, &got, nullptr) && got > 0)
    output.append(buffer, got);
  state_->output.reset();
  return output;
}

std::optional<Ending> Process::poll() {
  if (state_->ending) return state_->ending;
  if (WaitForSingleObject(state_->process.handle, 0) != WAIT_OBJECT_0) return std::nullopt;
  DWORD code = 0;
  state_->ending = GetExitCodeProcess(state_->process.handle, &code) ? ending_of(code) : Ending{};
  return state_->ending;
}

Ending Process::wait() {
  if (state_->ending) return *state_->ending;
  if (WaitForSingleObject(state_->process.handle, INFINITE) != WAIT_OBJECT_0) {
    state_->ending = Ending{};  // nothing more can be learnt
    return *state_->ending;
  }
  return poll().value_or(Ending{});
}

}  // namespace process
