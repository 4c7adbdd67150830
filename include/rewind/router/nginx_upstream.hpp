#pragma once
// The upstream include file rewind owns per Release: pure text in, text out.
//
//   # Managed by rewind for Release default/web; rewritten on every change.
//   # rewind-release: default/web
//   upstream rewind_default_web {
//       server 127.0.0.1:18080 weight=90;  # rewind-backend name=blue weight=90
//       server 127.0.0.1:18081 weight=10;  # rewind-backend name=green weight=10
//   }
//
// nginx has no weight=0: a backend with weight 0 is written with `down`
// (`server 127.0.0.1:18081 down;  # rewind-backend name=green weight=0`), so
// the file keeps listing both colors, nginx sends it nothing, and weights()
// reads 0 back. All backends at 0 is refused (validate_backends): an upstream
// whose servers are all down answers every request with 502.

#include <string>
#include <string_view>
#include <vector>

#include "rewind/model/result.hpp"
#include "rewind/model/strong_types.hpp"
#include "rewind/router/router.hpp"

namespace rwd::router {

// "rewind_<namespace>_<name>": what the nginx server block proxies to
// (proxy_pass http://rewind_default_web;).
std::string upstream_name(const model::ObjectKey& release);

// "<namespace>_<name>.conf"
std::string upstream_file_name(const model::ObjectKey& release);

// The file's text. Backends must be valid (validate_backends).
std::string render_upstream(const model::ObjectKey& release, const std::vector<Backend>& backends);

// True when the text has render_upstream's "# rewind-release:" line: a file
// rewind wrote, not the one an operator wrote to start nginx with.
bool written_by_rewind(std::string_view text);

// Reads back the backends from a file render_upstream wrote, in its order.
// Fails (terminal) naming `where` and the line when a file was edited into
// something it does not understand or names another Release.
model::Result<std::vector<Backend>> parse_upstream(const model::ObjectKey& release,
                                                   const std::string& text,
                                                   const std::string& where);

}  // namespace rwd::router
