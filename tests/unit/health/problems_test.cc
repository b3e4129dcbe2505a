#include "libvswitch/health/problems.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vswitch::health {
namespace {

struct Change {
    std::string kind, message;
    bool cleared;
};

class ProblemsTest : public ::testing::Test {
protected:
    void SetUp() override {
        problems.set_on_change([this](const Problem& p, bool cleared) {
            changes.push_back({p.kind, p.message, cleared});
        });
    }
    Problems problems{"Default"};
    std::vector<Change> changes;
};

TEST_F(ProblemsTest, RaiseAddsAndAnnouncesOnce) {
    EXPECT_TRUE(problems.raise("firewall-fight", "deleted 5 times", "systemctl stop x"));
    ASSERT_EQ(problems.list().size(), 1u);
    EXPECT_EQ(problems.list()[0].kind, "firewall-fight");
    EXPECT_EQ(problems.list()[0].fix, "systemctl stop x");
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_FALSE(changes[0].cleared);
}

TEST_F(ProblemsTest, SameKindSameTextIsNoChange) {
    problems.raise("ip-forward", "off", "sysctl -w net.ipv4.ip_forward=1");
    EXPECT_FALSE(problems.raise("ip-forward", "off", "sysctl -w net.ipv4.ip_forward=1"));
    EXPECT_EQ(changes.size(), 1u);
    EXPECT_EQ(problems.list().size(), 1u);
}

TEST_F(ProblemsTest, SameKindNewTextReplacesInPlace) {
    problems.raise("a", "first", "");
    problems.raise("b", "other", "");
    EXPECT_TRUE(problems.raise("a", "second", "fix"));
    ASSERT_EQ(problems.list().size(), 2u);
    EXPECT_EQ(problems.list()[0].kind, "a");
    EXPECT_EQ(problems.list()[0].message, "second");
    EXPECT_EQ(changes.size(), 3u);
}

TEST_F(ProblemsTest, ClearRemovesAndAnnouncesWithEmptyMessage) {
    problems.raise("a", "broken", "fix it");
    EXPECT_TRUE(problems.clear("a"));
    EXPECT_TRUE(problems.list().empty());
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_TRUE(changes[1].cleared);
    EXPECT_EQ(changes[1].kind, "a");
    EXPECT_EQ(changes[1].message, "");
}

TEST_F(ProblemsTest, ClearOfUnknownKindIsNoChange) {
    EXPECT_FALSE(problems.clear("nothing"));
    EXPECT_TRUE(changes.empty());
}

TEST_F(ProblemsTest, ClearAllAnnouncesEach) {
    problems.raise("a", "1", "");
    problems.raise("b", "2", "");
    problems.clear_all();
    EXPECT_TRUE(problems.list().empty());
    EXPECT_EQ(changes.size(), 4u);
}

TEST_F(ProblemsTest, KindsBeyondTheLimitAreDropped) {
    for (size_t i = 0; i < kMaxProblems; ++i) problems.raise("k" + std::to_string(i), "m", "");
    EXPECT_FALSE(problems.raise("one-more", "m", ""));
    EXPECT_EQ(problems.list().size(), kMaxProblems);
    EXPECT_FALSE(problems.has("one-more"));
    // An existing kind can still change.
    EXPECT_TRUE(problems.raise("k0", "changed", ""));
}

TEST_F(ProblemsTest, CallbackMayRaiseAnotherKind) {
    Problems p("X");
    p.set_on_change([&p](const Problem& pr, bool cleared) {
        if (!cleared && pr.kind == "a") p.raise("b", "follow-up", "");
    });
    p.raise("a", "first", "");
    EXPECT_TRUE(p.has("a"));
    EXPECT_TRUE(p.has("b"));
}

}  // namespace
}  // namespace vswitch::health
