#include "libvswitch/base/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

using namespace vswitch;

namespace {

Result<std::unique_ptr<std::string>> make(bool ok) {
    if (!ok) return make_error(EINVAL, "make: refused");
    return std::make_unique<std::string>("made");
}

}  // namespace

TEST(Result, DereferencingATemporaryMovesItsValueOut) {
    // A move-only value out of *make(): this compiles only because
    // operator* on an rvalue Result moves (a copy would be a dangling or
    // deleted one for types whose parts point at each other).
    std::unique_ptr<std::string> p = *make(true);
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, "made");

    Result<std::unique_ptr<std::string>> kept = make(true);
    const std::string* inside = kept->get();
    std::unique_ptr<std::string> moved = *std::move(kept);
    EXPECT_EQ(moved.get(), inside);  // the same object, not a copy
}

TEST(Result, CarriesTheErrorAndItsMessage) {
    auto r = make(false);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EINVAL);
    EXPECT_EQ(r.error().message, "make: refused");
}
