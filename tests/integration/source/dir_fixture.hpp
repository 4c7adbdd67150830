#pragma once
// A real temporary directory, a Store and a DirectorySource on it, and
// helpers to change files the way editors and git do. Waits poll a
// predicate until it holds or a timeout passes; nothing waits a fixed time.

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "rewind/runtime/store.hpp"
#include "rewind/source/directory_source.hpp"
// The YAML builders are the unit tests' ones.
#include "../../unit/source/directory_fixtures.hpp"

namespace rwd::source::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Polls `pred` every few milliseconds until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 15s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "rewind-src-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Writes in place: open (create or truncate), write, close.
inline void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

// Writes a temporary file beside `p` and renames it over `p`.
inline void write_atomically(const fs::path& p, const std::string& text,
                             const std::string& temp_name = ".tmp-write") {
  const fs::path tmp = p.parent_path() / temp_name;
  write_file(tmp, text);
  fs::rename(tmp, p);
}

inline int run(const std::string& command) { return std::system(command.c_str()); }

// A source on a fresh temporary directory.
class SourceFixture : public ::testing::Test {
 protected:
  TempDir dir_;
  fs::path root_ = dir_.path() / "releases";
  runtime::Store store_;
  std::unique_ptr<DirectorySource> source_;
  std::mutex diag_mu_;
  std::vector<std::vector<model::Diagnostic>> published_;

  void SetUp() override { fs::create_directories(root_); }
  void TearDown() override {
    if (source_) source_->stop();
  }

  void start(DirectorySourceOptions options = {}) {
    options.root = root_;
    if (options.debounce == DirectorySourceOptions{}.debounce) {
      options.debounce = 30ms;
    }
    source_ = std::make_unique<DirectorySource>(options, store_);
    source_->on_diagnostics([this](const std::vector<model::Diagnostic>& d) {
      std::lock_guard lock(diag_mu_);
      published_.push_back(d);
    });
    const model::Status st = source_->start();
    ASSERT_TRUE(st.ok()) << st.error().message;
  }

  std::string image(const std::string& name, const std::string& ns = "shop") {
    auto r = store_.get_release({ns, name});
    return r ? r->spec.image.value() : std::string("<none>");
  }
  bool has_release(const std::string& name, const std::string& ns = "shop") {
    return store_.get_release({ns, name}) != nullptr;
  }
  // Eventually `name` runs `expected` ("<none>" for absent).
  ::testing::AssertionResult becomes(const std::string& name, const std::string& expected) {
    if (eventually([&] { return image(name) == expected; })) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << name << " is " << image(name) << ", expected " << expected;
  }
  bool diagnostics_mention(const std::string& text) {
    for (const auto& d : source_->diagnostics()) {
      if (d.str().find(text) != std::string::npos) return true;
    }
    return false;
  }
  std::string origin(const std::string& name) {
    auto e = store_.get(runtime::release_ref("shop", name));
    return e ? e->origin : std::string();
  }
};

}  // namespace rwd::source::testing
