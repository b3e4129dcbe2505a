#include "libvswitch/nft/batch.h"

#include <gtest/gtest.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <string>

using namespace vswitch;
using namespace vswitch::nft;

namespace {

void add_table(BatchBuilder& b, const std::string& name) {
    nftnl_table* t = nftnl_table_alloc();
    ASSERT_NE(t, nullptr);
    nftnl_table_set_str(t, NFTNL_TABLE_NAME, name.c_str());
    if (nlmsghdr* nlh =
            b.add(NFT_MSG_NEWTABLE, NFPROTO_INET, NLM_F_CREATE, "adding table " + name)) {
        nftnl_table_nlmsg_build_payload(nlh, t);
    }
    nftnl_table_free(t);
}

}  // namespace

TEST(NftBatchBuilder, EmptyBatchIsBeginAndEnd) {
    BatchBuilder b(10);
    auto batch = std::move(b).finish();
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(batch->message_count(), 2u);
    EXPECT_EQ(batch->first_seq(), 10u);
    EXPECT_EQ(batch->last_seq(), 11u);
    auto text = describe(*batch);
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(*text, "batch begin\nbatch end\n");
}

TEST(NftBatchBuilder, DescribeParsesWhatWasBuilt) {
    BatchBuilder b(1);
    add_table(b, "alpha");
    add_table(b, "beta");
    auto batch = std::move(b).finish();
    ASSERT_TRUE(batch.ok());
    auto text = describe(*batch);
    ASSERT_TRUE(text.ok()) << text.error().message;
    EXPECT_EQ(*text,
              "batch begin\n"
              "add table inet alpha [create]\n"
              "add table inet beta [create]\n"
              "batch end\n");
    EXPECT_EQ(batch->action(3), "adding table beta");
}

TEST(NftBatchBuilder, OverflowIsE2BIG) {
    BatchBuilder b(1);
    std::string name(200, 'x');  // ~220 bytes per message
    size_t added = 0;
    for (; added < 2 * kMaxBatchBytes / 200; ++added) {
        nftnl_table* t = nftnl_table_alloc();
        ASSERT_NE(t, nullptr);
        nftnl_table_set_str(t, NFTNL_TABLE_NAME, name.c_str());
        nlmsghdr* nlh = b.add(NFT_MSG_NEWTABLE, NFPROTO_INET, 0, "adding");
        if (nlh) nftnl_table_nlmsg_build_payload(nlh, t);
        nftnl_table_free(t);
        if (!nlh) break;
    }
    EXPECT_GT(added, 100u);
    EXPECT_LT(added, 2 * kMaxBatchBytes / 200) << "never overflowed";
    auto batch = std::move(b).finish();
    ASSERT_FALSE(batch.ok());
    EXPECT_EQ(batch.error().code, E2BIG);
}

TEST(NftDescribe, RefusesTruncatedBytes) {
    BatchBuilder b(1);
    add_table(b, "alpha");
    auto batch = std::move(b).finish();
    ASSERT_TRUE(batch.ok());
    auto bytes = batch->bytes();
    std::vector<uint8_t> cut(bytes.begin(), bytes.end() - 3);
    Batch truncated(cut, 1, {"adding table alpha"});
    auto text = describe(truncated);
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().code, EBADMSG);
}
