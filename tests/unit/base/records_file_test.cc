#include "libvswitch/base/records_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vswitch {
namespace {

constexpr RecordsFormat kFmt{"vswitch-things", "1", "things", 64};

Result<std::vector<std::string>> walk(std::string_view text) {
    std::vector<std::string> seen;
    auto st = walk_records(text, kFmt, [&](std::string_view line) -> Status {
        if (line == "bad") return make_error(EINVAL, "a bad record");
        seen.emplace_back(line);
        return {};
    });
    if (!st) return st.error();
    return seen;
}

TEST(RecordsFile, HeaderThenRecordsSkippingBlankLines) {
    EXPECT_EQ(records_header(kFmt), "vswitch-things 1\n");
    auto r = walk("vswitch-things 1\na\n\nb");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(walk("vswitch-things 1\n")->empty());
}

TEST(RecordsFile, ErrorsNameTheLine) {
    auto bad = walk("vswitch-things 1\na\n\nbad\nc\n");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, EINVAL);
    EXPECT_EQ(bad.error().message, "line 4: a bad record");
}

TEST(RecordsFile, HeaderAndSizeChecks) {
    EXPECT_EQ(walk("").error().message, "line 1: empty file (no 'vswitch-things' header)");
    EXPECT_EQ(walk("").error().code, EBADMSG);
    EXPECT_EQ(walk("vswitch-other 1\n").error().message,
              "line 1: not a things file (no 'vswitch-things' header)");
    EXPECT_EQ(walk("vswitch-things 2\n").error().code, ENOTSUP);
    EXPECT_EQ(walk("vswitch-things 2\n").error().message, "line 1: unsupported version ' 2'");
    EXPECT_EQ(walk("vswitch-things\n").error().code, ENOTSUP);
    EXPECT_EQ(walk(std::string(65, 'x')).error().code, E2BIG);
}

}  // namespace
}  // namespace vswitch
