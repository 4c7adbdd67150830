// The controller's own metric families: names, help texts and buckets.

#include "rewind/runtime/metrics.hpp"

namespace rwd::runtime {

ControllerMetrics register_controller_metrics(Metrics& metrics) {
  return ControllerMetrics{
      .reconciles =
          metrics.counter("rewind_reconciles_total",
                          "Reconciles finished, by result (success, requeue, error).", {"result"}),
      .queue_depth = metrics.gauge("rewind_queue_depth", "Keys waiting in the work queue.").with(),
      .rollbacks = metrics.counter("rewind_rollbacks_total",
                                   "Rollbacks started, by trigger (health, analysis/<metric>, "
                                   "source, resource).",
                                   {"trigger"}),
      .step_duration = metrics.histogram("rewind_step_duration_seconds",
                                         "Duration of executed plan steps, by step type.",
                                         kStepDurationBuckets, {"step"}),
      .source_errors = metrics.counter("rewind_source_errors_total",
                                       "Errors reading desired state, by source.", {"source"}),
      .releases = metrics.gauge("rewind_releases", "Releases known, by status phase.", {"phase"}),
  };
}

}  // namespace rwd::runtime
