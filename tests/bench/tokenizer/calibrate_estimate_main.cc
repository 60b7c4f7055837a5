// Fits the token estimator's weights (gateway/tokenizer/estimator.cc) and measures its error.
// Samples are the non-empty lines of the given corpus files; the target is the mean of the exact
// cl100k_base and o200k_base counts. Even lines fit the weights (ridge least squares pulled
// towards a prior of one token per feature, so features absent from the corpus keep the prior);
// odd lines measure the error of both the fitted and the currently compiled weights.
// Usage: tokenizer_calibrate <corpus file>...
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gateway/tokenizer/estimator.h"
#include "gateway/tokenizer/token_counter.h"

namespace {

using nexus::tokenizer::EncodingId;
using nexus::tokenizer::TextFeatures;
constexpr size_t kN = TextFeatures::kCount;
using Weights = std::array<double, kN>;

struct Sample {
  TextFeatures features;
  double cl100k;
  double o200k;
};

Weights Fit(const std::vector<Sample>& samples) {
  Weights prior;
  prior.fill(1.0);
  prior[TextFeatures::kLetters] = 0.0;
  const double lambda = 1.0;
  double a[kN][kN + 1] = {};
  for (size_t i = 0; i < kN; ++i) {
    a[i][i] = lambda;
    a[i][kN] = lambda * prior[i];
  }
  for (const Sample& s : samples) {
    const double y = (s.cl100k + s.o200k) / 2;
    for (size_t i = 0; i < kN; ++i) {
      for (size_t j = 0; j < kN; ++j) a[i][j] += s.features.counts[i] * s.features.counts[j];
      a[i][kN] += s.features.counts[i] * y;
    }
  }
  for (size_t c = 0; c < kN; ++c) {  // Gauss-Jordan with partial pivoting
    size_t pivot = c;
    for (size_t r = c + 1; r < kN; ++r) {
      if (std::fabs(a[r][c]) > std::fabs(a[pivot][c])) pivot = r;
    }
    for (size_t k = 0; k <= kN; ++k) std::swap(a[c][k], a[pivot][k]);
    for (size_t r = 0; r < kN; ++r) {
      if (r == c) continue;
      const double factor = a[r][c] / a[c][c];
      for (size_t k = c; k <= kN; ++k) a[r][k] -= factor * a[c][k];
    }
  }
  Weights w;
  for (size_t i = 0; i < kN; ++i) w[i] = a[i][kN] / a[i][i];
  return w;
}

void Report(const char* label, const Weights& w, const std::vector<Sample>& samples) {
  double abs_pct[2] = {0, 0};
  double total_est = 0;
  double total[2] = {0, 0};
  for (const Sample& s : samples) {
    double est = 0;
    for (size_t i = 0; i < kN; ++i) est += w[i] * s.features.counts[i];
    est = std::max(1.0, std::round(est));
    total_est += est;
    total[0] += s.cl100k;
    total[1] += s.o200k;
    abs_pct[0] += std::fabs(est - s.cl100k) / s.cl100k;
    abs_pct[1] += std::fabs(est - s.o200k) / s.o200k;
  }
  const double n = static_cast<double>(samples.size());
  std::printf(
      "%s: %zu held-out lines; mean |error| per line vs cl100k_base %.1f%%, vs o200k_base %.1f%%;"
      " whole-corpus error vs cl100k_base %+.1f%%, vs o200k_base %+.1f%%\n",
      label, samples.size(), 100 * abs_pct[0] / n, 100 * abs_pct[1] / n,
      100 * (total_est - total[0]) / total[0], 100 * (total_est - total[1]) / total[1]);
}

}  // namespace

int main(int argc, char** argv) {
  auto encodings = nexus::tokenizer::EncodingSet::Load();
  if (!encodings.ok()) return 1;
  std::vector<Sample> fit;
  std::vector<std::vector<Sample>> held_out(argc);
  for (int f = 1; f < argc; ++f) {
    std::ifstream in(argv[f]);
    std::string line;
    for (size_t n = 0; std::getline(in, line);) {
      if (line.empty()) continue;
      Sample s{nexus::tokenizer::ExtractFeatures(line),
               static_cast<double>((*encodings)->Get(EncodingId::kCl100kBase).Count(line)),
               static_cast<double>((*encodings)->Get(EncodingId::kO200kBase).Count(line))};
      if (n++ % 2 == 0) {
        fit.push_back(s);
      } else {
        held_out[f].push_back(s);
        held_out[0].push_back(s);
      }
    }
  }
  const Weights w = Fit(fit);
  std::printf("fitted on %zu lines; weights:", fit.size());
  for (double v : w) std::printf(" %.4f", v);
  std::printf("\n");
  for (int f = 0; f < argc; ++f) {
    std::printf("== %s\n", f == 0 ? "all files" : argv[f]);
    Report("fitted", w, held_out[f]);
    Report("compiled", nexus::tokenizer::EstimateWeights(), held_out[f]);
  }
  return 0;
}
