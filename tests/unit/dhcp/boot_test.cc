// Network boot: which clients get siaddr/sname/file and options 66/67, and
// what they get, through whole exchanges with ServerCore and the wire
// format both ways (a captured iPXE DISCOVER among the clients).
#include "libvswitch/dhcp/boot.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "libvswitch/dhcp/server_core.h"
#include "tests/unit/dhcp/test_util.h"

using namespace vswitch;
using namespace vswitch::dhcp;
using namespace std::chrono_literals;

namespace {

const Clock::time_point t0{std::chrono::seconds(1'800'000'000)};
const Ipv4 kGateway(172, 27, 160, 1);
constexpr std::string_view kIpxeScript = "http://203.0.113.10/boot.ipxe";
constexpr std::string_view kPxeFile = "undionly.kpxe";

BootConfig boot(std::string server = "192.0.2.7", std::string file = std::string(kPxeFile),
                std::string ipxe = std::string(kIpxeScript)) {
    return BootConfig{std::move(server), std::move(file), std::move(ipxe)};
}

ServerCore make_server(BootConfig b = boot()) {
    ServerConfig c;
    c.subnet = *Ipv4Prefix::parse("172.27.160.0/20");
    c.domain = "vswitch.internal";
    c.lease_time = 3600s;
    c.boot = std::move(b);
    auto s = ServerCore::create(std::move(c));
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::move(s).value();
}

Message client(MessageType type, uint8_t n) {
    Message m;
    m.xid = 7;
    m.set_mac(Mac({0x52, 0x54, 0x00, 0x00, 0x00, n}));
    m.options.set_message_type(type);
    return m;
}

// What a PXE 2.1 ROM sends: vendor class "PXEClient:...", no user class.
Message pxe_rom(MessageType type, uint8_t n = 1) {
    Message m = client(type, n);
    m.options.set_text(OptionCode::vendor_class, "PXEClient:Arch:00000:UNDI:002001");
    const std::vector<uint8_t> prl{1, 3, 6, 43, 60, 66, 67, 128};
    m.options.set(OptionCode::parameter_request_list, prl);
    return m;
}

Message ipxe_discover() {
    auto m = Message::parse(test::load_hex("dhcp/ipxe-discover.hex"));
    EXPECT_TRUE(m.ok()) << m.error().message;
    return *m;
}

// The reply as the client sees it: built, then parsed back.
Message on_the_wire(const Decision& d) {
    EXPECT_NE(d.kind, DecisionKind::ignore);
    auto m = Message::parse(d.build());
    EXPECT_TRUE(m.ok()) << m.error().message;
    return *m;
}

size_t position(const Message& m, OptionCode code) {
    const auto& items = m.options.items();
    auto it =
        std::find_if(items.begin(), items.end(), [&](const auto& o) { return o.code == code; });
    return size_t(it - items.begin());
}

}  // namespace

TEST(DhcpBoot, TellsBootClientsFromOrdinaryOnes) {
    EXPECT_EQ(boot_client_of(ipxe_discover()), BootClient::ipxe);  // 77 "iPXE" and 175
    EXPECT_EQ(boot_client_of(pxe_rom(MessageType::discover)), BootClient::pxe);

    Message only_175 = client(MessageType::discover, 2);
    only_175.options.set(OptionCode::ipxe_encapsulated, {0xb1, 0x05, 0x01, 0x1a, 0xf4, 0x10, 0x00});
    EXPECT_EQ(boot_client_of(only_175), BootClient::ipxe);
    Message rfc3004 = client(MessageType::discover, 3);  // two classes, each with its length
    rfc3004.options.set(OptionCode::user_class, {3, 'f', 'o', 'o', 4, 'i', 'P', 'X', 'E'});
    EXPECT_EQ(boot_client_of(rfc3004), BootClient::ipxe);
    Message asks_67 = client(MessageType::discover, 4);  // e.g. a UEFI PXE stack's list
    asks_67.options.set(OptionCode::parameter_request_list, {1, 3, 67});
    EXPECT_EQ(boot_client_of(asks_67), BootClient::pxe);

    for (const char* file :
         {"dhcp/udhcpc-discover.hex", "dhcp/dhclient-discover.hex", "dhcp/dhcpcd-discover.hex"}) {
        auto m = Message::parse(test::load_hex(file));
        ASSERT_TRUE(m.ok()) << file;
        EXPECT_EQ(boot_client_of(*m), BootClient::none) << file;
    }
    Message other_class = client(MessageType::discover, 5);
    other_class.options.set_text(OptionCode::user_class, "iPXE-ish");
    other_class.options.set_text(OptionCode::vendor_class, "MSFT 5.0");
    EXPECT_EQ(boot_client_of(other_class), BootClient::none);
    Message truncated_list = client(MessageType::discover, 6);  // RFC 3004 length past the end
    truncated_list.options.set(OptionCode::user_class, {9, 'i', 'P', 'X', 'E'});
    EXPECT_EQ(boot_client_of(truncated_list), BootClient::none);
}

TEST(DhcpBoot, PxeClientGetsSiaddrFileAndOptions66And67InOfferAndAck) {
    ServerCore s = make_server();
    Message offer = on_the_wire(s.handle(pxe_rom(MessageType::discover), t0));
    EXPECT_EQ(offer.type(), MessageType::offer);
    EXPECT_EQ(offer.siaddr, Ipv4(192, 0, 2, 7));
    EXPECT_EQ(offer.file, kPxeFile);
    EXPECT_EQ(offer.sname, "192.0.2.7");
    EXPECT_EQ(offer.options.text(OptionCode::tftp_server_name), "192.0.2.7");
    EXPECT_EQ(offer.options.text(OptionCode::bootfile_name), kPxeFile);
    // RFC 2132 §9.8: in the order of the client's request list (66 before 67).
    EXPECT_LT(position(offer, OptionCode::tftp_server_name),
              position(offer, OptionCode::bootfile_name));

    Message request = pxe_rom(MessageType::request);
    request.options.set_address(OptionCode::server_id, kGateway);
    request.options.set_address(OptionCode::requested_address, offer.yiaddr);
    Message ack = on_the_wire(s.handle(request, t0 + 1s));
    EXPECT_EQ(ack.type(), MessageType::ack);
    EXPECT_EQ(ack.siaddr, Ipv4(192, 0, 2, 7));
    EXPECT_EQ(ack.file, kPxeFile);
    EXPECT_EQ(ack.options.text(OptionCode::bootfile_name), kPxeFile);
    EXPECT_FALSE(ack.options.has(OptionCode::ipxe_encapsulated));  // iPXE's own, for iPXE only
}

TEST(DhcpBoot, CapturedIpxeDiscoverGetsTheIpxeFile) {
    ServerCore s = make_server();
    Decision d = s.handle(ipxe_discover(), t0);
    Message offer = on_the_wire(d);
    EXPECT_EQ(offer.file, kIpxeScript);
    EXPECT_EQ(offer.options.text(OptionCode::bootfile_name), kIpxeScript);
    EXPECT_EQ(offer.siaddr, Ipv4(192, 0, 2, 7));
    EXPECT_TRUE(s.pool().in_range(offer.yiaddr));
    // 175.176 = 1: iPXE takes this offer without waiting for a ProxyDHCP.
    ASSERT_TRUE(offer.options.has(OptionCode::ipxe_encapsulated));
    EXPECT_EQ(*offer.options.find(OptionCode::ipxe_encapsulated),
              (std::vector<uint8_t>{176, 1, 1}));
    // The rest of the reply is what any client gets.
    EXPECT_EQ(offer.options.addresses(OptionCode::router), std::vector<Ipv4>{kGateway});
    EXPECT_EQ(offer.options.addresses(OptionCode::dns_server), std::vector<Ipv4>{kGateway});
}

TEST(DhcpBoot, IpxeClientGetsBootFileWhenNoIpxeFileIsSet) {
    ServerCore s = make_server(boot("", "http://boot.example/menu.ipxe", ""));
    Message offer = on_the_wire(s.handle(ipxe_discover(), t0));
    EXPECT_EQ(offer.file, "http://boot.example/menu.ipxe");
    EXPECT_TRUE(offer.siaddr.is_zero());
    EXPECT_FALSE(offer.options.has(OptionCode::tftp_server_name));
    EXPECT_EQ(offer.sname, "");
}

TEST(DhcpBoot, OrdinaryClientsGetNoneOfTheBootFields) {
    ServerCore s = make_server();
    for (const char* file :
         {"dhcp/udhcpc-discover.hex", "dhcp/dhclient-discover.hex", "dhcp/dhcpcd-discover.hex"}) {
        Message offer = on_the_wire(s.handle_packet(test::load_hex(file), t0));
        EXPECT_TRUE(offer.siaddr.is_zero()) << file;
        EXPECT_EQ(offer.file, "") << file;
        EXPECT_EQ(offer.sname, "") << file;
        EXPECT_FALSE(offer.options.has(OptionCode::tftp_server_name)) << file;
        EXPECT_FALSE(offer.options.has(OptionCode::bootfile_name)) << file;
        EXPECT_FALSE(offer.options.has(OptionCode::ipxe_encapsulated)) << file;
    }
    // INFORM from an ordinary client: parameters, still no boot fields.
    Message inform = client(MessageType::inform, 9);
    inform.ciaddr = Ipv4(172, 27, 160, 50);
    Message ack = on_the_wire(s.handle(inform, t0));
    EXPECT_FALSE(ack.options.has(OptionCode::bootfile_name));
    EXPECT_EQ(ack.file, "");
}

TEST(DhcpBoot, WithoutBootConfigBootClientsGetNothingExtra) {
    ServerCore s = make_server(BootConfig{});
    Message offer = on_the_wire(s.handle(ipxe_discover(), t0));
    EXPECT_TRUE(offer.siaddr.is_zero());
    EXPECT_EQ(offer.file, "");
    EXPECT_FALSE(offer.options.has(OptionCode::tftp_server_name));
    EXPECT_FALSE(offer.options.has(OptionCode::bootfile_name));
    EXPECT_FALSE(offer.options.has(OptionCode::ipxe_encapsulated));  // may wait for a ProxyDHCP
    // A server but no file: iPXE still waits for whoever names one.
    ServerCore server_only = make_server(boot("192.0.2.7", "", ""));
    Message o = on_the_wire(server_only.handle(ipxe_discover(), t0));
    EXPECT_EQ(o.siaddr, Ipv4(192, 0, 2, 7));
    EXPECT_FALSE(o.options.has(OptionCode::ipxe_encapsulated));
}

TEST(DhcpBoot, HostNameServerGoesInOption66AndSnameNotSiaddr) {
    ServerCore s = make_server(boot("tftp.example.org", "pxelinux.0", ""));
    Message offer = on_the_wire(s.handle(pxe_rom(MessageType::discover), t0));
    EXPECT_TRUE(offer.siaddr.is_zero());
    EXPECT_EQ(offer.sname, "tftp.example.org");
    EXPECT_EQ(offer.options.text(OptionCode::tftp_server_name), "tftp.example.org");
    EXPECT_EQ(offer.file, "pxelinux.0");
}

TEST(DhcpBoot, ValuesLongerThanTheFieldsTravelOnlyInTheOptions) {
    // 127 bytes fit the file field with its NUL; 128 do not, and are never cut.
    std::string fits = "http://203.0.113.10/" + std::string(107, 'f');
    std::string longer = "http://203.0.113.10/" + std::string(200, 'l');
    std::string server = std::string(60, 'a') + "." + std::string(60, 'b') + ".example";
    ASSERT_EQ(fits.size(), kFileFieldText);
    ServerCore s = make_server(boot(server, fits, longer));

    Message pxe = on_the_wire(s.handle(pxe_rom(MessageType::discover), t0));
    EXPECT_EQ(pxe.file, fits);
    EXPECT_EQ(pxe.options.text(OptionCode::bootfile_name), fits);
    EXPECT_EQ(pxe.sname, "");  // 129 bytes: option 66 only
    EXPECT_EQ(pxe.options.text(OptionCode::tftp_server_name), server);

    Message ipxe = on_the_wire(s.handle(ipxe_discover(), t0));
    EXPECT_EQ(ipxe.file, "");
    EXPECT_EQ(ipxe.options.text(OptionCode::bootfile_name), longer);

    std::string fits_plus_one = fits + "x";
    ServerCore s2 = make_server(boot("", fits_plus_one, ""));
    Message cut = on_the_wire(s2.handle(pxe_rom(MessageType::discover, 2), t0));
    EXPECT_EQ(cut.file, "");
    EXPECT_EQ(cut.options.text(OptionCode::bootfile_name), fits_plus_one);
}

TEST(DhcpBoot, RefusesBootConfigsThatCannotBeSent) {
    auto refused = [](BootConfig b, int code, std::string_view needle) {
        ServerConfig c;
        c.subnet = *Ipv4Prefix::parse("172.27.160.0/20");
        c.boot = std::move(b);
        auto s = ServerCore::create(std::move(c));
        ASSERT_FALSE(s.ok());
        EXPECT_EQ(s.error().code, code) << s.error().message;
        EXPECT_NE(s.error().message.find(needle), std::string::npos) << s.error().message;
    };
    refused(boot("", std::string(256, 'x'), ""), E2BIG, "longer than 255");
    refused(boot("", "", "http://a/b c"), EINVAL, "iPXE boot file 'http://a/b c'");
    refused(boot("", "bad\x01name", ""), EINVAL, "printable ASCII");
    refused(boot("1.2.3.256", "", ""), EINVAL, "not an IPv4 address");
    refused(boot("0.0.0.0", "", ""), EINVAL, "unicast");
    refused(boot("224.0.0.1", "", ""), EINVAL, "unicast");
    refused(boot("under_score.example", "", ""), EINVAL, "host name");
    refused(boot("a..b", "", ""), EINVAL, "empty label");
    refused(boot(std::string(300, 'a'), "", ""), E2BIG, "longer than 253");
    EXPECT_TRUE(check_boot_config(boot("boot-1.example.org", std::string(255, 'x'), "")).ok());
}
