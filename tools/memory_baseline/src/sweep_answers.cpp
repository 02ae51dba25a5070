// The size sweep's answers in words and as a table (sweep.hpp): per engine and allocator the
// largest N with its mark and band, per engine the recall answer, and the verification runs.
#include <fmt/format.h>

#include <algorithm>

#include "memory_baseline/sweep.hpp"
#include "sweep_internal.hpp"

namespace memory_baseline {

namespace {

// 1234567 -> "1,234,567".
std::string grouped(std::uint64_t value) {
  std::string digits = std::to_string(value), text;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text += ',';
    text += digits[i];
  }
  return text;
}

std::string parameters_words(const nlohmann::json& parameters) {
  std::string words;
  for (const auto& [name, value] : parameters.items())
    words += fmt::format("{}{} {}", words.empty() ? "" : ", ", name, value.dump());
  return words;
}

std::string measure_words(const std::string& measure) {
  return measure == "nearest_in_top_10" ? "1-recall@10 (the true nearest in the top 10)"
                                        : "k-recall@10";
}

std::string band_words(const nlohmann::json& fit) {
  if (!fit.contains("band") || fit["band"].is_null())
    return fmt::format("no band: {}", fit.value("band_note", std::string("no residuals")));
  const nlohmann::json& band = fit["band"];
  if (band.at("high").is_null())
    return fmt::format(
        "95 % band from {} up (no upper end: the slope is not distinguishable "
        "from zero)",
        grouped(band.at("low").get<std::uint64_t>()));
  return fmt::format("95 % band {} to {}", grouped(band.at("low").get<std::uint64_t>()),
                     grouped(band.at("high").get<std::uint64_t>()));
}

// "extrapolated 7.2x beyond the largest N measured (191,000)" and the like.
std::string mark_words(const nlohmann::json& fit) {
  const std::string mark = fit.value("mark", std::string("extrapolated"));
  const std::string largest = grouped(fit.value("largest_measured_n", std::uint64_t{0}));
  if (mark == "verified") return "verified: run at full scale, it held";
  if (mark == "measured") return fmt::format("measured: within the N run (up to {})", largest);
  return fmt::format("extrapolated {:.1f}x beyond the largest N measured, {}",
                     fit.at("extrapolation_factor").get<double>(), largest);
}

std::string recall_words(const nlohmann::json& answer) {
  const std::string who = "index-" + answer.at("engine").get<std::string>();
  const std::string measure = measure_words(answer.value("measure", std::string()));
  const double min = answer.at("min_recall").get<double>();
  const std::string how = answer.at("how");
  // A point's N and recall, with its search parameters when they differ between the two points
  // named (IVF-PQ's nlist and nprobe follow N); else they are said once, at the end.
  const auto at = [](const nlohmann::json& point, bool parameters) {
    return fmt::format("{} ({:.3f}{}{})", grouped(point.at("n").get<std::uint64_t>()),
                       point.at("recall").get<double>(), parameters ? " at " : "",
                       parameters ? parameters_words(point.at("search_parameters")) : "");
  };
  const auto defaults = [](const nlohmann::json& point) {
    return ", at the default search parameters " + parameters_words(point.at("search_parameters"));
  };
  if (how == "interpolated") {
    const nlohmann::json& held = answer.at("held");
    const nlohmann::json& fell = answer.at("fell");
    const bool same = held.at("search_parameters") == fell.at("search_parameters");
    return fmt::format("{}: {} >= {} up to N ~ {}, interpolated in log N between {} and {}{}", who,
                       measure, min, grouped(answer.at("largest_n").get<std::uint64_t>()),
                       at(held, !same), at(fell, !same),
                       same ? defaults(held) : std::string(", the default search parameters"));
  }
  if (how == "all held") {
    return fmt::format("{}: {} >= {} at every N measured, so up to at least {}{}", who, measure,
                       min, at(answer.at("held"), false), defaults(answer.at("held")));
  }
  if (how == "none held") {
    return fmt::format("{}: {} below {} at every N measured, already at {}{}", who, measure, min,
                       at(answer.at("fell"), false), defaults(answer.at("fell")));
  }
  return fmt::format("{}: no recall measured", who);
}

// The fit with its mark: as written, or for a document written before answers were marked, marked
// here from its points.
nlohmann::json marked(const nlohmann::json& fit, const nlohmann::json& sweep) {
  if (fit.contains("mark") || !fit.at("largest_n").is_number()) return fit;
  nlohmann::json copy = fit;
  if (!copy.contains("largest_measured_n")) {
    std::uint64_t largest = 0;
    for (const nlohmann::json& point : sweep.at("points")) {
      if (point.at("engine") == fit.at("engine") && point.at("allocator") == fit.at("allocator"))
        largest = std::max(largest, point.at("n").get<std::uint64_t>());
    }
    copy["largest_measured_n"] = largest;
  }
  mark_answer(copy);
  return copy;
}

std::string recall_cell(const nlohmann::json& sweep, const std::string& engine) {
  for (const nlohmann::json& answer : sweep.value("recall", nlohmann::json::array())) {
    if (answer.at("engine") != engine) continue;
    const std::string how = answer.at("how");
    // fmt rather than +: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
    if (how == "interpolated")
      return fmt::format("~{}", grouped(answer.at("largest_n").get<std::uint64_t>()));
    if (how == "all held")
      return fmt::format(">= {}", grouped(answer.at("largest_n").get<std::uint64_t>()));
    if (how == "none held")
      return fmt::format("< {}", grouped(answer.at("fell").at("n").get<std::uint64_t>()));
  }
  return "-";
}

}  // namespace

std::vector<std::string> sweep_answer_lines(const nlohmann::json& sweep) {
  std::vector<std::string> lines;
  const nlohmann::json recall = sweep.value("recall", nlohmann::json::array());
  std::vector<std::string> engines;
  for (const nlohmann::json& fit : sweep.at("fits")) {
    if (std::find(engines.begin(), engines.end(), fit.at("engine")) == engines.end())
      engines.push_back(fit.at("engine"));
  }
  for (const std::string& engine : engines) {
    for (const nlohmann::json& written : sweep.at("fits")) {
      if (written.at("engine") != engine) continue;
      const nlohmann::json fit = marked(written, sweep);
      const std::string who =
          fmt::format("index-{} under {}", engine, fit.at("allocator").get<std::string>());
      if (!fit.at("largest_n").is_number()) {
        lines.push_back(
            fmt::format("{}: no answer ({})", who, fit.at("bound_by").get<std::string>()));
        continue;
      }
      const std::string moved =
          fit.contains("refits")
              ? fmt::format("; moved after {} run{} at full scale that did not hold",
                            fit.at("refits").get<int>(),
                            fit.at("refits").get<int>() == 1 ? "" : "s")
              : std::string();
      const std::string details =
          fmt::format("{}; {}; bound by {}; {:.0f} bytes of RSS per vector{}", mark_words(fit),
                      band_words(fit), fit.at("bound_by").get<std::string>(),
                      fit.at("rss").at("bytes_per_vector").get<double>(), moved);
      const auto dim = sweep.at("dim").get<std::uint64_t>();
      const auto limit = sweep.at("limit_mb").get<std::uint64_t>();
      if (fit.value("credible", true)) {
        lines.push_back(fmt::format("{}: at most {} vectors of {} dimensions within {} MiB ({})",
                                    who, grouped(fit.at("largest_n").get<std::uint64_t>()), dim,
                                    limit, details));
        continue;
      }
      // Too far beyond the points: what they support first, the fit's answer marked.
      lines.push_back(fmt::format(
          "{}: at least {} vectors of {} dimensions within {} MiB, all the points support; the "
          "fit's {} is NOT CREDIBLE, more than {:.0f}x beyond the largest N measured ({})",
          who, grouped(fit.value("credible_at_least", std::uint64_t{0})), dim, limit,
          grouped(fit.at("largest_n").get<std::uint64_t>()),
          sweep.value("max_extrapolation", kMaxExtrapolation), details));
    }
    for (const nlohmann::json& answer : recall) {
      if (answer.at("engine") == engine) lines.push_back(recall_words(answer));
    }
  }
  if (sweep.contains("verifications")) {
    for (const nlohmann::json& check : sweep["verifications"]) {
      lines.push_back(fmt::format(
          "verified index-{} N={} under {}: {} ({})", check.at("engine").get<std::string>(),
          check.at("n").get<std::uint64_t>(), check.at("allocator").get<std::string>(),
          check.at("held").get<bool>() ? "held" : "did not hold",
          check.at("as_predicted").get<bool>() ? "as predicted" : "NOT as predicted"));
    }
  }
  return lines;
}

std::vector<std::vector<std::string>> sweep_answer_table(const nlohmann::json& sweep) {
  std::vector<std::vector<std::string>> rows = {
      {"engine", "allocator",
       fmt::format("largest N within {} MiB", sweep.at("limit_mb").get<std::uint64_t>()),
       "the answer is", "95 % band", "bound by", "RSS bytes per vector",
       fmt::format("recall >= {} up to N", sweep.value("min_recall", 0.9))}};
  for (const nlohmann::json& written : sweep.at("fits")) {
    const nlohmann::json fit = marked(written, sweep);
    const std::string engine = fit.at("engine");
    std::vector<std::string> row = {"index-" + engine, fit.at("allocator")};
    if (!fit.at("largest_n").is_number()) {
      row.insert(row.end(), {"-", "no answer", "-", fit.at("bound_by"), "-"});
    } else {
      std::string mark = fit.value("mark", std::string("extrapolated"));
      if (mark == "extrapolated")
        mark += fmt::format(" {:.1f}x", fit.at("extrapolation_factor").get<double>());
      if (!fit.value("credible", true)) mark += ", NOT CREDIBLE";
      std::string band = "-";
      if (fit.contains("band") && !fit["band"].is_null()) {
        const nlohmann::json& range = fit["band"];
        band = grouped(range.at("low").get<std::uint64_t>()) + " to " +
               (range.at("high").is_null() ? std::string("unbounded")
                                           : grouped(range.at("high").get<std::uint64_t>()));
      }
      const std::string answer =
          fit.value("credible", true)
              ? grouped(fit.at("largest_n").get<std::uint64_t>())
              : fmt::format(">= {} (fit: {})",
                            grouped(fit.value("credible_at_least", std::uint64_t{0})),
                            grouped(fit.at("largest_n").get<std::uint64_t>()));
      row.insert(row.end(),
                 {answer, mark, band, fit.at("bound_by"),
                  fmt::format("{:.0f}", fit.at("rss").at("bytes_per_vector").get<double>())});
    }
    row.push_back(recall_cell(sweep, engine));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace memory_baseline
