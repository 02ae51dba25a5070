// What starting a program means on every OS (the rest is src/platform/).
#include "process/process.hpp"

namespace process {

std::optional<Ending> run(const Command& command) {
  try {
    return Process::start(command).wait();
  } catch (const StartError&) {
    return std::nullopt;
  }
}

}  // namespace process
