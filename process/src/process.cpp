// What starting a program means on every OS (the rest is src/platform/).
#include "process/process.hpp"

#include <string>

namespace process {

std::string describe(const Ending& ending) {
  if (!ending.exception.empty()) return "crashed with exception " + ending.exception;
  if (ending.status) return "exited with status " + std::to_string(*ending.status);
  if (ending.signal) return "was ended by signal " + std::to_string(*ending.signal);
  return "ended in a way that could not be read";
}

std::optional<Ending> run(const Command& command) {
  try {
    return Process::start(command).wait();
  } catch (const StartError&) {
    return std::nullopt;
  }
}

}  // namespace process
