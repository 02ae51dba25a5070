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

std::string band_words(const SweepFit& fit) {
  if (!fit.band) return fmt::format("no band: {}", fit.band_note.value_or("no residuals"));
  if (!fit.band->high)
    return fmt::format(
        "95 % band from {} up (no upper end: the slope is not distinguishable "
        "from zero)",
        grouped(fit.band->low));
  return fmt::format("95 % band {} to {}", grouped(fit.band->low), grouped(*fit.band->high));
}

// "extrapolated 7.2x beyond the largest N measured (191,000)" and the like.
std::string mark_words(const SweepFit& fit) {
  const std::string mark = fit.mark.value_or(answer_mark::kExtrapolated);
  const std::string largest = grouped(fit.largest_measured_n.value_or(0));
  if (mark == answer_mark::kVerified) return "verified: run at full scale, it held";
  if (mark == answer_mark::kMeasured)
    return fmt::format("measured: within the N run (up to {})", largest);
  return fmt::format("extrapolated {:.1f}x beyond the largest N measured, {}",
                     fit.extrapolation_factor.value_or(0), largest);
}

std::string recall_words(const RecallAnswer& answer) {
  const std::string who = "index-" + answer.engine;
  const std::string measure = measure_words(answer.measure);
  const double min = answer.min_recall;
  // A point's N and recall, with its search parameters when they differ between the two points
  // named (IVF-PQ's nlist and nprobe follow N); else they are said once, at the end.
  const auto at = [](const RecallPoint& point, bool parameters) {
    return fmt::format("{} ({:.3f}{}{})", grouped(point.n), point.recall, parameters ? " at " : "",
                       parameters ? parameters_words(point.search_parameters) : "");
  };
  const auto defaults = [](const RecallPoint& point) {
    return ", at the default search parameters " + parameters_words(point.search_parameters);
  };
  if (answer.how == recall_how::kInterpolated) {
    const RecallPoint& held = answer.held.value();
    const RecallPoint& fell = answer.fell.value();
    const bool same = held.search_parameters == fell.search_parameters;
    return fmt::format("{}: {} >= {} up to N ~ {}, interpolated in log N between {} and {}{}", who,
                       measure, min, grouped(answer.largest_n.value()), at(held, !same),
                       at(fell, !same),
                       same ? defaults(held) : std::string(", the default search parameters"));
  }
  if (answer.how == recall_how::kAllHeld) {
    return fmt::format("{}: {} >= {} at every N measured, so up to at least {}{}", who, measure,
                       min, at(answer.held.value(), false), defaults(answer.held.value()));
  }
  if (answer.how == recall_how::kNoneHeld) {
    return fmt::format("{}: {} below {} at every N measured, already at {}{}", who, measure, min,
                       at(answer.fell.value(), false), defaults(answer.fell.value()));
  }
  return fmt::format("{}: no recall measured", who);
}

// The fit with its mark: as written, or for a document written before answers were marked, marked
// here from its points.
SweepFit marked(const SweepFit& fit, const SweepDocument& sweep) {
  if (fit.mark || !fit.largest_n) return fit;
  SweepFit copy = fit;
  if (!copy.largest_measured_n) {
    std::uint64_t largest = 0;
    for (const SweepPoint& point : sweep.points) {
      if (point.engine == fit.engine && point.allocator == fit.allocator)
        largest = std::max(largest, point.n);
    }
    copy.largest_measured_n = largest;
  }
  mark_answer(copy);
  return copy;
}

std::string recall_cell(const SweepDocument& sweep, const std::string& engine) {
  for (const RecallAnswer& answer : sweep.recall) {
    if (answer.engine != engine) continue;
    // fmt rather than +: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
    if (answer.how == recall_how::kInterpolated)
      return fmt::format("~{}", grouped(answer.largest_n.value()));
    if (answer.how == recall_how::kAllHeld)
      return fmt::format(">= {}", grouped(answer.largest_n.value()));
    if (answer.how == recall_how::kNoneHeld)
      return fmt::format("< {}", grouped(answer.fell.value().n));
  }
  return "-";
}

}  // namespace

std::vector<std::string> sweep_answer_lines(const SweepDocument& sweep) {
  std::vector<std::string> lines;
  std::vector<std::string> engines;
  for (const SweepFit& fit : sweep.fits) {
    if (std::find(engines.begin(), engines.end(), fit.engine) == engines.end())
      engines.push_back(fit.engine);
  }
  for (const std::string& engine : engines) {
    for (const SweepFit& written : sweep.fits) {
      if (written.engine != engine) continue;
      const SweepFit fit = marked(written, sweep);
      const std::string who = fmt::format("index-{} under {}", engine, fit.allocator);
      if (!fit.largest_n) {
        lines.push_back(fmt::format("{}: no answer ({})", who, fit.bound_by));
        continue;
      }
      const std::string moved =
          fit.refits ? fmt::format("; moved after {} run{} at full scale that did not hold",
                                   *fit.refits, *fit.refits == 1 ? "" : "s")
                     : std::string();
      const std::string details =
          fmt::format("{}; {}; bound by {}; {:.0f} bytes of RSS per vector{}", mark_words(fit),
                      band_words(fit), fit.bound_by, fit.rss.bytes_per_vector, moved);
      if (fit.credible.value_or(true)) {
        lines.push_back(fmt::format("{}: at most {} vectors of {} dimensions within {} MiB ({})",
                                    who, grouped(*fit.largest_n), sweep.dim, sweep.limit_mb,
                                    details));
        continue;
      }
      // Too far beyond the points: what they support first, the fit's answer marked.
      lines.push_back(fmt::format(
          "{}: at least {} vectors of {} dimensions within {} MiB, all the points support; the "
          "fit's {} is NOT CREDIBLE, more than {:.0f}x beyond the largest N measured ({})",
          who, grouped(fit.credible_at_least.value_or(0)), sweep.dim, sweep.limit_mb,
          grouped(*fit.largest_n), sweep.max_extrapolation.value_or(kMaxExtrapolation), details));
    }
    for (const RecallAnswer& answer : sweep.recall) {
      if (answer.engine == engine) lines.push_back(recall_words(answer));
    }
  }
  if (sweep.verifications) {
    for (const SweepVerification& check : *sweep.verifications) {
      lines.push_back(fmt::format("verified index-{} N={} under {}: {} ({})", check.engine, check.n,
                                  check.allocator, check.held ? "held" : "did not hold",
                                  check.as_predicted ? "as predicted" : "NOT as predicted"));
    }
  }
  return lines;
}

std::vector<std::vector<std::string>> sweep_answer_table(const SweepDocument& sweep) {
  std::vector<std::vector<std::string>> rows = {
      {"engine", "allocator", fmt::format("largest N within {} MiB", sweep.limit_mb),
       "the answer is", "95 % band", "bound by", "RSS bytes per vector",
       fmt::format("recall >= {} up to N", sweep.min_recall.value_or(0.9))}};
  for (const SweepFit& written : sweep.fits) {
    const SweepFit fit = marked(written, sweep);
    std::vector<std::string> row = {"index-" + fit.engine, fit.allocator};
    if (!fit.largest_n) {
      row.insert(row.end(), {"-", "no answer", "-", fit.bound_by, "-"});
    } else {
      std::string mark = fit.mark.value_or(answer_mark::kExtrapolated);
      if (mark == answer_mark::kExtrapolated)
        mark += fmt::format(" {:.1f}x", fit.extrapolation_factor.value_or(0));
      if (!fit.credible.value_or(true)) mark += ", NOT CREDIBLE";
      std::string band = "-";
      if (fit.band) {
        band = grouped(fit.band->low) + " to " +
               (fit.band->high ? grouped(*fit.band->high) : std::string("unbounded"));
      }
      const std::string answer =
          fit.credible.value_or(true)
              ? grouped(*fit.largest_n)
              : fmt::format(">= {} (fit: {})", grouped(fit.credible_at_least.value_or(0)),
                            grouped(*fit.largest_n));
      row.insert(row.end(), {answer, mark, band, fit.bound_by,
                             fmt::format("{:.0f}", fit.rss.bytes_per_vector)});
    }
    row.push_back(recall_cell(sweep, fit.engine));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace memory_baseline
