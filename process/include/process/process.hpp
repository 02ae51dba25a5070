// Starting a program and learning how it ended: the one way the runner starts its scenarios and
// the sweep's points, `profile` the program it measures, and the index scenario its build without
// hooks. One implementation file per OS (src/platform/linux.cpp: posix_spawn and waitpid;
// src/platform/windows.cpp: CreateProcess and the C runtime's command-line rules).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace process {

// Where the program's standard output and standard error go.
enum class Output {
  inherit,   // where this process's go
  file,      // both into Command::output_file (standard error into Command::error_file if one
             // is named), each created or emptied first
  captured,  // standard output into a pipe that Process::read_output reads; standard error
             // inherited
};

// Every member has an initializer, so that a command names only what it sets.
struct Command {
  std::string program{};  // the program file (a path: no search)
  // The program's own name for itself (argv[0]; on Windows the command line's first word);
  // empty: `program`.
  std::string argument0{};
  std::vector<std::string> arguments{};  // handed over unchanged, whatever they hold
  // "NAME=value" entries set over this process's environment (the rest of which the program
  // inherits as it is): on Linux each in the place of the variable it replaces, new ones last.
  std::vector<std::string> environment{};
  Output output = Output::inherit;
  std::string output_file{};  // with Output::file
  std::string error_file{};   // with Output::file: standard error's own file; empty: output_file
  // Windows: started with its first thread suspended (for a library to be loaded into it before
  // it runs) until resume(). Linux: has no effect.
  bool suspended = false;
};

// How a program ended: its exit status (on Windows the exit code, which for an unhandled
// exception is the exception's code, named in `exception`), or the signal that ended it (Linux).
struct Ending {
  std::optional<int> status;
  std::optional<int> signal;
  std::string exception;  // Windows: "0xC0000005 (access violation)"; else empty
};

// "exited with status 3", "was ended by signal 9", "crashed with exception 0xC0000005 (access
// violation)".
std::string describe(const Ending& ending);

// The program could not be started: what() says why ("no such file or directory").
class StartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A started program. Destroying one that has not ended (or assigning over it) closes its captured
// output, lets it run if it was suspended, and waits for it.
class Process {
 public:
  // Starts `command`; throws StartError when it cannot.
  static Process start(const Command& command);

  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  ~Process();

  // The operating system's id of the process (what monitor::read_rss_bytes_of reads).
  std::int64_t id() const;
  // Windows: the process's handle (HANDLE), for loading a library into it; Linux: nullptr.
  void* native_handle() const;
  // Lets a program started suspended run.
  void resume();
  // Everything the program writes to its standard output until it closes it (Output::captured).
  std::string read_output();
  // How it ended, or nullopt while it runs (does not wait).
  std::optional<Ending> poll();
  // Waits for it to end.
  Ending wait();

 private:
  struct State;
  explicit Process(std::unique_ptr<State> state);
  void finish();  // what destroying a running one does
  std::unique_ptr<State> state_;
};

// Runs `command` to its end: its ending, or nullopt when it could not be started.
std::optional<Ending> run(const Command& command);

#if defined(_WIN32)
// The command line that hands `arguments` to a program unchanged, as the C runtime's parser
// (CommandLineToArgvW rules) reads it back; `argument0` is its first word.
std::string command_line_of(const std::string& argument0,
                            const std::vector<std::string>& arguments);
// GetLastError()'s words ("Access is denied"), or "error N".
std::string last_error_text();
#endif

}  // namespace process
