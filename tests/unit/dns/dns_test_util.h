// Builds DNS messages with ldns for the tests, and reads replies back.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/dns/ldns.h"
#include "libvswitch/dns/message.h"

namespace vswitch::dns::test {

struct QueryOptions {
    uint16_t id = 0x1234;
    bool rd = true;
    bool cd = false;
    bool edns = false;
    uint16_t udp_size = 4096;
    bool dnssec_ok = false;
    uint8_t edns_version = 0;
    ldns_rr_class klass = LDNS_RR_CLASS_IN;
};

inline Bytes make_query(std::string_view name, ldns_rr_type type, const QueryOptions& o = {}) {
    std::string n(name);
    PktHandle p(
        ldns_pkt_query_new(ldns_dname_new_frm_str(n.c_str()), type, o.klass, o.rd ? LDNS_RD : 0));
    EXPECT_TRUE(p) << name;
    if (!p) return {};
    ldns_pkt_set_id(p.get(), o.id);
    ldns_pkt_set_cd(p.get(), o.cd);
    if (o.edns) {
        ldns_pkt_set_edns_udp_size(p.get(), o.udp_size);
        ldns_pkt_set_edns_do(p.get(), o.dnssec_ok);
        ldns_pkt_set_edns_version(p.get(), o.edns_version);
    }
    auto wire = build_message(*p);
    EXPECT_TRUE(wire.ok());
    return wire ? *wire : Bytes{};
}

inline Question make_question(std::string_view name, ldns_rr_type type,
                              ldns_rr_class klass = LDNS_RR_CLASS_IN) {
    auto wire = name_from_string(name);
    EXPECT_TRUE(wire.ok()) << name;
    return Question{wire ? *wire : Bytes{}, uint16_t(type), uint16_t(klass)};
}

inline RrHandle make_rr(std::string_view text) {
    std::string t(text);
    ldns_rr* rr = nullptr;
    ldns_status st = ldns_rr_new_frm_str(&rr, t.c_str(), 0, nullptr, nullptr);
    EXPECT_EQ(st, LDNS_STATUS_OK) << text;
    return RrHandle(rr);
}

// An upstream-style reply: the question, rcode and records in presentation form.
struct ReplySpec {
    uint16_t id = 0x4242;
    std::string name = "example.com.";
    ldns_rr_type type = LDNS_RR_TYPE_A;
    ldns_rr_class klass = LDNS_RR_CLASS_IN;
    ldns_pkt_rcode rcode = LDNS_RCODE_NOERROR;
    bool qr = true;
    bool tc = false;
    bool ad = false;
    bool edns = false;
    std::vector<std::string> answer;
    std::vector<std::string> authority;
    std::vector<std::string> additional;
};

inline PktHandle make_reply_pkt(const ReplySpec& s) {
    PktHandle p(
        ldns_pkt_query_new(ldns_dname_new_frm_str(s.name.c_str()), s.type, s.klass, LDNS_RD));
    EXPECT_TRUE(p);
    ldns_pkt_set_id(p.get(), s.id);
    ldns_pkt_set_qr(p.get(), s.qr);
    ldns_pkt_set_ra(p.get(), true);
    ldns_pkt_set_tc(p.get(), s.tc);
    ldns_pkt_set_ad(p.get(), s.ad);
    ldns_pkt_set_rcode(p.get(), uint8_t(s.rcode));
    if (s.edns) ldns_pkt_set_edns_udp_size(p.get(), 1232);
    auto push = [&](const std::vector<std::string>& rrs, ldns_pkt_section sec) {
        for (const auto& text : rrs) {
            RrHandle rr = make_rr(text);
            if (rr && ldns_pkt_push_rr(p.get(), sec, rr.get())) rr.release();
        }
    };
    push(s.answer, LDNS_SECTION_ANSWER);
    push(s.authority, LDNS_SECTION_AUTHORITY);
    push(s.additional, LDNS_SECTION_ADDITIONAL);
    return p;
}

inline Bytes make_reply(const ReplySpec& s) {
    PktHandle p = make_reply_pkt(s);
    auto wire = build_message(*p);
    EXPECT_TRUE(wire.ok());
    return wire ? *wire : Bytes{};
}

inline PktHandle parse(const Bytes& wire) {
    auto p = parse_message(wire);
    EXPECT_TRUE(p.ok()) << (p ? "" : p.error().message);
    return p ? std::move(*p) : nullptr;
}

// Each record of a section as "owner ttl class type rdata" with single spaces.
inline std::vector<std::string> section(const ldns_pkt* p, ldns_pkt_section which) {
    std::vector<std::string> out;
    if (!p) return out;
    ldns_rr_list* list = ldns_pkt_get_section_clone(p, which);
    for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
        char* s = ldns_rr2str(ldns_rr_list_rr(list, i));
        std::string line(s ? s : "");
        std::free(s);
        for (char& c : line)
            if (c == '\t') c = ' ';
        while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
        out.push_back(line);
    }
    ldns_rr_list_deep_free(list);
    return out;
}

inline std::vector<std::string> answer(const ldns_pkt* p) {
    return section(p, LDNS_SECTION_ANSWER);
}
inline std::vector<std::string> authority(const ldns_pkt* p) {
    return section(p, LDNS_SECTION_AUTHORITY);
}

inline uint32_t first_ttl(const ldns_pkt* p, ldns_pkt_section which) {
    ldns_rr_list* list = ldns_pkt_get_section_clone(p, which);
    uint32_t ttl = ldns_rr_list_rr_count(list) ? ldns_rr_ttl(ldns_rr_list_rr(list, 0)) : 0xffffffff;
    ldns_rr_list_deep_free(list);
    return ttl;
}

}  // namespace vswitch::dns::test
