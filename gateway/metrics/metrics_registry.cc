#include "gateway/metrics/metrics_registry.h"

#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/metrics/exposition.h"

namespace nexus::gateway::metrics {
namespace {

// A family with one unlabelled value read at render time.
class CallbackFamily : public Family {
 public:
  CallbackFamily(std::string name, std::string help, std::string_view type,
                 std::function<double()> read)
      : Family(std::move(name), std::move(help), type), read_(std::move(read)) {}

  void RenderSamples(std::string* out) const override {
    out->append(name());
    out->push_back(' ');
    AppendValue(read_(), out);
    out->push_back('\n');
  }

 private:
  std::function<double()> read_;
};

void AppendSampleStart(const std::string& name, std::string_view suffix, const std::string& labels,
                       std::string* out) {
  out->append(name);
  out->append(suffix);
  if (!labels.empty()) {
    out->push_back('{');
    out->append(labels);
    out->push_back('}');
  }
  out->push_back(' ');
}

absl::Status CheckBounds(const std::vector<double>& bounds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      return absl::InvalidArgumentError("histogram bounds must be finite (+Inf is implied)");
    }
    if (i > 0 && !(bounds[i - 1] < bounds[i])) {
      return absl::InvalidArgumentError("histogram bounds must be strictly increasing");
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string LabelText(const std::vector<std::string>& names,
                      const std::vector<std::string>& values) {
  std::string text;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (i > 0) text.push_back(',');
    text.append(names[i]);
    text.append("=\"");
    AppendEscapedLabelValue(values[i], &text);
    text.push_back('"');
  }
  return text;
}

void RenderChild(const std::string& name, const std::string& labels, const Counter& child,
                 std::string* out) {
  AppendSampleStart(name, "", labels, out);
  out->append(absl::StrCat(child.Value()));
  out->push_back('\n');
}

void RenderChild(const std::string& name, const std::string& labels, const Gauge& child,
                 std::string* out) {
  AppendSampleStart(name, "", labels, out);
  AppendValue(child.Value(), out);
  out->push_back('\n');
}

void RenderChild(const std::string& name, const std::string& labels, const Histogram& child,
                 std::string* out) {
  Histogram::Snapshot snapshot = child.Read();
  const std::vector<double>& bounds = child.bounds();
  std::string prefix = labels.empty() ? std::string() : labels + ",";
  for (size_t i = 0; i <= bounds.size(); ++i) {
    std::string le = prefix + "le=\"";
    if (i < bounds.size()) {
      AppendValue(bounds[i], &le);
    } else {
      le.append("+Inf");
    }
    le.push_back('"');
    AppendSampleStart(name, "_bucket", le, out);
    out->append(absl::StrCat(snapshot.cumulative[i]));
    out->push_back('\n');
  }
  AppendSampleStart(name, "_sum", labels, out);
  AppendValue(snapshot.sum, out);
  out->push_back('\n');
  AppendSampleStart(name, "_count", labels, out);
  out->append(absl::StrCat(snapshot.count));
  out->push_back('\n');
}

absl::Status MetricsRegistry::CheckNew(const std::string& name,
                                       const std::vector<std::string>& label_names) const {
  if (!IsValidMetricName(name)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid metric name \"", name, "\""));
  }
  std::set<std::string> seen;
  for (const std::string& label : label_names) {
    if (!IsValidLabelName(label)) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric ", name, ": invalid label name \"", label, "\""));
    }
    if (!seen.insert(label).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric ", name, ": duplicate label name \"", label, "\""));
    }
  }
  return absl::OkStatus();
}

template <typename F>
absl::StatusOr<F*> MetricsRegistry::Add(std::string name, std::unique_ptr<F> family) {
  std::lock_guard lock(mutex_);
  F* raw = family.get();
  if (!families_.emplace(name, std::move(family)).second) {
    return absl::AlreadyExistsError(absl::StrCat("metric ", name, " is already registered"));
  }
  return raw;
}

absl::StatusOr<CounterFamily*> MetricsRegistry::AddCounter(std::string name, std::string help,
                                                           std::vector<std::string> label_names,
                                                           FamilyOptions options) {
  if (absl::Status status = CheckNew(name, label_names); !status.ok()) return status;
  auto family =
      std::make_unique<CounterFamily>(name, std::move(help), "counter", std::move(label_names),
                                      options, [] { return std::make_unique<Counter>(); });
  return Add(std::move(name), std::move(family));
}

absl::StatusOr<GaugeFamily*> MetricsRegistry::AddGauge(std::string name, std::string help,
                                                       std::vector<std::string> label_names,
                                                       FamilyOptions options) {
  if (absl::Status status = CheckNew(name, label_names); !status.ok()) return status;
  auto family =
      std::make_unique<GaugeFamily>(name, std::move(help), "gauge", std::move(label_names), options,
                                    [] { return std::make_unique<Gauge>(); });
  return Add(std::move(name), std::move(family));
}

absl::StatusOr<HistogramFamily*> MetricsRegistry::AddHistogram(std::string name, std::string help,
                                                               std::vector<std::string> label_names,
                                                               std::vector<double> bounds,
                                                               FamilyOptions options) {
  if (absl::Status status = CheckNew(name, label_names); !status.ok()) return status;
  if (absl::Status status = CheckBounds(bounds); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("metric ", name, ": ", status.message()));
  }
  // The bounds live as long as the family's factory, which every child points into.
  auto shared_bounds = std::make_shared<const std::vector<double>>(std::move(bounds));
  auto family = std::make_unique<HistogramFamily>(
      name, std::move(help), "histogram", std::move(label_names), options,
      [shared_bounds] { return std::make_unique<Histogram>(shared_bounds.get()); });
  return Add(std::move(name), std::move(family));
}

absl::Status MetricsRegistry::AddCallbackGauge(std::string name, std::string help,
                                               std::function<double()> read) {
  if (absl::Status status = CheckNew(name, {}); !status.ok()) return status;
  auto family = std::make_unique<CallbackFamily>(name, std::move(help), "gauge", std::move(read));
  return Add(std::move(name), std::move(family)).status();
}

absl::Status MetricsRegistry::AddCallbackCounter(std::string name, std::string help,
                                                 std::function<double()> read) {
  if (absl::Status status = CheckNew(name, {}); !status.ok()) return status;
  auto family = std::make_unique<CallbackFamily>(name, std::move(help), "counter", std::move(read));
  return Add(std::move(name), std::move(family)).status();
}

std::string MetricsRegistry::Render() const {
  std::vector<const Family*> families;
  {
    std::lock_guard lock(mutex_);
    families.reserve(families_.size());
    for (const auto& [name, family] : families_) families.push_back(family.get());
  }
  std::string out;
  for (const Family* family : families) {
    out.append("# HELP ");
    out.append(family->name());
    out.push_back(' ');
    AppendEscapedHelp(family->help(), &out);
    out.append("\n# TYPE ");
    out.append(family->name());
    out.push_back(' ');
    out.append(family->type());
    out.push_back('\n');
    family->RenderSamples(&out);
  }
  return out;
}

}  // namespace nexus::gateway::metrics
