#ifndef NEXUS_GATEWAY_METRICS_FAMILY_H_
#define NEXUS_GATEWAY_METRICS_FAMILY_H_

#include <algorithm>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateway/metrics/metric.h"

namespace nexus::gateway::metrics {

// Label values of the child that absorbs every combination beyond a family's cap (and calls with
// the wrong number of values).
inline constexpr std::string_view kOverflowLabelValue = "other";

struct FamilyOptions {
  // Label combinations beyond this many share the "other" child, so that hostile model names
  // cannot grow memory without bound.
  size_t max_children = 10'000;
  // Longer label values are cut to this many bytes, which bounds memory together with
  // max_children.
  size_t max_label_value_bytes = 200;
};

// One metric name with its HELP, TYPE and children; rendered by MetricsRegistry.
class Family {
 public:
  Family(std::string name, std::string help, std::string_view type)
      : name_(std::move(name)), help_(std::move(help)), type_(type) {}
  virtual ~Family() = default;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  std::string_view type() const { return type_; }

  // Appends the sample lines (not HELP/TYPE) in the text exposition format.
  virtual void RenderSamples(std::string* out) const = 0;

 private:
  std::string name_;
  std::string help_;
  std::string_view type_;
};

// Children keyed by label values. Label NAMES are fixed at creation; callers pass only values.
// Label values must never carry secrets: the pipeline passes model and provider names and status
// codes only.
template <typename Child>
class MetricFamily : public Family {
 public:
  using ChildFactory = std::function<std::unique_ptr<Child>()>;

  MetricFamily(std::string name, std::string help, std::string_view type,
               std::vector<std::string> label_names, FamilyOptions options, ChildFactory factory)
      : Family(std::move(name), std::move(help), type),
        label_names_(std::move(label_names)),
        options_(options),
        factory_(std::move(factory)) {}

  // The child for these label values (in label-name order). The reference stays valid as long as
  // the family: cache it and the hot path is one atomic operation. Thread-safe.
  Child& WithLabels(std::initializer_list<std::string_view> values) {
    return Lookup(std::span<const std::string_view>(values.begin(), values.size()));
  }
  Child& WithLabels(std::span<const std::string_view> values) { return Lookup(values); }

  const std::vector<std::string>& label_names() const { return label_names_; }
  size_t child_count() const {
    std::lock_guard lock(mutex_);
    return children_.size();
  }

  void RenderSamples(std::string* out) const override;

 private:
  struct Entry {
    // 'a="x",b="y"' with values escaped; empty without labels.
    std::string label_text;
    std::unique_ptr<Child> child;
  };

  // Lookups compare the caller's string_views with the stored strings: no allocation unless the
  // combination is new.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::span<const std::string_view> values) const { return Hash(values); }
    size_t operator()(const std::vector<std::string>& values) const {
      std::vector<std::string_view> views(values.begin(), values.end());
      return Hash(views);
    }
    static size_t Hash(std::span<const std::string_view> values) {
      size_t hash = values.size();
      for (std::string_view value : values) {
        hash = hash * 1'000'003 ^ std::hash<std::string_view>()(value);
      }
      return hash;
    }
  };
  struct KeyEqual {
    using is_transparent = void;
    static bool Same(const std::vector<std::string>& a, std::span<const std::string_view> b) {
      return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }
    bool operator()(const std::vector<std::string>& a, std::span<const std::string_view> b) const {
      return Same(a, b);
    }
    bool operator()(std::span<const std::string_view> b, const std::vector<std::string>& a) const {
      return Same(a, b);
    }
    bool operator()(const std::vector<std::string>& a, const std::vector<std::string>& b) const {
      return a == b;
    }
  };

  Child& Lookup(std::span<const std::string_view> values);
  Child& FindOrInsertLocked(std::span<const std::string_view> values);

  const std::vector<std::string> label_names_;
  const FamilyOptions options_;
  const ChildFactory factory_;
  mutable std::mutex mutex_;
  const std::vector<std::string_view> overflow_values_ =
      std::vector<std::string_view>(label_names_.size(), kOverflowLabelValue);
  std::unordered_map<std::vector<std::string>, Entry, KeyHash, KeyEqual> children_;
};

using CounterFamily = MetricFamily<Counter>;
using GaugeFamily = MetricFamily<Gauge>;
using HistogramFamily = MetricFamily<Histogram>;

// Renders one child's sample lines; `labels` is the child's 'a="x",b="y"' text.
void RenderChild(const std::string& name, const std::string& labels, const Counter& child,
                 std::string* out);
void RenderChild(const std::string& name, const std::string& labels, const Gauge& child,
                 std::string* out);
void RenderChild(const std::string& name, const std::string& labels, const Histogram& child,
                 std::string* out);
// 'a="x",b="y"' for these names and (escaped) values.
std::string LabelText(const std::vector<std::string>& names,
                      const std::vector<std::string>& values);

template <typename Child>
Child& MetricFamily<Child>::Lookup(std::span<const std::string_view> values) {
  std::vector<std::string_view> cut;  // allocated only when a value is too long
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].size() <= options_.max_label_value_bytes) continue;
    if (cut.empty()) cut.assign(values.begin(), values.end());
    cut[i] = cut[i].substr(0, options_.max_label_value_bytes);
  }
  if (!cut.empty()) values = cut;
  std::lock_guard lock(mutex_);
  if (values.size() != label_names_.size()) return FindOrInsertLocked(overflow_values_);
  auto it = children_.find(values);
  if (it != children_.end()) return *it->second.child;
  if (children_.size() >= options_.max_children) return FindOrInsertLocked(overflow_values_);
  return FindOrInsertLocked(values);
}

template <typename Child>
Child& MetricFamily<Child>::FindOrInsertLocked(std::span<const std::string_view> values) {
  auto it = children_.find(values);
  if (it != children_.end()) return *it->second.child;
  std::vector<std::string> key(values.begin(), values.end());
  Entry entry;
  entry.label_text = LabelText(label_names_, key);
  entry.child = factory_();
  return *children_.emplace(std::move(key), std::move(entry)).first->second.child;
}

template <typename Child>
void MetricFamily<Child>::RenderSamples(std::string* out) const {
  std::vector<std::pair<const std::vector<std::string>*, const Entry*>> entries;
  {
    std::lock_guard lock(mutex_);
    entries.reserve(children_.size());
    for (const auto& [values, entry] : children_) entries.emplace_back(&values, &entry);
  }
  // Nodes are never removed (and node addresses survive rehashing), so reading them outside the
  // lock is safe. Rendered in label-value order.
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  for (const auto& [values, entry] : entries) {
    RenderChild(name(), entry->label_text, *entry->child, out);
  }
}

}  // namespace nexus::gateway::metrics

#endif  // NEXUS_GATEWAY_METRICS_FAMILY_H_
