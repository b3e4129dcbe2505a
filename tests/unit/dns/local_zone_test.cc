#include "libvswitch/dns/local_zone.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include "libvswitch/dns/limits.h"
#include "tests/unit/dns/dns_test_util.h"

using namespace vswitch;
using namespace vswitch::dns;
using namespace vswitch::dns::test;

namespace {

Ipv4Prefix subnet20() {
    return *Ipv4Prefix::parse("172.27.160.0/20");
}

LocalZone make_zone() {
    auto z = LocalZone::create("vswitch.internal", subnet20());
    EXPECT_TRUE(z.ok());
    return std::move(*z);
}

std::vector<std::string> answer_of(const LocalAnswer& a) {
    std::vector<std::string> out;
    for (const auto& rr : a.answer) {
        char* s = ldns_rr2str(rr.get());
        std::string line(s);
        std::free(s);
        for (char& c : line)
            if (c == '\t') c = ' ';
        line.pop_back();
        out.push_back(line);
    }
    return out;
}

}  // namespace

TEST(SanitizeLabel, MakesValidLabels) {
    struct Case {
        std::string in;
        std::optional<std::string> out;
    } cases[] = {
        {"web", "web"},
        {"WebServer01", "webserver01"},
        {"web.example.com", "web"},  // option 81 FQDN: the host part
        {"my_host", "my-host"},
        {"my host", "my-host"},
        {"-lead-trail-", "lead-trail"},
        {"caf\xc3\xa9", "caf"},
        {"", std::nullopt},
        {"---", std::nullopt},
        {"\xc3\xa9\xc3\xa9", std::nullopt},
        {".hidden", std::nullopt},
        {std::string(80, 'a'), std::string(63, 'a')},
        {std::string(62, 'a') + "_b", std::string(62, 'a')},  // cut at 63, '-' trimmed
    };
    for (const auto& c : cases) EXPECT_EQ(sanitize_label(c.in), c.out) << c.in;
}

TEST(LocalZone, RejectsInvalidDomains) {
    for (const char* d : {"", ".", "a..b", "-a.b", "a_b.internal", "b-.internal"}) {
        auto z = LocalZone::create(d, subnet20());
        EXPECT_FALSE(z.ok()) << d;
        if (!z.ok()) {
            EXPECT_NE(z.error().message.find("local DNS domain"), std::string::npos);
        }
    }
    auto z = LocalZone::create("VSwitch.Internal.", subnet20());
    ASSERT_TRUE(z.ok());
    EXPECT_EQ(z->domain(), "vswitch.internal");
}

TEST(LocalZone, SetRejectsBadNamesAndForeignAddresses) {
    LocalZone z = make_zone();
    auto r = z.set(RecordSource::lease, "m1", "___", Ipv4(172, 27, 160, 10));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EINVAL);
    r = z.set(RecordSource::lease, "m1", "web", Ipv4(10, 0, 0, 1));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("outside subnet 172.27.160.0/20"), std::string::npos);
    EXPECT_EQ(z.size(), 0u);
}

TEST(LocalZone, AnswersARecordsCaseInsensitively) {
    LocalZone z = make_zone();
    ASSERT_EQ(*z.set(RecordSource::lease, "52:54:00:00:00:01", "Web", Ipv4(172, 27, 160, 10)),
              "web");
    auto a = z.answer(make_question("WEB.vswitch.INTERNAL", LDNS_RR_TYPE_A));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->rcode, LDNS_RCODE_NOERROR);
    EXPECT_EQ(answer_of(*a),
              std::vector<std::string>{"WEB.vswitch.INTERNAL. 30 IN A 172.27.160.10"});
    EXPECT_TRUE(a->authority.empty());
}

TEST(LocalZone, FollowsLeasesLive) {
    LocalZone z = make_zone();
    uint32_t s0 = z.serial();
    ASSERT_TRUE(z.set(RecordSource::lease, "m1", "web", Ipv4(172, 27, 160, 10)).ok());
    EXPECT_GT(z.serial(), s0);
    // The same lease renamed: the old name goes.
    ASSERT_TRUE(z.set(RecordSource::lease, "m1", "app", Ipv4(172, 27, 160, 11)).ok());
    EXPECT_EQ(z.answer(make_question("web.vswitch.internal", LDNS_RR_TYPE_A))->rcode,
              LDNS_RCODE_NXDOMAIN);
    EXPECT_EQ(z.addresses("app"), std::vector<Ipv4>{Ipv4(172, 27, 160, 11)});
    EXPECT_TRUE(z.remove(RecordSource::lease, "m1"));
    EXPECT_FALSE(z.remove(RecordSource::lease, "m1"));
    EXPECT_EQ(z.answer(make_question("app.vswitch.internal", LDNS_RR_TYPE_A))->rcode,
              LDNS_RCODE_NXDOMAIN);
    EXPECT_EQ(z.size(), 0u);
}

TEST(LocalZone, GuestCannotTakeTheHostsOrAVmsName) {
    LocalZone z = make_zone();
    ASSERT_TRUE(z.set(RecordSource::host, "host", "myhost", Ipv4(172, 27, 160, 1)).ok());
    ASSERT_TRUE(z.set(RecordSource::port, "tap0", "db", Ipv4(172, 27, 160, 20)).ok());
    ASSERT_TRUE(z.set(RecordSource::lease, "evil", "myhost", Ipv4(172, 27, 160, 66)).ok());
    ASSERT_TRUE(z.set(RecordSource::lease, "evil2", "db", Ipv4(172, 27, 160, 67)).ok());
    EXPECT_EQ(z.addresses("myhost"), std::vector<Ipv4>{Ipv4(172, 27, 160, 1)});
    EXPECT_EQ(z.addresses("db"), std::vector<Ipv4>{Ipv4(172, 27, 160, 20)});
    // And the losing lease leaves no PTR pointing at a name that is not its own.
    auto ptr = z.answer(make_question("66.160.27.172.in-addr.arpa", LDNS_RR_TYPE_PTR));
    ASSERT_TRUE(ptr);
    EXPECT_EQ(ptr->rcode, LDNS_RCODE_NXDOMAIN);
    // Once the host record goes, the lease's name is served.
    z.remove(RecordSource::host, "host");
    EXPECT_EQ(z.addresses("myhost"), std::vector<Ipv4>{Ipv4(172, 27, 160, 66)});
}

TEST(LocalZone, SameSourceSameNameGivesEveryAddress) {
    LocalZone z = make_zone();
    ASSERT_TRUE(z.set(RecordSource::lease, "a", "ubuntu", Ipv4(172, 27, 160, 10)).ok());
    ASSERT_TRUE(z.set(RecordSource::lease, "b", "ubuntu", Ipv4(172, 27, 160, 11)).ok());
    ASSERT_TRUE(z.set(RecordSource::port, "tap1", "vm1", Ipv4(172, 27, 160, 10)).ok());
    auto a = z.answer(make_question("ubuntu.vswitch.internal", LDNS_RR_TYPE_A));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->answer.size(), 2u);
    // PTR of .10 lists both names pointing at it, the VM name first.
    auto ptr = z.answer(make_question("10.160.27.172.in-addr.arpa", LDNS_RR_TYPE_PTR));
    ASSERT_TRUE(ptr);
    EXPECT_EQ(answer_of(*ptr), (std::vector<std::string>{
                                   "10.160.27.172.in-addr.arpa. 30 IN PTR vm1.vswitch.internal.",
                                   "10.160.27.172.in-addr.arpa. 30 IN PTR ubuntu.vswitch.internal.",
                               }));
}

TEST(LocalZone, SharedNamesAndAddressesSurviveRemovalInAnyOrder) {
    // Records sharing a label or an address are chained behind one index
    // entry; removing the head, a middle or the tail record must leave the
    // others answering, in the order they were set.
    LocalZone z = make_zone();
    const Ipv4 a10(172, 27, 160, 10), a11(172, 27, 160, 11), a12(172, 27, 160, 12);
    ASSERT_TRUE(z.set(RecordSource::lease, "a", "ubuntu", a10).ok());
    ASSERT_TRUE(z.set(RecordSource::lease, "b", "ubuntu", a11).ok());
    ASSERT_TRUE(z.set(RecordSource::lease, "c", "ubuntu", a12).ok());
    ASSERT_TRUE(z.set(RecordSource::lease, "d", "debian", a11).ok());
    EXPECT_EQ(z.addresses("ubuntu"), (std::vector<Ipv4>{a10, a11, a12}));

    EXPECT_TRUE(z.remove(RecordSource::lease, "a"));  // the head: the label index is re-keyed
    EXPECT_EQ(z.addresses("ubuntu"), (std::vector<Ipv4>{a11, a12}));
    std::array<Ipv4, 4> out{};
    EXPECT_EQ(z.leaf_addresses(*name_from_string("UBUNTU.vswitch.internal"), out), std::optional<size_t>(2));
    EXPECT_EQ(out[0], a11);

    EXPECT_TRUE(z.remove(RecordSource::lease, "b"));  // .11 keeps debian
    EXPECT_EQ(z.addresses("ubuntu"), (std::vector<Ipv4>{a12}));
    auto ptr = z.answer(make_question("11.160.27.172.in-addr.arpa", LDNS_RR_TYPE_PTR));
    ASSERT_TRUE(ptr);
    EXPECT_EQ(answer_of(*ptr), (std::vector<std::string>{
                                   "11.160.27.172.in-addr.arpa. 30 IN PTR debian.vswitch.internal.",
                               }));

    // Set again under the same owner: moves to the tail, not duplicated;
    // the very same record again (a renewal) stays where it is.
    ASSERT_TRUE(z.set(RecordSource::lease, "a", "ubuntu", a10).ok());
    EXPECT_EQ(z.addresses("ubuntu"), (std::vector<Ipv4>{a12, a10}));
    ASSERT_TRUE(z.set(RecordSource::lease, "c", "ubuntu", a12).ok());
    EXPECT_EQ(z.addresses("ubuntu"), (std::vector<Ipv4>{a12, a10}));
    ASSERT_TRUE(z.set(RecordSource::lease, "c", "ubuntu", a11).ok());
    EXPECT_EQ(z.addresses("ubuntu"), (std::vector<Ipv4>{a10, a11}));
    ASSERT_TRUE(z.set(RecordSource::lease, "c", "ubuntu", a12).ok());
    EXPECT_EQ(z.addresses("ubuntu"), (std::vector<Ipv4>{a10, a12}));

    EXPECT_TRUE(z.remove(RecordSource::lease, "c"));  // the tail
    EXPECT_TRUE(z.remove(RecordSource::lease, "a"));
    EXPECT_TRUE(z.addresses("ubuntu").empty());
    EXPECT_FALSE(z.leaf_addresses(*name_from_string("ubuntu.vswitch.internal"), out));
    EXPECT_EQ(z.addresses("debian"), (std::vector<Ipv4>{a11}));
    EXPECT_EQ(z.hosts().size(), 1u);
}

// A DHCP renewal sets the same name to the same address: nothing changes,
// so the serial stays and the daemon writes no hosts file.
TEST(LocalZone, SettingTheSameRecordAgainChangesNothing) {
    LocalZone z = make_zone();
    const Ipv4 a10(172, 27, 160, 10), a11(172, 27, 160, 11);
    ASSERT_TRUE(z.set(RecordSource::lease, "52:54:00:00:00:01", "web", a10).ok());
    const uint32_t serial = z.serial();
    for (int i = 0; i < 3; ++i) {
        auto label = z.set(RecordSource::lease, "52:54:00:00:00:01", "Web", a10);
        ASSERT_TRUE(label.ok());
        EXPECT_EQ(*label, "web");
    }
    EXPECT_EQ(z.serial(), serial);
    EXPECT_EQ(z.size(), 1u);
    ASSERT_TRUE(z.set(RecordSource::lease, "52:54:00:00:00:01", "web", a11).ok());
    EXPECT_EQ(z.serial(), serial + 1) << "a new address is a change";
    ASSERT_TRUE(z.set(RecordSource::lease, "52:54:00:00:00:01", "www", a11).ok());
    EXPECT_EQ(z.serial(), serial + 2) << "a new name is a change";
}

TEST(LocalZone, NegativeAnswersCarryTheZoneSoa) {
    LocalZone z = make_zone();
    ASSERT_TRUE(z.set(RecordSource::lease, "m", "web", Ipv4(172, 27, 160, 10)).ok());
    auto nodata = z.answer(make_question("web.vswitch.internal", LDNS_RR_TYPE_AAAA));
    ASSERT_TRUE(nodata);
    EXPECT_EQ(nodata->rcode, LDNS_RCODE_NOERROR);
    EXPECT_TRUE(nodata->answer.empty());
    ASSERT_EQ(nodata->authority.size(), 1u);
    const ldns_rr* soa = nodata->authority[0].get();
    EXPECT_EQ(ldns_rr_get_type(soa), LDNS_RR_TYPE_SOA);
    EXPECT_EQ(ldns_rr_ttl(soa), kLocalNegativeTtl);
    EXPECT_EQ(ldns_rdf2native_int32(ldns_rr_rdf(soa, 6)), kLocalNegativeTtl);
    EXPECT_EQ(ldns_rdf2native_int32(ldns_rr_rdf(soa, 2)), z.serial());

    auto nx = z.answer(make_question("nope.vswitch.internal", LDNS_RR_TYPE_A));
    ASSERT_TRUE(nx);
    EXPECT_EQ(nx->rcode, LDNS_RCODE_NXDOMAIN);
    ASSERT_EQ(nx->authority.size(), 1u);
    EXPECT_EQ(ldns_rr_get_type(nx->authority[0].get()), LDNS_RR_TYPE_SOA);

    auto below = z.answer(make_question("x.web.vswitch.internal", LDNS_RR_TYPE_A));
    ASSERT_TRUE(below);
    EXPECT_EQ(below->rcode, LDNS_RCODE_NXDOMAIN);
}

TEST(LocalZone, ApexAnswersSoaAndNodataOtherwise) {
    LocalZone z = make_zone();
    auto soa = z.answer(make_question("vswitch.internal", LDNS_RR_TYPE_SOA));
    ASSERT_TRUE(soa);
    ASSERT_EQ(soa->answer.size(), 1u);
    EXPECT_EQ(ldns_rr_get_type(soa->answer[0].get()), LDNS_RR_TYPE_SOA);
    auto a = z.answer(make_question("vswitch.internal", LDNS_RR_TYPE_A));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->rcode, LDNS_RCODE_NOERROR);
    EXPECT_TRUE(a->answer.empty());
    EXPECT_EQ(a->authority.size(), 1u);
}

TEST(LocalZone, ReverseAnswersOnlyInsideTheSubnet) {
    LocalZone z = make_zone();
    ASSERT_TRUE(z.set(RecordSource::host, "host", "myhost", Ipv4(172, 27, 160, 1)).ok());
    auto ptr = z.answer(make_question("1.160.27.172.IN-ADDR.ARPA", LDNS_RR_TYPE_PTR));
    ASSERT_TRUE(ptr);
    EXPECT_EQ(
        answer_of(*ptr),
        std::vector<std::string>{"1.160.27.172.IN-ADDR.ARPA. 30 IN PTR myhost.vswitch.internal."});

    auto unknown = z.answer(make_question("2.175.27.172.in-addr.arpa", LDNS_RR_TYPE_PTR));
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->rcode, LDNS_RCODE_NXDOMAIN);
    ASSERT_EQ(unknown->authority.size(), 1u);
    char* owner = ldns_rdf2str(ldns_rr_owner(unknown->authority[0].get()));
    EXPECT_STREQ(owner, "27.172.in-addr.arpa.");
    std::free(owner);

    // Outside the /20 but inside its /16 zone, and outside the zone: not ours.
    EXPECT_FALSE(z.answer(make_question("1.176.27.172.in-addr.arpa", LDNS_RR_TYPE_PTR)));
    EXPECT_FALSE(z.answer(make_question("1.0.168.192.in-addr.arpa", LDNS_RR_TYPE_PTR)));
    EXPECT_FALSE(z.answer(make_question("27.172.in-addr.arpa", LDNS_RR_TYPE_SOA)));
    // An empty non-terminal inside the subnet: NODATA.
    auto ent = z.answer(make_question("161.27.172.in-addr.arpa", LDNS_RR_TYPE_PTR));
    ASSERT_TRUE(ent);
    EXPECT_EQ(ent->rcode, LDNS_RCODE_NOERROR);
    EXPECT_TRUE(ent->answer.empty());
    // Names no address has, inside the subnet's space: NXDOMAIN.
    for (const char* n : {"x.1.160.27.172.in-addr.arpa", "01.160.27.172.in-addr.arpa",
                          "256.160.27.172.in-addr.arpa", "foo.160.27.172.in-addr.arpa"}) {
        auto a = z.answer(make_question(n, LDNS_RR_TYPE_PTR));
        ASSERT_TRUE(a) << n;
        EXPECT_EQ(a->rcode, LDNS_RCODE_NXDOMAIN) << n;
    }
    // A known address asked for another type: NODATA.
    auto nodata = z.answer(make_question("1.160.27.172.in-addr.arpa", LDNS_RR_TYPE_A));
    ASSERT_TRUE(nodata);
    EXPECT_EQ(nodata->rcode, LDNS_RCODE_NOERROR);
    EXPECT_TRUE(nodata->answer.empty());
}

TEST(LocalZone, ReverseZoneOfAWholeOctetSubnetHasItsApex) {
    auto z = LocalZone::create("lab.test", *Ipv4Prefix::parse("192.168.7.0/24"));
    ASSERT_TRUE(z.ok());
    auto soa = z->answer(make_question("7.168.192.in-addr.arpa", LDNS_RR_TYPE_SOA));
    ASSERT_TRUE(soa);
    ASSERT_EQ(soa->answer.size(), 1u);
    EXPECT_EQ(ldns_rr_get_type(soa->answer[0].get()), LDNS_RR_TYPE_SOA);
    EXPECT_FALSE(z->answer(make_question("8.168.192.in-addr.arpa", LDNS_RR_TYPE_SOA)));
}

TEST(LocalZone, OtherClassesAndNamesAreNotLocal) {
    LocalZone z = make_zone();
    EXPECT_FALSE(z.answer(make_question("example.com", LDNS_RR_TYPE_A)));
    EXPECT_FALSE(z.answer(make_question("internal", LDNS_RR_TYPE_A)));
    EXPECT_FALSE(z.answer(make_question("xvswitch.internal", LDNS_RR_TYPE_A)));
    EXPECT_FALSE(z.answer(make_question("web.vswitch.internal", LDNS_RR_TYPE_A, LDNS_RR_CLASS_CH)));
}

TEST(LocalZone, HostsListsWinningNamesByAddress) {
    LocalZone z = make_zone();
    ASSERT_TRUE(z.set(RecordSource::lease, "b", "web", Ipv4(172, 27, 160, 20)).ok());
    ASSERT_TRUE(z.set(RecordSource::host, "host", "myhost", Ipv4(172, 27, 160, 1)).ok());
    ASSERT_TRUE(z.set(RecordSource::lease, "c", "myhost", Ipv4(172, 27, 160, 30)).ok());
    auto hosts = z.hosts();
    ASSERT_EQ(hosts.size(), 2u);
    EXPECT_EQ(hosts[0].address, Ipv4(172, 27, 160, 1));
    EXPECT_EQ(hosts[0].fqdn, "myhost.vswitch.internal");
    EXPECT_EQ(hosts[1].address, Ipv4(172, 27, 160, 20));
    EXPECT_EQ(hosts[1].fqdn, "web.vswitch.internal");
}

TEST(LocalZone, RefusesRecordsPastTheCap) {
    LocalZone z = make_zone();
    for (size_t i = 0; i < kMaxLocalRecords; ++i)
        ASSERT_TRUE(z.set(RecordSource::lease, std::to_string(i), "h" + std::to_string(i),
                          Ipv4(172, 27, 160, uint8_t(2 + i % 200)))
                        .ok());
    auto r = z.set(RecordSource::lease, "one-more", "x", Ipv4(172, 27, 160, 5));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, E2BIG);
    // Replacing an existing owner's record still works when full.
    EXPECT_TRUE(z.set(RecordSource::lease, "0", "renamed", Ipv4(172, 27, 160, 5)).ok());
}

TEST(LocalZone, LeafAddressesReadsWireNamesInAnyCase) {
    auto z = *LocalZone::create("vswitch.internal", *Ipv4Prefix::parse("172.27.160.0/20"));
    ASSERT_TRUE(z.set(RecordSource::lease, "a", "web", Ipv4(172, 27, 160, 10)).ok());
    ASSERT_TRUE(z.set(RecordSource::lease, "b", "web", Ipv4(172, 27, 160, 11)).ok());
    std::array<Ipv4, 4> out{};
    auto n = z.leaf_addresses(*name_from_string("WEB.VSwitch.internal"), out);
    ASSERT_TRUE(n);
    ASSERT_EQ(*n, 2u);
    std::vector<Ipv4> got(out.begin(), out.begin() + 2);
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<Ipv4>{Ipv4(172, 27, 160, 10), Ipv4(172, 27, 160, 11)}));

    EXPECT_FALSE(z.leaf_addresses(*name_from_string("nope.vswitch.internal"), out));
    EXPECT_FALSE(z.leaf_addresses(*name_from_string("a.web.vswitch.internal"), out));
    EXPECT_FALSE(z.leaf_addresses(*name_from_string("web.vswitch.other"), out));
    EXPECT_FALSE(z.leaf_addresses(*name_from_string("vswitch.internal"), out));
    std::array<Ipv4, 1> one{};
    EXPECT_FALSE(z.leaf_addresses(*name_from_string("web.vswitch.internal"), one));  // does not fit

    // A removed record is gone from the index the fast path reads.
    ASSERT_TRUE(z.remove(RecordSource::lease, "a"));
    n = z.leaf_addresses(*name_from_string("web.vswitch.internal"), out);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 1u);
    EXPECT_EQ(out[0], Ipv4(172, 27, 160, 11));
}
