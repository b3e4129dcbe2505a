// The FNV-1a helper against the published test vectors: addresses, subnets
// and MACs derived from it must not move between releases.
#include "libvswitch/base/hash.h"

#include <gtest/gtest.h>

using namespace vswitch;

TEST(Fnv1a, MatchesThePublishedVectors) {
    EXPECT_EQ(fnv1a(""), kFnv1aOffset);
    EXPECT_EQ(fnv1a("a"), 0xaf63dc4c8601ec8cull);
    EXPECT_EQ(fnv1a("foobar"), 0x85944171f73967e8ull);
}

TEST(Fnv1a, ChainedPartsHashLikeTheirConcatenation) {
    EXPECT_EQ(fnv1a("bar", fnv1a("foo")), fnv1a("foobar"));
    static_assert(fnv1a("a") == 0xaf63dc4c8601ec8cull, "usable in constant expressions");
}
