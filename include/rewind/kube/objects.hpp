#pragma once
// Release and Rollback objects as the API server holds them, to and from
// rewind's model. The revision history lives in the Release's status too
// (status.history), beside what model::ReleaseStatus holds.

#include <optional>
#include <string>
#include <vector>

#include "rewind/model/codec.hpp"
#include "rewind/model/history.hpp"

namespace rwd::kube {

using Json = model::Json;

struct Decoded {
  std::optional<model::Object> object;    // nullopt when there were errors
  std::vector<model::Diagnostic> errors;  // source "namespace/name" of the object
  // status.history of a Release; nullopt when it has none (or it is broken:
  // then errors says so and object is still set).
  std::optional<model::History> history;
};

// Decodes and validates an object read from the API server (apiVersion,
// kind, metadata, spec, status). target.kubernetes.ns is set from the
// object's namespace.
Decoded decode_api_object(const Json& object);

// The JSON of a Release's status for the /status subresource, with `history`
// as status.history (omitted when nullopt).
Json release_status_json(const model::Release& release,
                         const std::optional<model::History>& history);
Json rollback_status_json(const model::Rollback& rollback);

// status.history of an object read from the API server; an empty History
// when there is none. Errors name the object and the field.
model::Result<model::History> history_of(const Json& object);

}  // namespace rwd::kube
