#pragma once
// Internal: how `rewind status` and `rewind history` print what rewind
// knows, whether it comes from the state directory or a watcher's HTTP API.

#include <iosfwd>

#include "rewind/model/codec.hpp"
#include "rewind/model/history.hpp"
#include "rewind/model/release.hpp"

namespace rwd::cli {

// NAMESPACE NAME PHASE CURRENT STABLE READY IMAGE
void print_release_header(std::ostream& out);
void print_release_line(const model::Release& r, std::ostream& out);
// Phase, desired and running image, revisions, pin, last rollback, conditions.
void print_release_detail(const model::Release& r, std::ostream& out);

// REV HASH IMAGE CONFIG SCHEMA OUTCOME LIVE REASON, oldest first.
void print_history_table(const model::History& h, std::ostream& out);

// The Release as JSON for people and clients (`rewind status -o json`, the
// HTTP API), with webhook URLs masked as in the logs (notify::redact_url).
model::Json release_json(const model::Release& r);

// The history as JSON without the env file contents and with webhook URLs
// masked (both may hold secrets).
model::Json history_json(const model::History& h);

}  // namespace rwd::cli
