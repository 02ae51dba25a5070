// Linux: posix_spawn with the output redirected by file actions, the environment merged here,
// and waitpid.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "process/process.hpp"

extern char** environ;

namespace process {

struct Process::State {
  pid_t id = -1;
  int output = -1;  // the read end of the captured standard output
  std::optional<Ending> ending;

  ~State() {
    if (output >= 0) close(output);
  }
};

namespace {

// This process's variables in their order, each that `extra` ("NAME=value") names replaced where it
// stands, then the rest of `extra`: a program started with a variable set over the caller's finds
// its environment in the order the caller had it.
std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  const auto name_of = [](const std::string& variable) {
    const std::size_t equals = variable.find('=');
    return equals == std::string::npos ? variable + "=" : variable.substr(0, equals + 1);
  };
  std::vector<std::string> environment;
  std::vector<bool> placed(extra.size(), false);
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string variable = *entry;
    const std::string name = name_of(variable);
    bool replaced = false;
    for (std::size_t i = 0; i < extra.size(); ++i) {
      if (placed[i] || name_of(extra[i]) != name) continue;
      if (!replaced) environment.push_back(extra[i]);
      placed[i] = replaced = true;
    }
    if (!replaced) environment.push_back(variable);
  }
  for (std::size_t i = 0; i < extra.size(); ++i)
    if (!placed[i]) environment.push_back(extra[i]);
  return environment;
}

std::vector<char*> pointers(std::vector<std::string>& words) {
  std::vector<char*> result;
  for (std::string& word : words) result.push_back(word.data());
  result.push_back(nullptr);
  return result;
}

// Ends a posix_spawn_file_actions_t with its scope.
struct FileActions {
  posix_spawn_file_actions_t actions;
  FileActions() { posix_spawn_file_actions_init(&actions); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  ~FileActions() { posix_spawn_file_actions_destroy(&actions); }
};

Ending ending_of(int status) {
  if (WIFEXITED(status)) return {WEXITSTATUS(status), std::nullopt, ""};
  return {std::nullopt, WIFSIGNALED(status) ? std::optional<int>(WTERMSIG(status)) : std::nullopt,
          ""};
}

}  // namespace

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
  if (!state_ || state_->id <= 0 || state_->ending) return;
  // A program writing into a pipe nobody reads would never end: the pipe goes first.
  if (state_->output >= 0) {
    close(state_->output);
    state_->output = -1;
  }
  wait();
}

Process Process::start(const Command& command) {
  std::vector<std::string> words{command.argument0.empty() ? command.program : command.argument0};
  words.insert(words.end(), command.arguments.begin(), command.arguments.end());
  std::vector<char*> argv = pointers(words);
  std::vector<std::string> variables;
  if (!command.environment.empty()) variables = merged_environment(command.environment);
  std::vector<char*> envp = pointers(variables);

  auto state = std::make_unique<State>();
  FileActions files;
  int pipe_ends[2] = {-1, -1};
  if (command.output == Output::file) {
    posix_spawn_file_actions_addopen(&files.actions, STDOUT_FILENO, command.output_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (command.error_file.empty()) {
      posix_spawn_file_actions_adddup2(&files.actions, STDOUT_FILENO, STDERR_FILENO);
    } else {
      posix_spawn_file_actions_addopen(&files.actions, STDERR_FILENO, command.error_file.c_str(),
                                       O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
  } else if (command.output == Output::captured) {
    // Both ends close in the program at its exec; the write end is its standard output there.
    if (pipe2(pipe_ends, O_CLOEXEC) != 0)
      throw StartError(std::string("cannot make a pipe: ") + std::strerror(errno));
    state->output = pipe_ends[0];
    posix_spawn_file_actions_adddup2(&files.actions, pipe_ends[1], STDOUT_FILENO);
  }
  const int error = posix_spawn(&state->id, command.program.c_str(), &files.actions, nullptr,
                                argv.data(), command.environment.empty() ? environ : envp.data());
  if (pipe_ends[1] >= 0) close(pipe_ends[1]);  // the program holds its own
  if (error != 0) {
    state->id = -1;
    throw StartError(std::strerror(error));
  }
  return Process(std::move(state));
}

std::int64_t Process::id() const {
  return state_->id;
}

void* Process::native_handle() const {
  return nullptr;
}

void Process::resume() {}

std::string Process::read_output() {
  std::string output;
  if (state_->output < 0) return output;
  char buffer[4096];
  for (;;) {
    const ssize_t got = read(state_->output, buffer, sizeof buffer);
    if (got > 0) {
      output.append(buffer, static_cast<std::size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      break;
    }
  }
  close(state_->output);
  state_->output = -1;
  return output;
}

std::optional<Ending> Process::poll() {
  if (state_->ending) return state_->ending;
  int status = 0;
  pid_t ended;
  while ((ended = waitpid(state_->id, &status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (ended == 0) return std::nullopt;
  // Reaped elsewhere (ECHILD): there is nothing more to learn.
  state_->ending = ended < 0 ? Ending{} : ending_of(status);
  return state_->ending;
}

Ending Process::wait() {
  if (state_->ending) return *state_->ending;
  int status = 0;
  pid_t ended;
  while ((ended = waitpid(state_->id, &status, 0)) < 0 && errno == EINTR) {
  }
  state_->ending = ended < 0 ? Ending{} : ending_of(status);
  return *state_->ending;
}

}  // namespace process
