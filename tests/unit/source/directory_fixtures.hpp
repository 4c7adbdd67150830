#pragma once
// YAML fixtures for directory source tests: parse results built from text,
// without a file system.

#include <string>

#include "rewind/model/codec.hpp"

namespace rwd::source::testing {

inline std::string release_yaml(const std::string& name, const std::string& image,
                                const std::string& ns = "shop") {
  return "apiVersion: rewind.dev/v1alpha1\n"
         "kind: Release\n"
         "metadata: {name: " +
         name + ", namespace: " + ns +
         "}\n"
         "spec:\n"
         "  target: {docker: {project: shop, service: " +
         name +
         "}}\n"
         "  image: " +
         image + "\n";
}

inline std::string rollback_yaml(const std::string& name, const std::string& release,
                                 const std::string& ns = "shop") {
  return "apiVersion: rewind.dev/v1alpha1\n"
         "kind: Rollback\n"
         "metadata: {name: " +
         name + ", namespace: " + ns +
         "}\n"
         "spec:\n"
         "  releaseRef: {name: " +
         release +
         "}\n"
         "  to: previous\n";
}

inline model::ParseResult parse(const std::string& text, const std::string& file) {
  return model::parse_resources(text, file);
}

inline std::string image_of(const model::Object& o) {
  return std::get<model::Release>(o).spec.image.value();
}

}  // namespace rwd::source::testing
