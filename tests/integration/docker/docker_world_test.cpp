// Registers the shared Docker world (see docker_fixture.hpp).

#include "docker_fixture.hpp"

namespace rwd::docker::it {

DockerWorld* DockerWorld::instance = dynamic_cast<DockerWorld*>(
    ::testing::AddGlobalTestEnvironment(new DockerWorld));  // gtest owns it

}  // namespace rwd::docker::it
