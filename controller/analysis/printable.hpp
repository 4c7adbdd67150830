#pragma once
// Internal: bytes from a command's output made fit for a measurement's detail.

#include <string>
#include <string_view>

namespace rwd::analysis::detail {

// Bytes that are not valid UTF-8 (a cut through a sequence, binary output)
// become '?'; control characters other than \n and \t become ' '.
std::string printable_utf8(std::string_view bytes);

}  // namespace rwd::analysis::detail
