// Small file helpers. write_file_atomic is how every piece of state reaches
// the disk: a temporary file beside the target, fsync, rename, fsync of the
// directory, so a reader sees either the old or the new content, never half.
#pragma once

#include <string>
#include <string_view>

#include "libvswitch/base/result.h"

namespace vswitch {

// Reads a whole (small) file. ENOENT is returned as an error with that code.
Result<std::string> read_file(const std::string& path, size_t max_size = 16u << 20);

// Replaces path with content atomically. mode applies to the new file.
Status write_file_atomic(const std::string& path, std::string_view content, unsigned mode = 0644);

// mkdir -p; ok if it already exists as a directory.
Status make_directories(const std::string& path, unsigned mode = 0755);

}  // namespace vswitch
