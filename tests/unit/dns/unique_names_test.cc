// One name, one guest (issue 13, item 7): LocalZone::assign, the rule the
// daemon names guests by.
#include <gtest/gtest.h>

#include "libvswitch/dns/limits.h"
#include "libvswitch/dns/local_zone.h"

using namespace vswitch;
using namespace vswitch::dns;

namespace {

const Ipv4 kHost(172, 27, 160, 1), kA(172, 27, 160, 10), kB(172, 27, 160, 11), kC(172, 27, 160, 12);

LocalZone make_zone() {
    auto z = LocalZone::create("vswitch.internal", *Ipv4Prefix::parse("172.27.160.0/20"));
    EXPECT_TRUE(z.ok());
    return std::move(z).value();
}

std::string assign(LocalZone& z, RecordSource s, const char* owner, const char* name, Ipv4 a) {
    auto r = z.assign(s, owner, name, a);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : "";
}

}  // namespace

TEST(UniqueNames, TheFirstDhcpHolderKeepsTheNameTheSecondGetsAVariant) {
    LocalZone z = make_zone();
    EXPECT_EQ(assign(z, RecordSource::lease, "mac-a", "db", kA), "db");
    EXPECT_EQ(assign(z, RecordSource::lease, "mac-b", "DB", kB), "db-2");
    EXPECT_EQ(assign(z, RecordSource::lease, "mac-c", "db", kC), "db-3");
    EXPECT_EQ(z.addresses("db"), std::vector<Ipv4>{kA});
    EXPECT_EQ(z.addresses("db-2"), std::vector<Ipv4>{kB});
    EXPECT_EQ(z.addresses("db-3"), std::vector<Ipv4>{kC});
    auto renames = z.take_renames();
    ASSERT_EQ(renames.size(), 2u);
    EXPECT_EQ(renames[0].owner, "mac-b");
    EXPECT_EQ(renames[0].wanted, "db");
    EXPECT_EQ(renames[0].label, "db-2");
    EXPECT_EQ(renames[0].holder_address, kA);
    EXPECT_EQ(renames[0].holder_source, RecordSource::lease);
    // Renewals change nothing and report nothing again.
    const uint32_t serial = z.serial();
    EXPECT_EQ(assign(z, RecordSource::lease, "mac-b", "db", kB), "db-2");
    EXPECT_EQ(assign(z, RecordSource::lease, "mac-a", "db", kA), "db");
    EXPECT_EQ(z.serial(), serial);
    EXPECT_TRUE(z.take_renames().empty());
    // The first holder's lease ends: the next renewal of a variant takes
    // the name back; the other variant stays.
    ASSERT_TRUE(z.remove(RecordSource::lease, "mac-a"));
    EXPECT_EQ(assign(z, RecordSource::lease, "mac-b", "db", kB), "db");
    EXPECT_GT(z.serial(), serial);
    EXPECT_EQ(assign(z, RecordSource::lease, "mac-c", "db", kC), "db-3");
    EXPECT_EQ(z.addresses("db"), std::vector<Ipv4>{kB});
    EXPECT_TRUE(z.addresses("db-2").empty());
}

TEST(UniqueNames, AVmNameTakesTheNameFromADhcpHostName) {
    LocalZone z = make_zone();
    EXPECT_EQ(assign(z, RecordSource::lease, "mac-a", "web", kA), "web");
    // The VM "web" is attached (its port and lease are at kB): it wins.
    EXPECT_EQ(assign(z, RecordSource::port, "vsw-web0", "web", kB), "web");
    EXPECT_EQ(z.addresses("web"), std::vector<Ipv4>{kB});
    EXPECT_EQ(z.addresses("web-2"), std::vector<Ipv4>{kA});
    auto renames = z.take_renames();
    ASSERT_EQ(renames.size(), 1u);
    EXPECT_EQ(renames[0].owner, "mac-a");
    EXPECT_EQ(renames[0].source, RecordSource::lease);
    EXPECT_EQ(renames[0].label, "web-2");
    EXPECT_EQ(renames[0].holder_source, RecordSource::port);
    // The DHCP client renewing keeps its variant while the VM holds the name.
    EXPECT_EQ(assign(z, RecordSource::lease, "mac-a", "web", kA), "web-2");
    // A later DHCP client asking for the VM's name gets the next variant.
    EXPECT_EQ(assign(z, RecordSource::lease, "mac-c", "web", kC), "web-3");
    // The VM detaches: the first variant's renewal takes the name back.
    ASSERT_TRUE(z.remove(RecordSource::port, "vsw-web0"));
    EXPECT_EQ(assign(z, RecordSource::lease, "mac-a", "web", kA), "web");
}

TEST(UniqueNames, TheSameGuestUnderTwoSourcesIsNoConflict) {
    LocalZone z = make_zone();
    // A VM named "db" whose guest also says "db" over DHCP: one address.
    EXPECT_EQ(assign(z, RecordSource::lease, "mac-a", "db", kA), "db");
    EXPECT_EQ(assign(z, RecordSource::port, "vsw-db0", "db", kA), "db");
    EXPECT_EQ(z.addresses("db"), std::vector<Ipv4>{kA});
    EXPECT_TRUE(z.take_renames().empty());
}

TEST(UniqueNames, NobodyTakesTheHostsName) {
    LocalZone z = make_zone();
    EXPECT_EQ(assign(z, RecordSource::host, "host", "myhost", kHost), "myhost");
    EXPECT_EQ(assign(z, RecordSource::lease, "mac-a", "myhost", kA), "myhost-2");
    EXPECT_EQ(assign(z, RecordSource::port, "vsw-x", "myhost", kB), "myhost-3");
    EXPECT_EQ(z.addresses("myhost"), std::vector<Ipv4>{kHost});
    EXPECT_EQ(z.take_renames().size(), 2u);
}

TEST(UniqueNames, AVariantStepsOverTakenVariantsAndFitsALabel) {
    LocalZone z = make_zone();
    EXPECT_EQ(assign(z, RecordSource::lease, "m1", "app-2", kA), "app-2");
    EXPECT_EQ(assign(z, RecordSource::lease, "m2", "app", kB), "app");
    EXPECT_EQ(assign(z, RecordSource::lease, "m3", "app", kC), "app-3");
    const std::string long_name(63, 'x');
    EXPECT_EQ(assign(z, RecordSource::lease, "m4", long_name.c_str(), kA), long_name);
    std::string v = assign(z, RecordSource::lease, "m5", long_name.c_str(), kB);
    EXPECT_EQ(v, std::string(61, 'x') + "-2");
    // A base that would end in '-' once cut loses the dash.
    const std::string dashed = std::string(61, 'y') + "-z";
    EXPECT_EQ(assign(z, RecordSource::lease, "m6", dashed.c_str(), kA), dashed);
    EXPECT_EQ(assign(z, RecordSource::lease, "m7", dashed.c_str(), kB), std::string(61, 'y') + "-2");
}

TEST(UniqueNames, PendingRenamesAreBounded) {
    LocalZone z = make_zone();
    assign(z, RecordSource::lease, "first", "same", Ipv4(172, 27, 161, 0));
    for (int i = 1; i <= int(kMaxPendingRenames) + 10; ++i)
        assign(z, RecordSource::lease, ("m" + std::to_string(i)).c_str(), "same", Ipv4(172, 27, 161, uint8_t(i)));
    EXPECT_EQ(z.take_renames().size(), kMaxPendingRenames);
    EXPECT_TRUE(z.take_renames().empty());
}
