// Compares text with a golden file under tests/unit/data/nft/. Run the unit
// tests with VSWITCH_UPDATE_GOLDEN=1 to rewrite the files after an intended
// change, then read the diff before committing it.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "libvswitch/base/file.h"

namespace vswitch::nft::golden {

inline void expect_matches(const std::string& name, const std::string& actual) {
    std::string path = std::string(VSWITCH_TEST_DATA) + "/nft/" + name;
    const char* update = std::getenv("VSWITCH_UPDATE_GOLDEN");
    if (update && std::string(update) == "1") {
        auto st = write_file_atomic(path, actual);
        ASSERT_TRUE(st.ok()) << st.error().message;
        return;
    }
    auto expected = read_file(path);
    ASSERT_TRUE(expected.ok()) << expected.error().message
                               << " (run with VSWITCH_UPDATE_GOLDEN=1 to create it)";
    EXPECT_EQ(*expected, actual) << "golden file " << path
                                 << " differs; VSWITCH_UPDATE_GOLDEN=1 rewrites it";
}

}  // namespace vswitch::nft::golden
