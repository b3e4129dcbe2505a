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

// Keeps a damaged state file as evidence: renames path to
// "<path>.corrupt-<N>", N one more than the highest such file beside it,
// and removes the oldest beyond `keep`, so repeated damage neither
// overwrites the last evidence nor fills the disk. Returns the new name.
inline constexpr size_t kKeepCorruptFiles = 5;
Result<std::string> move_aside_corrupt(const std::string& path, size_t keep = kKeepCorruptFiles);

// mkdir -p; ok if it already exists as a directory.
Status make_directories(const std::string& path, unsigned mode = 0755);

}  // namespace vswitch
