#pragma once
// --state postgres://... and --state-host: rewind's history and status in a
// PostgreSQL database that a fleet's hosts share, instead of the state
// directory's files.

#include <string>

namespace rwd::cli {

struct StateDatabase {
  std::string url;   // a secret: never printed (postgres::DatabaseUrl::display())
  std::string host;  // empty: this machine for writers, every host for readers
};

}  // namespace rwd::cli
