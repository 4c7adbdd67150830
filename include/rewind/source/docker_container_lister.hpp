#pragma once
// The label source's ContainerLister on the Docker Engine: every container
// labelled rewind.dev/release (running or not), inspected once per container
// id (what the label source reads never changes for a container; only its
// name and state do, and those come from the list).
//
//   source::DockerContainerLister lister(*client);   // a Client of its own
//   source::DockerLabelSource labels([&] { return lister.list(); }, ...);
//
// The Client is used one call at a time (list() locks); give the lister a
// Client that nothing else uses, or one whose users take the same care.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "rewind/docker/client.hpp"
#include "rewind/model/result.hpp"
#include "rewind/source/docker_labels.hpp"

namespace rwd::source {

// A container's inspected state as the label source reads it. `image_env`:
// the Env of its image's Config (entries equal to one of them are left out).
LabelledContainer to_labelled(const docker::ContainerInspect& c,
                              const std::vector<std::string>& image_env);

class DockerContainerLister {
 public:
  // `filters`: more label filters ("key" or "key=value") a container must
  // match too, e.g. "com.docker.compose.project=shop" for one project only.
  explicit DockerContainerLister(docker::Client& client, std::vector<std::string> filters = {})
      : client_(client), filters_(std::move(filters)) {}

  model::Result<std::vector<LabelledContainer>> list();

 private:
  model::Result<std::vector<std::string>> image_env(const std::string& image_id);

  std::mutex mu_;
  docker::Client& client_;
  std::vector<std::string> filters_;
  struct Inspected {
    LabelledContainer container;
    std::string image_id;
  };
  std::map<std::string, Inspected> containers_;                 // by id
  std::map<std::string, std::vector<std::string>> image_envs_;  // by image id
};

}  // namespace rwd::source
