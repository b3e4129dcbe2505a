#include "libvswitch/config/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "libvswitch/base/file.h"

using namespace vswitch;

namespace {

Ipv4Prefix prefix(const char* s) {
    auto p = Ipv4Prefix::parse(s);
    EXPECT_TRUE(p.ok()) << s;
    return p.ok() ? *p : Ipv4Prefix{};
}

// Asserts r failed with exactly "<path>:<line>: ..." and that the reason
// contains every needle (the offending value, the rule it broke).
template <class T>
void expect_error(const Result<T>& r, const std::string& path, size_t line,
                  std::initializer_list<std::string_view> needles) {
    ASSERT_FALSE(r.ok()) << "expected an error at " << path << ":" << line;
    const std::string& m = r.error().message;
    std::string head = path + ":" + std::to_string(line) + ": ";
    EXPECT_EQ(m.substr(0, head.size()), head) << m;
    EXPECT_GT(m.size(), head.size()) << "no reason given";
    for (auto n : needles) EXPECT_NE(m.find(n), std::string::npos) << m << "\n  lacks: " << n;
}

// A temporary directory, removed with everything in it.
class TempDir {
public:
    TempDir() {
        char tmpl[] = "/tmp/vswitch-config-test-XXXXXX";
        const char* d = ::mkdtemp(tmpl);
        path_ = d ? d : "";
    }
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }
    std::string write(const std::string& rel, std::string_view text) const {
        std::string p = path_ + "/" + rel;
        EXPECT_TRUE(write_file_atomic(p, text).ok()) << p;
        return p;
    }

private:
    std::string path_;
};

const char* const kMain = "/etc/vswitch/vswitchd.conf";
const char* const kLab = "/etc/vswitch/switches.d/lab.switch";

}  // namespace

TEST(SwitchType, PrintsAndParsesEveryType) {
    for (SwitchType t : {SwitchType::nat, SwitchType::internal, SwitchType::private_, SwitchType::external}) {
        auto back = parse_switch_type(to_string(t));
        ASSERT_TRUE(back.ok()) << to_string(t);
        EXPECT_EQ(*back, t);
    }
    EXPECT_EQ(to_string(SwitchType::private_), "private");
    EXPECT_EQ(to_string(SwitchType::external), "external");
    EXPECT_FALSE(parse_switch_type("NAT").ok());
    EXPECT_FALSE(parse_switch_type("private_").ok());
}

TEST(ConfigMain, EmptyFileGivesTheDefaults) {
    auto c = parse_main_config("", kMain);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->name, "Default");
    EXPECT_EQ(c->type, SwitchType::nat);
    EXPECT_EQ(c->bridge, "vswitch0");
    EXPECT_EQ(c->subnet_pool, prefix("172.16.0.0/12"));
    EXPECT_EQ(c->prefix_length, 20);
    EXPECT_FALSE(c->subnet.has_value());
    EXPECT_TRUE(c->exclude_subnets.empty());
    EXPECT_EQ(c->domain, "vswitch.internal");
    EXPECT_EQ(c->lease_time_sec, 86400u);
    EXPECT_FALSE(c->mtu.has_value());
    EXPECT_TRUE(c->renumber_on_conflict);
    EXPECT_FALSE(c->fix_foreign_firewall);
    EXPECT_EQ(c->source, kMain);

    auto section_only = parse_main_config("[Switch]\n", kMain);
    ASSERT_TRUE(section_only.ok());
    EXPECT_EQ(*section_only, *c);
}

TEST(ConfigMain, ParsesEveryKey) {
    auto c = parse_main_config(
        "[Switch]\n"
        "Bridge=br-vm\n"
        "SubnetPool=10.64.0.0/10\n"
        "PrefixLength=24\n"
        "Subnet=192.168.77.0/24\n"
        "ExcludeSubnet=10.64.0.0/16\n"
        "Domain=VMs.Example.ORG\n"
        "LeaseTimeSec=3600\n"
        "MaxLeasesPerPort=500\n"
        "MTU=9000\n"
        "RenumberOnConflict=no\n"
        "FixForeignFirewall=yes\n",
        kMain);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->name, "Default");
    EXPECT_FALSE(c->renumber_on_conflict);
    EXPECT_TRUE(c->fix_foreign_firewall);
    EXPECT_EQ(c->bridge, "br-vm");
    EXPECT_EQ(c->subnet_pool, prefix("10.64.0.0/10"));
    EXPECT_EQ(c->prefix_length, 24);
    EXPECT_EQ(c->subnet, prefix("192.168.77.0/24"));
    EXPECT_EQ(c->exclude_subnets, std::vector<Ipv4Prefix>{prefix("10.64.0.0/16")});
    EXPECT_EQ(c->domain, "vms.example.org");
    EXPECT_EQ(c->lease_time_sec, 3600u);
    EXPECT_EQ(c->max_leases_per_port, 500u);
    EXPECT_EQ(c->mtu, 9000u);
}

TEST(ConfigMain, TheDesignExampleParses) {
    // The annotated block of DESIGN.md "Configuration", copied as is.
    auto c = parse_main_config(
        "# /etc/vswitch/vswitchd.conf — every key optional\n"
        "[Switch]                     # the Default switch\n"
        "Bridge=vswitch0\n"
        "SubnetPool=172.16.0.0/12     # where the per-boot /PrefixLength is drawn\n"
        "PrefixLength=20\n"
        "Subnet=                      # pin a subnet (disables per-boot randomisation)\n"
        "ExcludeSubnet=               # never pick these (repeatable)\n"
        "Domain=vswitch.internal\n"
        "LeaseTimeSec=86400\n"
        "MTU=                         # default: the bridge's\n",
        kMain);
    ASSERT_TRUE(c.ok()) << c.error().message;
    auto defaults = parse_main_config("", kMain);
    ASSERT_TRUE(defaults.ok());
    EXPECT_EQ(*c, *defaults);
}

TEST(ConfigSyntax, IgnoresCommentsBlankLinesAndSurroundingWhitespace) {
    auto c = parse_main_config(
        "# comment\n"
        "; another comment\n"
        "\n"
        "   \t\n"
        "  [Switch]  \r\n"
        "  # indented comment\n"
        "\tBridge \t=  br0 \t\r\n"
        "LeaseTimeSec= 600\n"
        "MTU =1400",  // no final newline
        kMain);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->bridge, "br0");
    EXPECT_EQ(c->lease_time_sec, 600u);
    EXPECT_EQ(c->mtu, 1400u);
}

TEST(ConfigSyntax, HashWithoutWhitespaceBeforeItIsPartOfTheValue) {
    auto c = parse_main_config("[Switch]\nBridge=br#1\n", kMain);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->bridge, "br#1");
    // ';' only starts a comment at the start of a line, as in systemd.
    expect_error(parse_main_config("[Switch]\nMTU=1400 ; jumbo\n", kMain), kMain, 2,
                 {"MTU", "'1400 ; jumbo'"});
}

TEST(ConfigSyntax, LastAssignmentWins) {
    auto c = parse_main_config("[Switch]\nMTU=1400\nBridge=a\nMTU=1500\nBridge=b\n", kMain);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->mtu, 1500u);
    EXPECT_EQ(c->bridge, "b");
}

TEST(ConfigSyntax, EmptyAssignmentRestoresTheDefault) {
    auto c = parse_main_config(
        "[Switch]\n"
        "Bridge=br0\nBridge=\n"
        "SubnetPool=10.0.0.0/8\nSubnetPool=\n"
        "PrefixLength=24\nPrefixLength=\n"
        "Subnet=10.1.0.0/24\nSubnet=\n"
        "Domain=lan\nDomain=\n"
        "LeaseTimeSec=600\nLeaseTimeSec=\n"
        "MTU=1400\nMTU=\n",
        kMain);
    ASSERT_TRUE(c.ok()) << c.error().message;
    auto defaults = parse_main_config("", kMain);
    ASSERT_TRUE(defaults.ok());
    EXPECT_EQ(*c, *defaults);
}

TEST(ConfigSyntax, ExcludeSubnetAccumulatesAndEmptyAssignmentResets) {
    auto c = parse_main_config(
        "[Switch]\n"
        "ExcludeSubnet=10.0.0.0/8\n"
        "ExcludeSubnet=\n"
        "ExcludeSubnet=172.16.0.0/16\n"
        "ExcludeSubnet=172.17.0.0/16   172.18.5.0/24\t172.31.255.255/32\n",
        kMain);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->exclude_subnets,
              (std::vector<Ipv4Prefix>{prefix("172.16.0.0/16"), prefix("172.17.0.0/16"),
                                       prefix("172.18.5.0/24"), prefix("172.31.255.255/32")}));
}

TEST(ConfigSyntax, ExcludeSubnetCountIsLimited) {
    std::string text = "[Switch]\n";
    for (size_t i = 0; i < kMaxExcludeSubnets; ++i)
        text += "ExcludeSubnet=10." + std::to_string(i / 256) + "." + std::to_string(i % 256) +
                ".0/24\n";
    auto ok = parse_main_config(text, kMain);
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(ok->exclude_subnets.size(), kMaxExcludeSubnets);
    text += "ExcludeSubnet=192.168.0.0/16\n";
    auto r = parse_main_config(text, kMain);
    expect_error(r, kMain, kMaxExcludeSubnets + 2, {"too many ExcludeSubnet"});
    EXPECT_EQ(r.error().code, E2BIG);
}

TEST(ConfigSyntax, KeysAndSectionsAreCaseSensitive) {
    expect_error(parse_main_config("[Switch]\nbridge=br0\n", kMain), kMain, 2,
                 {"unknown key 'bridge'", "did you mean 'Bridge'"});
    expect_error(parse_main_config("[switch]\n", kMain), kMain, 1, {"unknown section [switch]"});
}

TEST(ConfigSyntax, RefusesStructuralErrorsWithTheirLine) {
    struct Case {
        const char* text;
        size_t line;
        std::vector<std::string_view> needles;
    };
    const Case cases[] = {
        {"Bridge=br0\n[Switch]\n", 1, {"'Bridge'", "before any section"}},
        {"# c\n[Network]\nFoo=1\n", 2, {"unknown section [Network]"}},
        {"[Switch]\nFoo=1\n", 2, {"unknown key 'Foo'", "[Switch]"}},
        {"[Switch]\n\nBridge\n", 3, {"expected Key=Value", "'Bridge'"}},
        {"[Switch]\n=br0\n", 2, {"missing key"}},
        {"[Switch\n", 1, {"invalid section header", "'[Switch'"}},
        {"[Switch]\nMTU=1400\n[Switch]\n", 3, {"second [Switch]", "switches.d"}},
        {"[Switch]\nBridge=br\x01x\n", 2, {"control character 0x01"}},
        {"[Switch]\nBridge=br\rx\n", 2, {"control character 0x0d"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        auto r = parse_main_config(c.text, kMain);
        ASSERT_FALSE(r.ok());
        for (auto n : c.needles) expect_error(r, kMain, c.line, {n});
    }
}

TEST(ConfigSyntax, RefusesNulBytesLongLinesAndHugeFiles) {
    std::string nul = "[Switch]\nBridge=br0\n# x";
    nul += '\0';
    nul += "y\n";
    expect_error(parse_main_config(nul, kMain), kMain, 3, {"NUL byte"});

    std::string line(kMaxConfigLineLength - 1, '#');
    auto fits = parse_main_config("[Switch]\n#" + line + "\n", kMain);
    EXPECT_TRUE(fits.ok()) << fits.error().message;
    auto long_line = parse_main_config("[Switch]\n##" + line + "\n", kMain);
    expect_error(long_line, kMain, 2, {"longer than 4096 bytes"});
    EXPECT_EQ(long_line.error().code, E2BIG);

    std::string huge(kMaxConfigFileSize + 1, '\n');
    auto big = parse_main_config(huge, kMain);
    expect_error(big, kMain, 1, {"larger than 1048576 bytes"});
    EXPECT_EQ(big.error().code, E2BIG);
}

TEST(ConfigMain, RefusesNameAndTypeWithAReason) {
    expect_error(parse_main_config("[Switch]\nName=Default\n", kMain), kMain, 2,
                 {"Name= is not allowed in vswitchd.conf", "'Default'"});
    expect_error(parse_main_config("[Switch]\nMTU=1400\nType=nat\n", kMain), kMain, 3,
                 {"Type= is not allowed in vswitchd.conf", "nat"});
}

// Each bad value: its line, the key and the value in the reason, and why.
TEST(ConfigMain, RefusesBadValuesNamingThem) {
    struct Case {
        std::string line;
        std::vector<std::string_view> needles;
    };
    const Case cases[] = {
        {"Bridge=0123456789abcdef", {"Bridge", "'0123456789abcdef'", "longer than 15"}},
        {"Bridge=a/b", {"Bridge", "'a/b'", "'/'"}},
        {"Bridge=a:b", {"'a:b'", "':'"}},
        {"Bridge=a b", {"'a b'", "' '"}},
        {"Bridge=vs%d", {"'vs%d'", "'%'"}},
        {"Bridge=br-\xc3\xbc", {"Bridge", "0xc3", "not printable ASCII"}},
        {"Bridge=.", {"'.'", "not an interface name"}},
        {"Bridge=..", {"'..'", "not an interface name"}},
        {"SubnetPool=172.16.0.1/12", {"SubnetPool", "'172.16.0.1/12'", "host bits"}},
        {"SubnetPool=172.16.0.0", {"SubnetPool", "'172.16.0.0'", "not a prefix"}},
        {"SubnetPool=127.0.0.0/8", {"SubnetPool", "loopback"}},
        {"SubnetPool=0.0.0.0/0", {"SubnetPool", "'0.0.0.0/0'", "this network"}},
        {"PrefixLength=7", {"PrefixLength", "'7'", "between 8 and 30"}},
        {"PrefixLength=31", {"PrefixLength", "'31'", "between 8 and 30"}},
        {"PrefixLength=/20", {"PrefixLength", "'/20'", "not a decimal"}},
        {"PrefixLength=99999999999999999999999", {"PrefixLength", "between 8 and 30"}},
        {"Subnet=10.1.2.3/24", {"Subnet", "'10.1.2.3/24'", "host bits", "10.1.2.0/24"}},
        {"Subnet=10.0.0.0/7", {"Subnet", "'10.0.0.0/7'", "between 8 and 30"}},
        {"Subnet=10.0.0.0/31", {"Subnet", "'10.0.0.0/31'", "between 8 and 30"}},
        {"Subnet=0.0.0.0/20", {"Subnet", "'0.0.0.0/20'", "this network"}},
        {"Subnet=127.0.0.0/24", {"Subnet", "'127.0.0.0/24'", "loopback"}},
        {"Subnet=224.0.1.0/24", {"Subnet", "'224.0.1.0/24'", "multicast"}},
        {"Subnet=240.0.0.0/20", {"Subnet", "'240.0.0.0/20'", "class E"}},
        {"Subnet=10.0.0.0/24 10.1.0.0/24", {"Subnet", "'10.0.0.0/24 10.1.0.0/24'"}},
        {"ExcludeSubnet=10.0.0.0/8 10.1.0.1/24", {"ExcludeSubnet", "'10.1.0.1/24'", "host bits"}},
        {"ExcludeSubnet=nonsense", {"ExcludeSubnet", "'nonsense'"}},
        {"Domain=-bad.example", {"Domain", "'-bad.example'", "'-bad'", "'-'"}},
        {"Domain=bad-.example", {"Domain", "'bad-'"}},
        {"Domain=a..b", {"Domain", "'a..b'", "empty label"}},
        {"Domain=.", {"Domain", "'.'", "no label"}},
        {"Domain=under_score.lan", {"Domain", "'under_score.lan'", "'_'"}},
        {"Domain=" + std::string(64, 'a') + ".lan", {"Domain", "longer than 63"}},
        {"Domain=" + std::string(63, 'a') + "." + std::string(63, 'b') + "." +
             std::string(63, 'c') + "." + std::string(63, 'd'),
         {"Domain", "longer than 253"}},
        {"LeaseTimeSec=119", {"LeaseTimeSec", "'119'", "between 120 and 31536000"}},
        {"LeaseTimeSec=31536001", {"LeaseTimeSec", "'31536001'", "between 120"}},
        {"LeaseTimeSec=1d", {"LeaseTimeSec", "'1d'", "not a decimal"}},
        {"LeaseTimeSec=-5", {"LeaseTimeSec", "'-5'", "not a decimal"}},
        {"MaxLeasesPerPort=0", {"MaxLeasesPerPort", "'0'", "between 1 and 65536"}},
        {"MaxLeasesPerPort=65537", {"MaxLeasesPerPort", "'65537'", "between 1 and 65536"}},
        {"MTU=67", {"MTU", "'67'", "between 68 and 65535"}},
        {"MTU=65536", {"MTU", "'65536'", "between 68 and 65535"}},
        {"MTU=0x500", {"MTU", "'0x500'", "not a decimal"}},
        {"RenumberOnConflict=maybe", {"RenumberOnConflict", "'maybe'", "not a boolean"}},
        {"RenumberOnConflict=2", {"RenumberOnConflict", "'2'", "yes or no"}},
        {"FixForeignFirewall=yess", {"FixForeignFirewall", "'yess'", "not a boolean"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.line);
        auto r = parse_main_config("# first line\n[Switch]\n" + c.line + "\nMTU=1500\n", kMain);
        expect_error(r, kMain, 3, {});
        for (auto n : c.needles) expect_error(r, kMain, 3, {n});
    }
}

TEST(ConfigMain, AcceptsBoundaryValues) {
    auto c = parse_main_config(
        "[Switch]\nBridge=0123456789abcde\nSubnetPool=10.0.0.0/8\nPrefixLength=8\n"
        "Subnet=100.64.0.0/30\nDomain=a.\nLeaseTimeSec=120\nMTU=68\n",
        kMain);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->bridge, "0123456789abcde");
    EXPECT_EQ(c->prefix_length, 8);
    EXPECT_EQ(c->domain, "a");
    EXPECT_EQ(c->lease_time_sec, 120u);
    EXPECT_EQ(c->mtu, 68u);
    auto hi =
        parse_main_config("[Switch]\nPrefixLength=30\nLeaseTimeSec=31536000\nMTU=65535\n", kMain);
    ASSERT_TRUE(hi.ok()) << hi.error().message;
    EXPECT_EQ(hi->prefix_length, 30);
    EXPECT_EQ(hi->lease_time_sec, 31536000u);
    EXPECT_EQ(hi->mtu, 65535u);
}

// systemd's boolean spellings, in any case; an empty value restores the
// default (renumber yes, fix no).
TEST(ConfigMain, ParsesBooleanKeysInEverySystemdSpelling) {
    for (const char* yes : {"yes", "YES", "y", "true", "True", "t", "on", "1"}) {
        SCOPED_TRACE(yes);
        auto c = parse_main_config(std::string("[Switch]\nRenumberOnConflict=no\n"
                                               "RenumberOnConflict=") +
                                       yes + "\nFixForeignFirewall=" + yes + "\n",
                                   kMain);
        ASSERT_TRUE(c.ok()) << c.error().message;
        EXPECT_TRUE(c->renumber_on_conflict);
        EXPECT_TRUE(c->fix_foreign_firewall);
    }
    for (const char* no : {"no", "No", "n", "false", "FALSE", "f", "off", "0"}) {
        SCOPED_TRACE(no);
        auto c = parse_main_config(std::string("[Switch]\nRenumberOnConflict=") + no +
                                       "\nFixForeignFirewall=" + no + "\n",
                                   kMain);
        ASSERT_TRUE(c.ok()) << c.error().message;
        EXPECT_FALSE(c->renumber_on_conflict);
        EXPECT_FALSE(c->fix_foreign_firewall);
    }
    auto reset = parse_main_config(
        "[Switch]\nRenumberOnConflict=no\nFixForeignFirewall=yes\n"
        "RenumberOnConflict=\nFixForeignFirewall=\n",
        kMain);
    ASSERT_TRUE(reset.ok()) << reset.error().message;
    EXPECT_TRUE(reset->renumber_on_conflict);
    EXPECT_FALSE(reset->fix_foreign_firewall);
}

TEST(ConfigSwitchFile, ParsesTheBooleanKeys) {
    auto c = parse_switch_file(
        "[Switch]\nName=lab\nRenumberOnConflict=off\nFixForeignFirewall=on\n", kLab);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_FALSE(c->renumber_on_conflict);
    EXPECT_TRUE(c->fix_foreign_firewall);
    expect_error(parse_switch_file("[Switch]\nName=lab\nFixForeignFirewall=sometimes\n", kLab),
                 kLab, 3, {"FixForeignFirewall", "'sometimes'", "not a boolean"});
}

TEST(ConfigMain, PinNeedNotLieInsideThePool) {
    auto c = parse_main_config("[Switch]\nSubnet=192.168.200.0/22\n", kMain);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->subnet, prefix("192.168.200.0/22"));
}

TEST(ConfigMain, PrefixLengthMustFitInThePool) {
    // Reported on PrefixLength= when it was set, else on SubnetPool=.
    expect_error(parse_main_config("[Switch]\nPrefixLength=16\nSubnetPool=10.1.0.0/20\n", kMain),
                 kMain, 2, {"PrefixLength 16", "SubnetPool 10.1.0.0/20", "/20 or longer"});
    expect_error(parse_main_config("[Switch]\n\nSubnetPool=10.1.0.0/24\n", kMain), kMain, 3,
                 {"PrefixLength 20", "10.1.0.0/24"});
    EXPECT_TRUE(
        parse_main_config("[Switch]\nSubnetPool=10.1.0.0/24\nPrefixLength=24\n", kMain).ok());
}

TEST(ConfigSwitchFile, ParsesEveryKey) {
    auto c = parse_switch_file(
        "[Switch]\nName=lab-1\nType=internal\nBridge=br-lab\nSubnetPool=10.128.0.0/9\n"
        "PrefixLength=22\nSubnet=10.200.0.0/22\nExcludeSubnet=10.128.0.0/16\n"
        "Domain=Lab.Internal.\nLeaseTimeSec=7200\nMTU=1450\n",
        kLab);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->name, "lab-1");
    EXPECT_EQ(c->type, SwitchType::internal);
    EXPECT_EQ(c->bridge, "br-lab");
    EXPECT_EQ(c->subnet_pool, prefix("10.128.0.0/9"));
    EXPECT_EQ(c->prefix_length, 22);
    EXPECT_EQ(c->subnet, prefix("10.200.0.0/22"));
    EXPECT_EQ(c->exclude_subnets, std::vector<Ipv4Prefix>{prefix("10.128.0.0/16")});
    EXPECT_EQ(c->domain, "lab.internal");
    EXPECT_EQ(c->lease_time_sec, 7200u);
    EXPECT_EQ(c->mtu, 1450u);
    EXPECT_EQ(c->source, kLab);
}

TEST(ConfigSwitchFile, DerivesTypeBridgeAndDomainFromName) {
    auto c = parse_switch_file("[Switch]\nName=Lab\n", kLab);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->type, SwitchType::nat);
    EXPECT_EQ(c->bridge, "vs-Lab");
    EXPECT_EQ(c->domain, "lab.vswitch.internal");
    EXPECT_EQ(c->subnet_pool, prefix("172.16.0.0/12"));
    EXPECT_EQ(c->prefix_length, 20);

    auto longer = parse_switch_file("[Switch]\nName=abcdefghijklmnopqrstuvwxyz012345\n", kLab);
    ASSERT_TRUE(longer.ok()) << longer.error().message;
    EXPECT_EQ(longer->bridge, "vs-abcdefghijkl");  // cut to 15 bytes
    EXPECT_EQ(longer->domain, "abcdefghijklmnopqrstuvwxyz012345.vswitch.internal");

    auto priv = parse_switch_file("[Switch]\nType=private\nName=iso\n", kLab);
    ASSERT_TRUE(priv.ok()) << priv.error().message;
    EXPECT_EQ(priv->type, SwitchType::private_);
}

TEST(ConfigSwitchFile, NameThatMakesNoDnsLabelNeedsAnExplicitDomain) {
    expect_error(parse_switch_file("[Switch]\n\nName=my_lab\n", kLab), kLab, 3,
                 {"'my_lab'", "default Domain", "set Domain="});
    auto c = parse_switch_file("[Switch]\nName=my_lab\nDomain=mylab.internal\n", kLab);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->bridge, "vs-my_lab");
}

TEST(ConfigSwitchFile, RefusesBadNamesAndTypes) {
    struct Case {
        const char* text;
        size_t line;
        std::vector<std::string_view> needles;
    };
    const Case cases[] = {
        {"[Switch]\nMTU=1400\n", 1, {"Name= is missing"}},
        {"", 1, {"Name= is missing"}},
        {"[Switch]\nName=\n", 2, {"Name= must not be empty"}},
        {"[Switch]\nName=Default\n", 2, {"'Default'", "reserved"}},
        {"[Switch]\nName=default\n", 2, {"'default'", "reserved"}},
        {"[Switch]\nName=a.b\n", 2, {"'a.b'", "letters, digits"}},
        {"[Switch]\nName=abcdefghijklmnopqrstuvwxyz0123456\n", 2, {"longer than 32"}},
        {"[Switch]\nName=lab\nType=bridge\n", 3, {"'bridge'", "nat, internal, private or external"}},
        {"[Switch]\nName=a\n[Switch]\nName=b\n", 3, {"second [Switch]", "its own file"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        auto r = parse_switch_file(c.text, kLab);
        ASSERT_FALSE(r.ok());
        for (auto n : c.needles) expect_error(r, kLab, c.line, {n});
    }
}

TEST(ConfigLoad, MissingMainFileAndDirectoryGiveDefaults) {
    TempDir dir;
    ASSERT_FALSE(dir.path().empty());
    auto c = load_config(dir.path() + "/vswitchd.conf", dir.path() + "/switches.d");
    ASSERT_TRUE(c.ok()) << c.error().message;
    auto defaults = parse_main_config("", dir.path() + "/vswitchd.conf");
    ASSERT_TRUE(defaults.ok());
    EXPECT_EQ(c->default_switch, *defaults);
    EXPECT_TRUE(c->extra_switches.empty());
}

TEST(ConfigLoad, ReadsMainFileAndSwitchesInSortedOrderSkippingOthers) {
    TempDir dir;
    std::string main = dir.write("vswitchd.conf", "[Switch]\nMTU=1400\n");
    std::string sd = dir.path() + "/switches.d";
    ASSERT_TRUE(make_directories(sd).ok());
    dir.write("switches.d/20-beta.switch", "[Switch]\nName=beta\nType=private\n");
    dir.write("switches.d/10-alpha.switch", "[Switch]\nName=alpha\n");
    dir.write("switches.d/30-gamma.switch", "[Switch]\nName=gamma\nType=internal\n");
    dir.write("switches.d/README", "not a config file\n");
    dir.write("switches.d/15-old.switch.bak", "garbage\n");
    dir.write("switches.d/.hidden.switch", "garbage\n");
    dir.write("switches.d/.switch", "garbage\n");
    ASSERT_TRUE(make_directories(sd + "/05-dir.switch").ok());

    auto c = load_config(main, sd);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->default_switch.mtu, 1400u);
    EXPECT_EQ(c->default_switch.source, main);
    ASSERT_EQ(c->extra_switches.size(), 3u);
    EXPECT_EQ(c->extra_switches[0].name, "alpha");
    EXPECT_EQ(c->extra_switches[0].source, sd + "/10-alpha.switch");
    EXPECT_EQ(c->extra_switches[1].name, "beta");
    EXPECT_EQ(c->extra_switches[1].type, SwitchType::private_);
    EXPECT_EQ(c->extra_switches[2].name, "gamma");
    EXPECT_EQ(c->extra_switches[2].bridge, "vs-gamma");
}

TEST(ConfigLoad, ReportsTheBadFileWithItsPathAndLine) {
    TempDir dir;
    std::string sd = dir.path() + "/switches.d";
    ASSERT_TRUE(make_directories(sd).ok());
    dir.write("switches.d/a.switch", "[Switch]\nName=a\n");
    std::string bad = dir.write("switches.d/b.switch", "[Switch]\nName=b\nMTU=12\n");
    expect_error(load_config(dir.path() + "/none.conf", sd), bad, 3, {"MTU", "'12'"});

    std::string main = dir.write("vswitchd.conf", "[Switch]\nBridge=\n\nTypo=1\n");
    expect_error(load_config(main, sd), main, 4, {"unknown key 'Typo'"});
}

TEST(ConfigLoad, UnreadableMainFileIsAnErrorNotDefaults) {
    TempDir dir;
    std::string main = dir.path() + "/vswitchd.conf";
    ASSERT_TRUE(make_directories(main).ok());  // a directory cannot be read as a file
    auto r = load_config(main, dir.path() + "/switches.d");
    expect_error(r, main, 1, {"cannot read file"});
    EXPECT_EQ(r.error().code, EISDIR);

    std::string big = dir.write("big.conf", std::string(kMaxConfigFileSize + 1, '#'));
    expect_error(load_config(big, dir.path() + "/switches.d"), big, 1, {"larger than"});
}

TEST(ConfigLoad, SwitchesDirThatIsAFileIsAnError) {
    TempDir dir;
    std::string notdir = dir.write("switches.d", "");
    auto r = load_config(dir.path() + "/vswitchd.conf", notdir);
    expect_error(r, notdir, 1, {"cannot open directory"});
    EXPECT_EQ(r.error().code, ENOTDIR);
}

TEST(ConfigLoad, RefusesDuplicateNamesNamingBothFiles) {
    TempDir dir;
    std::string sd = dir.path() + "/switches.d";
    ASSERT_TRUE(make_directories(sd).ok());
    std::string a = dir.write("switches.d/a.switch", "[Switch]\nName=lab\n");
    std::string b = dir.write("switches.d/b.switch", "# copy\n[Switch]\nBridge=br-b\nName=lab\n");
    auto r = load_config(dir.path() + "/none.conf", sd);
    expect_error(r, b, 4, {"'lab'", "already declared", a + ":2"});
    EXPECT_EQ(r.error().code, EEXIST);

    // Names that differ only in case would share a default domain.
    dir.write("switches.d/b.switch", "[Switch]\nName=LAB\n");
    expect_error(load_config(dir.path() + "/none.conf", sd), b, 2, {"'LAB'", "as 'lab'", a});
}

TEST(ConfigLoad, RefusesDuplicateBridgesNamingBothFiles) {
    TempDir dir;
    std::string sd = dir.path() + "/switches.d";
    ASSERT_TRUE(make_directories(sd).ok());
    std::string main = dir.write("vswitchd.conf", "[Switch]\n");
    std::string a = dir.write("switches.d/a.switch", "[Switch]\nName=a\n\nBridge=vswitch0\n");
    expect_error(load_config(main, sd), a, 4,
                 {"Bridge 'vswitch0'", "switch 'Default'", main + ":1"});

    dir.write("switches.d/a.switch", "[Switch]\nName=a\nBridge=br-x\n");
    std::string b = dir.write("switches.d/b.switch", "[Switch]\nName=b\nMTU=1400\nBridge=br-x\n");
    expect_error(load_config(main, sd), b, 4, {"Bridge 'br-x'", "switch 'a'", a + ":3"});

    // Derived bridges collide when long names share their first 12 bytes.
    dir.write("switches.d/a.switch", "[Switch]\nName=datacenter-a1\n");
    dir.write("switches.d/b.switch", "[Switch]\n\nName=datacenter-a2\n");
    expect_error(load_config(main, sd), b, 3,
                 {"Bridge 'vs-datacenter-a'", "derived from Name=", "'datacenter-a1'", a + ":2"});
}

TEST(ConfigLoad, RefusesOverlappingPinnedSubnetsNamingBothFiles) {
    TempDir dir;
    std::string sd = dir.path() + "/switches.d";
    ASSERT_TRUE(make_directories(sd).ok());
    std::string main = dir.write("vswitchd.conf", "[Switch]\n\nSubnet=10.20.0.0/16\n");
    std::string a = dir.write("switches.d/a.switch", "[Switch]\nName=a\nSubnet=10.30.0.0/24\n");
    ASSERT_TRUE(load_config(main, sd).ok());  // disjoint pins are fine

    std::string b = dir.write("switches.d/b.switch", "[Switch]\nName=b\nSubnet=10.30.0.128/25\n");
    expect_error(load_config(main, sd), b, 3,
                 {"Subnet 10.30.0.128/25 overlaps Subnet 10.30.0.0/24", "switch 'a'", a + ":3"});

    dir.write("switches.d/b.switch", "[Switch]\nName=b\nSubnet=10.20.16.0/20\n");
    expect_error(load_config(main, sd), b, 3, {"10.20.0.0/16", "'Default'", main + ":3"});
}

// ForwardDNS= follows the type unless set: a nat switch forwards, an
// internal one (host-only) does not; either may say otherwise.
TEST(ConfigSwitchFile, ForwardDnsDefaultsByType) {
    auto nat = parse_switch_file("[Switch]\nName=lab\n", kLab);
    auto internal = parse_switch_file("[Switch]\nName=lab\nType=internal\n", kLab);
    auto internal_yes = parse_switch_file("[Switch]\nName=lab\nType=internal\nForwardDNS=yes\n", kLab);
    auto nat_no = parse_switch_file("[Switch]\nName=lab\nForwardDNS=no\n", kLab);
    auto reset = parse_switch_file("[Switch]\nName=lab\nType=internal\nForwardDNS=yes\nForwardDNS=\n", kLab);
    for (auto* c : {&nat, &internal, &internal_yes, &nat_no, &reset}) ASSERT_TRUE(c->ok()) << c->error().message;
    EXPECT_TRUE(nat->forwards_dns());
    EXPECT_FALSE(internal->forwards_dns());
    EXPECT_TRUE(internal_yes->forwards_dns());
    EXPECT_FALSE(nat_no->forwards_dns());
    EXPECT_FALSE(reset->forwards_dns());
    auto main_no = parse_main_config("[Switch]\nForwardDNS=no\n", kMain);
    ASSERT_TRUE(main_no.ok()) << main_no.error().message;
    EXPECT_FALSE(main_no->forwards_dns());
    expect_error(parse_switch_file("[Switch]\nName=lab\nForwardDNS=maybe\n", kLab), kLab, 3,
                 {"ForwardDNS", "'maybe'", "not a boolean"});
}

TEST(ConfigSwitchFile, TrustRelayFromIsAListOfInterfaceNames) {
    auto c = parse_switch_file("[Switch]\nName=lab\nTrustRelayFrom=vnet3  vperf\nTrustRelayFrom=tap0\n", kLab);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->trust_relay_from, (std::vector<std::string>{"vnet3", "vperf", "tap0"}));
    auto reset = parse_switch_file("[Switch]\nName=lab\nTrustRelayFrom=vnet3\nTrustRelayFrom=\n", kLab);
    ASSERT_TRUE(reset.ok()) << reset.error().message;
    EXPECT_TRUE(reset->trust_relay_from.empty());
    expect_error(parse_switch_file("[Switch]\nName=lab\nTrustRelayFrom=ok a/b\n", kLab), kLab, 3,
                 {"TrustRelayFrom", "'a/b'", "'/'"});
    std::string many = "[Switch]\nName=lab\nTrustRelayFrom=";
    for (int i = 0; i < 17; ++i) many += "p" + std::to_string(i) + " ";
    auto over = parse_switch_file(many + "\n", kLab);
    ASSERT_FALSE(over.ok());
    EXPECT_NE(over.error().message.find("at most 16"), std::string::npos) << over.error().message;
}
