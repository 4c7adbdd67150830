#pragma once
// Small fixtures for runtime tests: Releases and Rollbacks with just enough
// set to tell them apart.

#include <string>

#include "rewind/model/codec.hpp"
#include "rewind/runtime/object_ref.hpp"

namespace rwd::runtime::testing {

inline model::Object release(const std::string& name, const std::string& image = "app:1",
                             const std::string& ns = "shop") {
  model::Release r;
  r.metadata.name = name;
  r.metadata.ns = ns;
  r.spec.target.docker = model::DockerTarget{"shop", name};
  r.spec.image = model::ImageRef(image);
  return r;
}

inline model::Object rollback(const std::string& name, const std::string& release_name,
                              const std::string& ns = "shop") {
  model::Rollback r;
  r.metadata.name = name;
  r.metadata.ns = ns;
  r.spec.release_name = release_name;
  return r;
}

inline std::string image_of(const model::Object& o) {
  return std::get<model::Release>(o).spec.image.value();
}

}  // namespace rwd::runtime::testing
