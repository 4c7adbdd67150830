#pragma once
// Internal: --state postgres://... and --state-host, for watch, rollback,
// status and history: rewind's state in PostgreSQL (a fleet's hosts in one
// database) instead of the state directory.

#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include <boost/program_options.hpp>

#include "rewind/history/store.hpp"
#include "rewind/model/result.hpp"
#include "state_reader.hpp"

namespace rwd::cli {

struct PostgresState {
  std::string url;   // a secret: never printed (DatabaseUrl::display())
  std::string host;  // empty: this machine for writers, every host for readers
};

// Adds --state URL and --state-host NAME.
void add_state_options(boost::program_options::options_description& o);

// Takes --state/--state-host from the command line for open_state_stores()
// and open_state_reader(). False (and a message on `err`) for a --state that
// is not a postgres:// URL.
bool select_state(const boost::program_options::variables_map& vm, const std::string& command,
                  std::ostream& err);
const std::optional<PostgresState>& selected_state();

// The PostgreSQL stores when --state was given; false when it was not (the
// caller opens the file stores).
model::Result<bool> open_state_stores(std::shared_ptr<history::HistoryStore>& histories,
                                      std::shared_ptr<history::StatusStore>& statuses);

// A reader over every host's rows (or --state-host's only).
model::Result<std::unique_ptr<StateReader>> open_postgres_reader(const PostgresState& state);

}  // namespace rwd::cli
