#pragma once
// What the figures share: samples and their summary line, in the format
// scripts/bench promises (one line per figure: `name value unit`, then
// `# median of N runs, min .., max ..` and what was measured).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace rwd::bench {

using SteadyClock = std::chrono::steady_clock;

struct Samples {
  std::vector<double> values;

  void add(double v) { values.push_back(v); }
  [[nodiscard]] bool empty() const { return values.empty(); }
  [[nodiscard]] double median() const {
    if (values.empty()) return 0;
    std::vector<double> v = values;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
  [[nodiscard]] double min() const {
    return values.empty() ? 0 : *std::min_element(values.begin(), values.end());
  }
  [[nodiscard]] double max() const {
    return values.empty() ? 0 : *std::max_element(values.begin(), values.end());
  }
  // The p-th percentile (0..100), nearest rank.
  [[nodiscard]] double percentile(double p) const {
    if (values.empty()) return 0;
    std::vector<double> v = values;
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(rank, v.size() - 1)];
  }
};

inline std::string fixed(double v, int decimals = 1) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(decimals);
  out << v;
  return out.str();
}

// "name value unit  # note": one figure's line.
inline void line(const std::string& name, double value, const std::string& unit,
                 const std::string& note = "", int decimals = 1) {
  std::cout << name << " " << fixed(value, decimals) << " " << unit;
  if (!note.empty()) std::cout << "  # " << note;
  std::cout << std::endl;
}

// The median line of a set of samples, with their count, min and max.
inline void summary(const std::string& name, const Samples& s, const std::string& unit,
                    const std::string& what) {
  line(name, s.median(), unit,
       "median of " + std::to_string(s.values.size()) + " runs, min " + fixed(s.min()) + ", max " +
           fixed(s.max()) + "; " + what);
}

inline double ms_since(SteadyClock::time_point t0) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
}

// The runs of each figure: REWIND_BENCH_RUNS, else `fallback`.
inline int runs(int fallback) {
  if (const char* v = std::getenv("REWIND_BENCH_RUNS"); v != nullptr && *v != '\0') {
    return std::max(1, std::atoi(v));
  }
  return fallback;
}

// /proc/<pid>/status field in kB (VmRSS, VmHWM); -1 when unreadable.
inline long proc_status_kb(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string l;
  while (std::getline(in, l)) {
    if (l.rfind(field + ":", 0) == 0) return std::atol(l.c_str() + field.size() + 1);
  }
  return -1;
}

// utime + stime of a process, in clock ticks; -1 when unreadable.
inline long long cpu_ticks(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  long long utime = 0;
  long long stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::atoll(field.c_str());
    if (i == 15) stime = std::atoll(field.c_str());
  }
  return utime + stime;
}

// Keeps a log of the run for profiling: copied into $REWIND_BENCH_OUT (set
// by scripts/bench) as `name`; nothing when unset.
inline void keep_log(const std::string& from, const std::string& name) {
  const char* out = std::getenv("REWIND_BENCH_OUT");
  if (out == nullptr || *out == '\0') return;
  std::ifstream in(from, std::ios::binary);
  std::ofstream(std::string(out) + "/" + name, std::ios::binary) << in.rdbuf();
}

}  // namespace rwd::bench
