// The runner's reader of the profile report (alloc_hooks/profile_format.hpp): the lines it reads,
// a report cut short, and a report of another version; and the profile document's writer and
// reader: what one writes the other reads back, and what it cannot read it names.
#include <gtest/gtest.h>

#include <alloc_hooks/profile_format.hpp>
#include <stdexcept>
#include <string>

#include "memory_baseline/profile.hpp"
#include "memory_baseline/profile_model.hpp"

namespace {

namespace format = alloc_hooks::profile_format;

std::string first_line(int version) {
  return std::string(format::kFirst) + " " + std::to_string(version) + "\n";
}

const std::string kBody =
    "ended_by signal 11\nprocess 42 1 42 0 1024 5000000 9000000\nargument cc1plus\n"
    "argument a\\\\b\\nc d\nbackend system\nbackend_version glibc 2.36\nclock rdtsc "
    "0.5\ntotal.allocations 7\n"
    "malloc.allocations 5\nlive_bytes -16\npeak_live_bytes 4096\n"
    "alloc_latency 7 10 20 30 40 50 25\nslowest 50 4096 3 2\n"
    "module 7f0000 /usr/lib/libc.so.6\nstack 2 0 4096 4096 1 50 7f0010 7f0020\n";

TEST(ProfileReport, TheReaderTakesEachLineAsTheFormatDefinesIt) {
  alloc_hooks::RawSites sites;
  const auto figures = memory_baseline::parse_preload_report(
      first_line(format::kVersion) + kBody + format::kEnd + "\n", sites);
  ASSERT_TRUE(figures.has_value());
  EXPECT_EQ(figures->allocator.version, "glibc 2.36");
  EXPECT_EQ(figures->totals.allocations, 7u);
  EXPECT_EQ(figures->by_source.malloc.allocations, 5u);
  EXPECT_EQ(figures->live_bytes, -16);
  EXPECT_EQ(scenarios::json_record::write(figures->alloc_latency_ns),
            nlohmann::json({{"count", 7},
                            {"p50", 10},
                            {"p90", 20},
                            {"p99", 30},
                            {"p999", 40},
                            {"max", 50},
                            {"mean", 25}}));
  ASSERT_EQ(figures->slowest_allocations.size(), 1u);
  EXPECT_EQ(figures->slowest_allocations[0].stack_id, 2u);
  ASSERT_EQ(sites.modules.size(), 1u);
  EXPECT_EQ(sites.modules[0].path, "/usr/lib/libc.so.6");
  EXPECT_EQ(sites.modules[0].bias, 0x7f0000u);
  EXPECT_EQ(sites.stacks[2], (std::vector<std::uintptr_t>{0x7f0010, 0x7f0020}));
  EXPECT_EQ(sites.figures[2].peak_snapshot_bytes, 4096);
  EXPECT_EQ(figures->exit.figures_until, "signal");
}

// Who wrote the report: the process line, the arguments unescaped ("\\\\" a backslash, "\\n" a
// newline), how it ended whole, and its figures.
TEST(ProfileReport, TheReaderNamesTheProcessImageThatWroteIt) {
  alloc_hooks::RawSites sites;
  memory_baseline::ReportedProcess reported;
  ASSERT_TRUE(memory_baseline::parse_preload_report(
      first_line(format::kVersion) + kBody + format::kEnd + "\n", sites, &reported));
  const memory_baseline::ProfileProcess& process = reported.process;
  EXPECT_EQ(process.pid, 42);
  EXPECT_EQ(process.image, 1);
  EXPECT_EQ(process.parent_pid, 42);
  EXPECT_EQ(process.parent_image, 0);
  EXPECT_EQ(process.inherited_live_bytes, 1024);
  EXPECT_EQ(reported.started_ns, 5000000);
  EXPECT_EQ(reported.ended_ns, 9000000);
  EXPECT_EQ(process.command, (std::vector<std::string>{"cc1plus", "a\\b\nc d"}));
  EXPECT_EQ(process.ended_by, "signal 11");
  EXPECT_EQ(process.allocations, 7u);
  EXPECT_EQ(process.peak_live_bytes, 4096u);
  EXPECT_EQ(process.live_bytes, -16);
  EXPECT_EQ(process.latency_budget_violations, 0u);
  const memory_baseline::ProfileProcess made =
      memory_baseline::tree_process(reported, nullptr, 1000000);
  EXPECT_DOUBLE_EQ(made.started_ms, 4.0);
  EXPECT_DOUBLE_EQ(made.ended_ms, 8.0);
}

// A snapshot: its line, its figures and its stacks; one cut short is none.
TEST(ProfileReport, TheReaderTakesASnapshotAsTheFormatDefinesIt) {
  const std::string snapshot = first_line(format::kVersion) +
                               "snapshot 2 7000000 growth\nlive_bytes 4096\npeak_live_bytes 5000\n"
                               "stack 3 4096 0 4096 1 50 7f0010\n";
  alloc_hooks::RawSites sites;
  const auto read = memory_baseline::parse_snapshot(snapshot + format::kEnd + "\n", sites);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->index, 2u);
  EXPECT_EQ(read->time_ns, 7000000);
  EXPECT_EQ(read->trigger, "growth");
  EXPECT_EQ(read->live_bytes, 4096);
  EXPECT_EQ(read->peak_live_bytes, 5000u);
  EXPECT_EQ(sites.figures[3].live_bytes, 4096);
  EXPECT_EQ(sites.stacks[3], (std::vector<std::uintptr_t>{0x7f0010}));
  alloc_hooks::RawSites cut;
  EXPECT_FALSE(memory_baseline::parse_snapshot(snapshot, cut));
  EXPECT_EQ(
      memory_baseline::live_bytes_address("alloc_hooks_profile 4\nlive_bytes_address 7f00ab\n"),
      std::uintptr_t{0x7f00ab});
  EXPECT_FALSE(memory_baseline::live_bytes_address("alloc_hooks_profile 4\n"));
}

// The budgets hold each process of the tree: a child's slow allocations and its own peak (a fork
// child's above what it inherited) breach them, named by the process.
TEST(ProfileDocument, TheBudgetsHoldEachProcessOfTheTree) {
  alloc_hooks::RawSites sites;
  const memory_baseline::ProfileDocument figures =
      memory_baseline::parse_preload_report(first_line(format::kVersion) + kBody + "end\n", sites)
          .value();
  memory_baseline::ProfileRun run;
  run.limit_mb = 1;
  run.alloc_budget_us = 5;
  memory_baseline::ProfileProcess program;
  program.pid = 10;
  program.ended_by = "exit";
  memory_baseline::ProfileProcess slow = program;
  slow.pid = 11;
  slow.parent_pid = 10;
  slow.parent_image = 0;
  slow.command = {"slow"};
  slow.latency_budget_violations = 2;
  slow.worst_budget_violation_ns = 7500;
  memory_baseline::ProfileProcess inherits = slow;
  inherits.pid = 12;
  inherits.command = {"inherits"};
  inherits.latency_budget_violations = 0;
  inherits.peak_live_bytes = 3u << 20;
  inherits.inherited_live_bytes = 3 << 20;  // nothing of its own
  memory_baseline::ProfileProcess grows = inherits;
  grows.pid = 13;
  grows.command = {"grows"};
  grows.peak_live_bytes = 5u << 20;  // 2 MiB of its own
  run.processes = {program, slow, inherits, grows};
  const memory_baseline::ProfileDocument document =
      memory_baseline::profile_document(figures, run, alloc_hooks::SiteReport(sites));
  std::vector<std::string> messages;
  for (const auto& violation : document.violations)
    messages.push_back(violation.budget + ": " + violation.message);
  ASSERT_EQ(messages.size(), 3u) << ::testing::PrintToString(messages);
  EXPECT_EQ(messages[0].rfind("process_limit_mb: process 13 (grows): peak live bytes 2.00 MiB", 0),
            0u)
      << messages[0];
  EXPECT_EQ(messages[1].rfind("tree_limit_mb: ", 0), 0u) << messages[1];
  EXPECT_EQ(messages[2],
            "alloc_budget_us: process 11 (slow): 2 allocation(s) took longer than 5 us; the "
            "slowest 7.5 us");
}

// A report cut short (or only begun: a process killed before it could write its figures) still
// names its process.
TEST(ProfileReport, AReportCutShortHasNoFigures) {
  alloc_hooks::RawSites sites;
  memory_baseline::ReportedProcess reported;
  EXPECT_FALSE(memory_baseline::parse_preload_report(first_line(format::kVersion) + kBody, sites,
                                                     &reported));
  EXPECT_EQ(reported.process.pid, 42);
  EXPECT_EQ(reported.process.ended_by, "no figures");
  EXPECT_EQ(reported.process.allocations, 0u);
}

TEST(ProfileReport, AReportOfAnotherVersionIsRefusedNamingBoth) {
  alloc_hooks::RawSites sites;
  try {
    memory_baseline::parse_preload_report(first_line(format::kVersion + 1) + kBody + "end\n",
                                          sites);
    FAIL() << "a report of another version was read";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what())
                  .find("version " + std::to_string(format::kVersion + 1) + "; this runner reads " +
                        std::to_string(format::kVersion)),
              std::string::npos)
        << error.what();
  }
}

// A whole document: the figures of kBody and the run around them.
memory_baseline::ProfileDocument whole_document() {
  alloc_hooks::RawSites sites;
  memory_baseline::ProfileDocument document =
      memory_baseline::parse_preload_report(first_line(format::kVersion) + kBody + "end\n", sites)
          .value();
  document.program = "prog";
  document.arguments = {"one", "two words"};
  document.exit.status = 0;
  document.exit.figures_until.reset();  // absent, as in profiles written before it was recorded
  document.wall_time_ms = 12.5;
  document.slowest_allocations.at(0).site = "main (prog.c:7)";
  document.budgets.process_limit_mb = 64;
  document.memory = {10, {{1.5, 4096, 100}, {11.5, 8192, 200}}, 8192};
  document.snapshots = {{1, 5.5, "growth", 96, 96, "main (prog.c:7) (96 B)", {{"main", 96}}}};
  document.snapshot_signal = "SIGUSR2";
  document.sites = scenarios::SitesFigures{1, 3, "libunwind", {}, {{"main", 96}}, {}};
  memory_baseline::ProfileProcess child;
  child.pid = 43;
  child.parent_pid = 42;
  child.parent_image = 0;
  child.command = {"child", "x"};
  child.ended_by = "exit";
  child.allocations = 3;
  child.top_site = "f (a.c:1) (96 B)";
  memory_baseline::ProfileProcess program = child;
  program.pid = 42;
  program.parent_pid.reset();
  program.parent_image.reset();
  program.top_site.reset();
  document.processes = {program, child};
  document.tree = memory_baseline::tree_of(document.processes);
  document.violations = {{"process_limit_mb", 64, 65.5, "MiB", "peak RSS 65.50 MiB exceeds"}};
  return document;
}

TEST(ProfileDocument, ReadsBackWhatItWrote) {
  const nlohmann::json written = memory_baseline::write(whole_document());
  EXPECT_EQ(memory_baseline::write(memory_baseline::read_profile(written)), written);
  // Empty optionals as the schema has them: null budgets and exit fields, no stack ids.
  EXPECT_EQ(written.at("exit"), nlohmann::json({{"status", 0}, {"signal", nullptr}}));
  EXPECT_EQ(written.at("budgets"),
            nlohmann::json({{"process_limit_mb", 64}, {"alloc_budget_us", nullptr}}));
  EXPECT_EQ(
      written.at("slowest_allocations").at(0),
      nlohmann::json(
          {{"latency_ns", 50}, {"size", 4096}, {"thread_id", 3}, {"site", "main (prog.c:7)"}}));
}

std::string read_error(const nlohmann::json& document) {
  try {
    memory_baseline::read_profile(document);
  } catch (const scenarios::json_record::RecordError& error) {
    return error.what();
  }
  return "read";
}

TEST(ProfileDocument, AnotherVersionOrAFieldMissingOrMistypedIsNamed) {
  const nlohmann::json written = memory_baseline::write(whole_document());
  nlohmann::json broken = written;
  const int version = memory_baseline::kProfileSchemaVersion;
  broken["schema_version"] = version + 1;
  EXPECT_EQ(read_error(broken), "the profile has schema_version " + std::to_string(version + 1) +
                                    "; this runner reads " + std::to_string(version));
  broken.erase("schema_version");
  EXPECT_EQ(read_error(broken),
            "the profile has schema_version none; this runner reads " + std::to_string(version));
  broken = written;
  broken["processes"][1].erase("ended_by");
  EXPECT_EQ(read_error(broken), "/processes/1/ended_by is missing");
  broken = written;
  broken["snapshots"][0]["trigger"] = 3;
  EXPECT_EQ(read_error(broken), "/snapshots/0/trigger must be a string");
  broken = written;
  broken["by_source"]["malloc"].erase("frees");
  EXPECT_EQ(read_error(broken), "/by_source/malloc/frees is missing");
  broken = written;
  broken["memory"]["snapshots"][1]["rss_bytes"] = -1;
  EXPECT_EQ(read_error(broken),
            "/memory/snapshots/1/rss_bytes must be a whole number of at least 0");
  broken = written;
  broken["kind"] = "memory_baseline_results";
  EXPECT_EQ(read_error(broken), "/kind must be \"profile\"");
}

}  // namespace
