#pragma once
// Internal: --state postgres://... and --state-host, for watch, rollback,
// status and history: rewind's state in PostgreSQL (a fleet's hosts in one
// database) instead of the state directory.

#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include <boost/program_options.hpp>

#include "rewind/cli/state_database.hpp"
#include "rewind/history/store.hpp"
#include "rewind/model/result.hpp"

#include "state_reader.hpp"

namespace rwd::cli {

// Adds --state URL and --state-host NAME.
void add_state_options(boost::program_options::options_description& o);

// Reads --state/--state-host from the command line into `state` (nullopt
// without --state). False (and a message on `err`) for a --state that is not
// a postgres:// URL, or --state-host without --state.
bool select_state(const boost::program_options::variables_map& vm, const std::string& command,
                  std::ostream& err, std::optional<StateDatabase>& state);

// The PostgreSQL stores when `state` is set; false when it is not (the
// caller opens the file stores).
model::Result<bool> open_state_stores(const std::optional<StateDatabase>& state,
                                      std::shared_ptr<history::HistoryStore>& histories,
                                      std::shared_ptr<history::StatusStore>& statuses);

// A reader over every host's rows (or state.host's only).
model::Result<std::unique_ptr<StateReader>> open_postgres_reader(const StateDatabase& state);

}  // namespace rwd::cli
