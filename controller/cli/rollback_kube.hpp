#pragma once
// Internal: `rewind rollback NAME --kube` (or --kubeconfig/--context): the
// Rollback as a resource in the API server for `rewind controller` to run,
// followed through its status.

#include <functional>
#include <iosfwd>
#include <string>

#include "rewind/cli/rollback.hpp"
#include "rewind/model/codec.hpp"

namespace rwd::cli {

struct KubeRollbackRun {
  const RollbackOptions& options;  // options.kube is set
  std::string requested_by;        // "alice@laptop"
  std::function<bool()> confirm;   // --emergency's question; false: declined
  std::ostream& out;
  std::ostream& err;
};

// Checks the Release (it exists; a --to revision is in its history), then
// creates the Rollback (generateName "NAME-rollback-") and, unless
// --no-wait, prints its progress until it Succeeded (0) or Failed (1), or
// --timeout passes (1; the controller carries on). --dry-run prints the
// resource and creates nothing.
int rollback_on_kube(const KubeRollbackRun& run);

// The resource to create for `rollback`: rewind.dev/v1alpha1, its metadata
// with generateName "<release>-rollback-" instead of a name.
model::Json kube_rollback_body(const model::Rollback& rollback);

}  // namespace rwd::cli
