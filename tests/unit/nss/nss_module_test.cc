// The module's entry points as glibc calls them, over a hosts file of the
// test's own (nss_vswitch.cc built with VSWITCH_NSS_HOSTS_PATH): the
// layouts written into the caller's buffer, ERANGE for every buffer too
// small, NOTFOUND without a file.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <nss.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

extern "C" {
nss_status _nss_vswitch_gethostbyname4_r(const char*, gaih_addrtuple**, char*, size_t, int*, int*,
                                         int32_t*);
nss_status _nss_vswitch_gethostbyname3_r(const char*, int, hostent*, char*, size_t, int*, int*,
                                         int32_t*, char**);
nss_status _nss_vswitch_gethostbyname2_r(const char*, int, hostent*, char*, size_t, int*, int*);
nss_status _nss_vswitch_gethostbyname_r(const char*, hostent*, char*, size_t, int*, int*);
nss_status _nss_vswitch_gethostbyaddr2_r(const void*, socklen_t, int, hostent*, char*, size_t, int*,
                                         int*, int32_t*);
nss_status _nss_vswitch_gethostbyaddr_r(const void*, socklen_t, int, hostent*, char*, size_t, int*,
                                        int*);
}

namespace {

class NssModule : public ::testing::Test {
protected:
    void write(const std::string& text) {
        FILE* f = std::fopen(VSWITCH_NSS_HOSTS_PATH, "w");
        ASSERT_NE(f, nullptr);
        std::fputs(text.c_str(), f);
        std::fclose(f);
    }
    void SetUp() override {
        write(
            "# test\n172.27.160.7 web.vswitch.internal web\n2001:db8::7 web.vswitch.internal "
            "web\n");
    }
    void TearDown() override { std::remove(VSWITCH_NSS_HOSTS_PATH); }
    int err = 0, herr = 0;
};

std::string text(int af, const void* a) {
    char buf[INET6_ADDRSTRLEN];
    return inet_ntop(af, a, buf, sizeof buf) ? buf : "?";
}

TEST_F(NssModule, Name3FillsAHostentOfTheFamily) {
    hostent h{};
    std::vector<char> buf(1024);
    char* canon = nullptr;
    int32_t ttl = -1;
    ASSERT_EQ(_nss_vswitch_gethostbyname3_r("web", AF_INET, &h, buf.data(), buf.size(), &err, &herr,
                                            &ttl, &canon),
              NSS_STATUS_SUCCESS);
    EXPECT_STREQ(h.h_name, "web.vswitch.internal");
    EXPECT_EQ(canon, h.h_name);
    ASSERT_NE(h.h_aliases[0], nullptr);
    EXPECT_STREQ(h.h_aliases[0], "web");
    EXPECT_EQ(h.h_aliases[1], nullptr);
    EXPECT_EQ(h.h_addrtype, AF_INET);
    EXPECT_EQ(h.h_length, 4);
    ASSERT_NE(h.h_addr_list[0], nullptr);
    EXPECT_EQ(text(AF_INET, h.h_addr_list[0]), "172.27.160.7");
    EXPECT_EQ(h.h_addr_list[1], nullptr);
    ASSERT_EQ(_nss_vswitch_gethostbyname2_r("web.vswitch.internal.", AF_INET6, &h, buf.data(),
                                            buf.size(), &err, &herr),
              NSS_STATUS_SUCCESS);
    EXPECT_EQ(h.h_length, 16);
    EXPECT_EQ(text(AF_INET6, h.h_addr_list[0]), "2001:db8::7");
    ASSERT_EQ(_nss_vswitch_gethostbyname_r("WEB", &h, buf.data(), buf.size(), &err, &herr),
              NSS_STATUS_SUCCESS);
    EXPECT_EQ(h.h_addrtype, AF_INET);
}

TEST_F(NssModule, Name4ChainsBothFamilies) {
    gaih_addrtuple* pat = nullptr;
    std::vector<char> buf(1024);
    ASSERT_EQ(
        _nss_vswitch_gethostbyname4_r("web", &pat, buf.data(), buf.size(), &err, &herr, nullptr),
        NSS_STATUS_SUCCESS);
    ASSERT_NE(pat, nullptr);
    EXPECT_STREQ(pat->name, "web.vswitch.internal");
    EXPECT_EQ(pat->family, AF_INET);
    EXPECT_EQ(text(AF_INET, pat->addr), "172.27.160.7");
    ASSERT_NE(pat->next, nullptr);
    EXPECT_EQ(pat->next->family, AF_INET6);
    EXPECT_EQ(text(AF_INET6, pat->next->addr), "2001:db8::7");
    EXPECT_EQ(pat->next->next, nullptr);
    // glibc may hand in a tuple of its own: it gets the first.
    gaih_addrtuple mine{};
    gaih_addrtuple* given = &mine;
    ASSERT_EQ(
        _nss_vswitch_gethostbyname4_r("web", &given, buf.data(), buf.size(), &err, &herr, nullptr),
        NSS_STATUS_SUCCESS);
    EXPECT_EQ(given, &mine);
    EXPECT_EQ(mine.family, AF_INET);
    ASSERT_NE(mine.next, nullptr);
}

TEST_F(NssModule, EveryTooSmallBufferIsErangeAndTheNeededOneWorks) {
    size_t needed4 = 0, needed3 = 0, needed_addr = 0;
    in_addr a{};
    inet_pton(AF_INET, "172.27.160.7", &a);
    for (size_t len = 0; len < 512; ++len) {
        std::vector<char> buf(len + 1);
        gaih_addrtuple* pat = nullptr;
        nss_status s =
            _nss_vswitch_gethostbyname4_r("web", &pat, buf.data(), len, &err, &herr, nullptr);
        if (s == NSS_STATUS_TRYAGAIN) {
            EXPECT_EQ(err, ERANGE);
            EXPECT_EQ(herr, NETDB_INTERNAL);
        } else if (!needed4) {
            ASSERT_EQ(s, NSS_STATUS_SUCCESS);
            needed4 = len;
        }
        hostent h{};
        s = _nss_vswitch_gethostbyname3_r("web", AF_INET6, &h, buf.data(), len, &err, &herr,
                                          nullptr, nullptr);
        if (s == NSS_STATUS_TRYAGAIN)
            EXPECT_EQ(err, ERANGE);
        else if (!needed3) {
            ASSERT_EQ(s, NSS_STATUS_SUCCESS);
            needed3 = len;
        }
        s = _nss_vswitch_gethostbyaddr_r(&a, sizeof a, AF_INET, &h, buf.data(), len, &err, &herr);
        if (s == NSS_STATUS_TRYAGAIN)
            EXPECT_EQ(err, ERANGE);
        else if (!needed_addr) {
            ASSERT_EQ(s, NSS_STATUS_SUCCESS);
            needed_addr = len;
        }
    }
    EXPECT_GT(needed4, 0u);
    EXPECT_GT(needed3, 0u);
    EXPECT_GT(needed_addr, 0u);
}

TEST_F(NssModule, AddressLookupsOfBothFamilies) {
    hostent h{};
    std::vector<char> buf(1024);
    in6_addr a6{};
    inet_pton(AF_INET6, "2001:db8::7", &a6);
    ASSERT_EQ(_nss_vswitch_gethostbyaddr2_r(&a6, sizeof a6, AF_INET6, &h, buf.data(), buf.size(),
                                            &err, &herr, nullptr),
              NSS_STATUS_SUCCESS);
    EXPECT_STREQ(h.h_name, "web.vswitch.internal");
    EXPECT_EQ(h.h_length, 16);
    in_addr other{};
    inet_pton(AF_INET, "172.27.160.8", &other);
    EXPECT_EQ(_nss_vswitch_gethostbyaddr_r(&other, sizeof other, AF_INET, &h, buf.data(),
                                           buf.size(), &err, &herr),
              NSS_STATUS_NOTFOUND);
    EXPECT_EQ(herr, HOST_NOT_FOUND);
    EXPECT_EQ(
        _nss_vswitch_gethostbyaddr_r(&other, 3, AF_INET, &h, buf.data(), buf.size(), &err, &herr),
        NSS_STATUS_UNAVAIL);  // a length that is no IPv4 address
}

TEST_F(NssModule, NotFoundWithoutAFileAndNoDataWithoutTheFamily) {
    hostent h{};
    std::vector<char> buf(1024);
    write("10.0.0.1 v4only\n");
    EXPECT_EQ(
        _nss_vswitch_gethostbyname2_r("v4only", AF_INET6, &h, buf.data(), buf.size(), &err, &herr),
        NSS_STATUS_NOTFOUND);
    EXPECT_EQ(herr, NO_DATA);
    EXPECT_EQ(
        _nss_vswitch_gethostbyname2_r("v4only", AF_UNIX, &h, buf.data(), buf.size(), &err, &herr),
        NSS_STATUS_UNAVAIL);
    std::remove(VSWITCH_NSS_HOSTS_PATH);
    EXPECT_EQ(
        _nss_vswitch_gethostbyname2_r("v4only", AF_INET, &h, buf.data(), buf.size(), &err, &herr),
        NSS_STATUS_NOTFOUND);
    EXPECT_EQ(herr, HOST_NOT_FOUND);
    gaih_addrtuple* pat = nullptr;
    EXPECT_EQ(
        _nss_vswitch_gethostbyname4_r("v4only", &pat, buf.data(), buf.size(), &err, &herr, nullptr),
        NSS_STATUS_NOTFOUND);
    EXPECT_EQ(pat, nullptr);
}

}  // namespace
