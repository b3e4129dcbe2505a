#include "libvswitch/nft/batch.h"
#include "libvswitch/nft/names.h"

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <map>
#include <new>

#include "libvswitch/nft/datatypes.h"
#include "libvswitch/nft/nftnl_handles.h"

namespace vswitch::nft {

std::string_view Batch::action(uint32_t seq) const {
    // Unsigned arithmetic: a seq below first_seq_ wraps to a huge index.
    uint32_t index = seq - first_seq_ - 1;
    if (seq == first_seq_ || index >= actions_.size()) return {};
    return actions_[index];
}

BatchBuilder::BatchBuilder(uint32_t first_seq)
    // libmnl wants a buffer twice the limit: the message that crosses the
    // limit is still written whole before mnl_nlmsg_batch_next() refuses it.
    : buffer_(2 * kMaxBatchBytes),
      batch_(mnl_nlmsg_batch_start(buffer_.data(), kMaxBatchBytes)),
      first_seq_(first_seq),
      next_seq_(first_seq) {
    if (!batch_) return;
    nftnl_batch_begin(static_cast<char*>(mnl_nlmsg_batch_current(batch_.get())), next_seq_++);
    pending_ = true;
}

bool BatchBuilder::commit_current() {
    if (!batch_ || overflow_) return false;
    if (pending_ && !mnl_nlmsg_batch_next(batch_.get())) {
        overflow_ = true;
        return false;
    }
    pending_ = false;
    return true;
}

nlmsghdr* BatchBuilder::add(uint16_t type, uint16_t family, uint16_t flags, std::string action) {
    if (!commit_current()) return nullptr;
    auto* buf = static_cast<char*>(mnl_nlmsg_batch_current(batch_.get()));
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, type, family, flags | NLM_F_ACK, next_seq_++);
    actions_.push_back(std::move(action));
    pending_ = true;
    return nlh;
}

Result<Batch> BatchBuilder::finish() && {
    if (!batch_) return make_error(ENOMEM, "allocating an nftables batch: out of memory");
    if (commit_current()) {
        nftnl_batch_end(static_cast<char*>(mnl_nlmsg_batch_current(batch_.get())), next_seq_++);
        pending_ = true;
        commit_current();
    }
    if (overflow_) {
        return make_error(E2BIG,
                          "nftables batch exceeds " + std::to_string(kMaxBatchBytes) + " bytes");
    }
    auto* head = static_cast<const uint8_t*>(mnl_nlmsg_batch_head(batch_.get()));
    std::vector<uint8_t> bytes(head, head + mnl_nlmsg_batch_size(batch_.get()));
    return Batch(std::move(bytes), first_seq_, std::move(actions_));
}

// ---- describe -------------------------------------------------------------

std::string family_name(uint32_t family) {
    switch (family) {
        case NFPROTO_INET:
            return "inet";
        case NFPROTO_IPV4:
            return "ip";
        case NFPROTO_IPV6:
            return "ip6";
        case NFPROTO_BRIDGE:
            return "bridge";
        default:
            return "family" + std::to_string(family);
    }
}

// The comment a table or rule carries in its user data (what `nft list`
// prints as comment "..."), or "".
std::string udata_comment(const void* data, uint32_t len, uint8_t comment_type) {
    struct Found {
        uint8_t type;
        std::string text;
    } found{comment_type, {}};
    if (!data) return {};
    nftnl_udata_parse(
        data, len,
        [](const nftnl_udata* attr, void* out) noexcept -> int {
            auto* f = static_cast<Found*>(out);
            uint8_t n = nftnl_udata_len(attr);
            if (nftnl_udata_type(attr) != f->type || n == 0) return 0;
            try {
                const char* p = static_cast<const char*>(nftnl_udata_get(attr));
                f->text.assign(p, strnlen(p, n));
            } catch (...) {
                return -1;
            }
            return 0;
        },
        &found);
    return found.text;
}

namespace {

std::string hook_name(uint32_t hook) {
    switch (hook) {
        case NF_INET_PRE_ROUTING:
            return "prerouting";
        case NF_INET_LOCAL_IN:
            return "input";
        case NF_INET_FORWARD:
            return "forward";
        case NF_INET_LOCAL_OUT:
            return "output";
        case NF_INET_POST_ROUTING:
            return "postrouting";
        default:
            return "hook" + std::to_string(hook);
    }
}

std::string flag_words(uint16_t flags) {
    std::string s;
    auto word = [&](uint16_t bit, const char* name) {
        if (!(flags & bit)) return;
        s += s.empty() ? " [" : ",";
        s += name;
    };
    word(NLM_F_CREATE, "create");
    word(NLM_F_EXCL, "excl");
    word(NLM_F_APPEND, "append");
    if (!s.empty()) s += "]";
    return s;
}

// The field types of a (possibly concatenated) key type, first field first.
std::vector<uint32_t> key_fields(uint32_t key_type) {
    std::vector<uint32_t> fields;
    for (; key_type != 0; key_type >>= kTypeBits) {
        fields.insert(fields.begin(), key_type & ((1u << kTypeBits) - 1));
    }
    return fields;
}

std::string type_name(uint32_t type) {
    switch (type) {
        case kTypeIpv4Addr:
            return "ipv4_addr";
        case kTypeIfname:
            return "ifname";
        default:
            return "type" + std::to_string(type);
    }
}

size_t field_size(uint32_t type) {
    switch (type) {
        case kTypeIpv4Addr:
            return kIpv4AddrLen;
        case kTypeIfname:
            return kIfnameLen;
        default:
            return 0;
    }
}

std::string hex(std::span<const uint8_t> bytes) {
    std::string s = "0x";
    for (uint8_t b : bytes) {
        std::array<char, 3> h{};
        std::snprintf(h.data(), h.size(), "%02x", b);
        s += h.data();
    }
    return s;
}

// Renders a set key field by field (fields padded to 4 bytes, as the kernel
// lays out concatenations in 32-bit registers).
std::string render_key(std::span<const uint8_t> key, const std::vector<uint32_t>& types) {
    std::string out;
    size_t offset = 0;
    for (uint32_t type : types) {
        size_t size = field_size(type);
        if (size == 0 || offset + size > key.size()) return hex(key);
        auto field = key.subspan(offset, size);
        if (!out.empty()) out += " . ";
        if (type == kTypeIpv4Addr) {
            out += std::to_string(field[0]) + "." + std::to_string(field[1]) + "." +
                   std::to_string(field[2]) + "." + std::to_string(field[3]);
        } else {
            std::string name;
            for (uint8_t c : field) {
                if (c == 0) break;
                name += char(c);
            }
            out += "\"" + name + "\"";
        }
        offset += (size + 3) / 4 * 4;
    }
    if (offset != key.size()) return hex(key);
    return out;
}

// A u32 attribute of a set's user data, or 0.
uint32_t udata_u32(const void* data, uint32_t len, uint8_t type) {
    struct Found {
        uint8_t type;
        uint32_t value;
    } found{type, 0};
    if (!data) return 0;
    nftnl_udata_parse(
        data, len,
        [](const nftnl_udata* attr, void* out) noexcept -> int {
            auto* f = static_cast<Found*>(out);
            if (nftnl_udata_type(attr) == f->type && nftnl_udata_len(attr) == sizeof(uint32_t)) {
                f->value = nftnl_udata_get_u32(attr);
            }
            return 0;
        },
        &found);
    return found.value;
}

std::string comment_suffix(const std::string& comment) {
    return comment.empty() ? "" : " # " + comment;
}

struct Describer {
    std::string out;
    std::map<std::string, std::vector<uint32_t>> set_types;  // set name -> key field types

    Status table(const nlmsghdr* nlh, const char* verb) {
        NftnlTable t(nftnl_table_alloc());
        if (!t || nftnl_table_nlmsg_parse(nlh, t.get()) < 0) return parse_error("table");
        out += std::string(verb) + " table " +
               family_name(nftnl_table_get_u32(t.get(), NFTNL_TABLE_FAMILY)) + " " +
               nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME) + flag_words(nlh->nlmsg_flags);
        uint32_t len = 0;
        const void* udata = nftnl_table_get_data(t.get(), NFTNL_TABLE_USERDATA, &len);
        out += comment_suffix(udata_comment(udata, len, NFTNL_UDATA_TABLE_COMMENT)) + "\n";
        return {};
    }

    Status chain(const nlmsghdr* nlh) {
        NftnlChain c(nftnl_chain_alloc());
        if (!c || nftnl_chain_nlmsg_parse(nlh, c.get()) < 0) return parse_error("chain");
        auto* ch = c.get();
        out += "add chain " + family_name(nftnl_chain_get_u32(ch, NFTNL_CHAIN_FAMILY)) + " " +
               nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE) + " " +
               nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME) + flag_words(nlh->nlmsg_flags);
        if (nftnl_chain_is_set(ch, NFTNL_CHAIN_HOOKNUM)) {
            uint32_t policy = nftnl_chain_get_u32(ch, NFTNL_CHAIN_POLICY);
            out += " { type " + std::string(nftnl_chain_get_str(ch, NFTNL_CHAIN_TYPE)) + " hook " +
                   hook_name(nftnl_chain_get_u32(ch, NFTNL_CHAIN_HOOKNUM)) + " priority " +
                   std::to_string(int32_t(nftnl_chain_get_u32(ch, NFTNL_CHAIN_PRIO))) +
                   "; policy " +
                   (policy == NF_ACCEPT ? "accept"
                    : policy == NF_DROP ? "drop"
                                        : "?") +
                   "; }";
        }
        out += "\n";
        return {};
    }

    Status set(const nlmsghdr* nlh) {
        NftnlSet s(nftnl_set_alloc());
        if (!s || nftnl_set_nlmsg_parse(nlh, s.get()) < 0) return parse_error("set");
        auto* st = s.get();
        std::string name = nftnl_set_get_str(st, NFTNL_SET_NAME);
        auto types = key_fields(nftnl_set_get_u32(st, NFTNL_SET_KEY_TYPE));
        std::string type_text;
        for (uint32_t t : types) type_text += (type_text.empty() ? "" : " . ") + type_name(t);
        uint32_t flags = nftnl_set_get_u32(st, NFTNL_SET_FLAGS);
        out += "add set " + family_name(nftnl_set_get_u32(st, NFTNL_SET_FAMILY)) + " " +
               nftnl_set_get_str(st, NFTNL_SET_TABLE) + " " + name + flag_words(nlh->nlmsg_flags) +
               " { type " + type_text + "; key_len " +
               std::to_string(nftnl_set_get_u32(st, NFTNL_SET_KEY_LEN)) + ";";
        uint32_t ulen = 0;
        const void* udata = nftnl_set_get_data(st, NFTNL_SET_USERDATA, &ulen);
        if (uint32_t order = udata_u32(udata, ulen, NFTNL_UDATA_SET_KEYBYTEORDER)) {
            out += order == kByteorderHost  ? " byteorder host;"
                   : order == kByteorderBig ? " byteorder big;"
                                            : " byteorder " + std::to_string(order) + ";";
        }
        if (flags & NFT_SET_INTERVAL) out += " flags interval;";
        if (flags & NFT_SET_CONCAT) out += " concat;";
        out += " id " + std::to_string(nftnl_set_get_u32(st, NFTNL_SET_ID)) + "; }\n";
        set_types[name] = std::move(types);
        return {};
    }

    Status elements(const nlmsghdr* nlh) {
        NftnlSet s(nftnl_set_alloc());
        if (!s || nftnl_set_elems_nlmsg_parse(nlh, s.get()) < 0) return parse_error("set elements");
        std::string name = nftnl_set_get_str(s.get(), NFTNL_SET_NAME);
        const auto& types = set_types[name];
        out += "add element " + family_name(nftnl_set_get_u32(s.get(), NFTNL_SET_FAMILY)) + " " +
               nftnl_set_get_str(s.get(), NFTNL_SET_TABLE) + " " + name +
               flag_words(nlh->nlmsg_flags) + "\n";
        struct Context {
            Describer* self;
            const std::vector<uint32_t>* types;
        } ctx{this, &types};
        // A C callback: nothing may throw through libnftnl.
        int rc = nftnl_set_elem_foreach(
            s.get(),
            [](nftnl_set_elem* e, void* data) noexcept -> int {
                auto* c = static_cast<Context*>(data);
                try {
                    c->self->element(e, *c->types);
                    return 0;
                } catch (...) {
                    return -1;
                }
            },
            &ctx);
        if (rc < 0) return make_error(ENOMEM, "rendering set elements: out of memory");
        return {};
    }

    void element(nftnl_set_elem* e, const std::vector<uint32_t>& types) {
        auto key_of = [&](uint16_t attr) {
            uint32_t len = 0;
            auto* p = static_cast<const uint8_t*>(nftnl_set_elem_get(e, attr, &len));
            return render_key(std::span<const uint8_t>(p, p ? len : 0), types);
        };
        out += "  element " + key_of(NFTNL_SET_ELEM_KEY);
        if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END))
            out += " - " + key_of(NFTNL_SET_ELEM_KEY_END);
        if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
            (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) & NFT_SET_ELEM_INTERVAL_END)) {
            out += " (interval end)";
        }
        out += "\n";
    }

    Status rule(const nlmsghdr* nlh) {
        NftnlRule r(nftnl_rule_alloc());
        if (!r || nftnl_rule_nlmsg_parse(nlh, r.get()) < 0) return parse_error("rule");
        out += "add rule " + family_name(nftnl_rule_get_u32(r.get(), NFTNL_RULE_FAMILY)) + " " +
               nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE) + " " +
               nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN) + flag_words(nlh->nlmsg_flags);
        uint32_t len = 0;
        const void* udata = nftnl_rule_get_data(r.get(), NFTNL_RULE_USERDATA, &len);
        out += comment_suffix(udata_comment(udata, len, NFTNL_UDATA_RULE_COMMENT)) + "\n";
        int rc = nftnl_expr_foreach(
            r.get(),
            [](nftnl_expr* e, void* data) noexcept -> int {
                try {
                    std::array<char, 512> buf{};
                    nftnl_expr_snprintf(buf.data(), buf.size(), e, NFTNL_OUTPUT_DEFAULT, 0);
                    *static_cast<std::string*>(data) += std::string("  [ ") +
                                                        nftnl_expr_get_str(e, NFTNL_EXPR_NAME) +
                                                        " " + buf.data() + "]\n";
                    return 0;
                } catch (...) {
                    return -1;
                }
            },
            &out);
        if (rc < 0) return make_error(ENOMEM, "rendering rule: out of memory");
        return {};
    }

    static Error parse_error(const char* what) {
        return make_error(EBADMSG, std::string("parsing ") + what + " message: malformed");
    }
};

}  // namespace

Result<std::string> describe(const Batch& batch) {
    Describer d;
    auto bytes = batch.bytes();
    int len = int(bytes.size());
    // The batch is our own buffer, laid out by libmnl; mnl_nlmsg_ok bounds
    // every step by the bytes that remain.
    auto* nlh = reinterpret_cast<const nlmsghdr*>(bytes.data());
    for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
        uint16_t type = nlh->nlmsg_type;
        if (type == NFNL_MSG_BATCH_BEGIN) {
            d.out += "batch begin\n";
            continue;
        }
        if (type == NFNL_MSG_BATCH_END) {
            d.out += "batch end\n";
            continue;
        }
        if ((type >> 8) != NFNL_SUBSYS_NFTABLES) {
            return make_error(EBADMSG, "message of subsystem " + std::to_string(type >> 8) +
                                           " in an nftables batch");
        }
        Status st;
        switch (type & 0xff) {
            case NFT_MSG_NEWTABLE:
                st = d.table(nlh, "add");
                break;
            case NFT_MSG_DELTABLE:
                st = d.table(nlh, "delete");
                break;
            case NFT_MSG_NEWCHAIN:
                st = d.chain(nlh);
                break;
            case NFT_MSG_NEWSET:
                st = d.set(nlh);
                break;
            case NFT_MSG_NEWSETELEM:
                st = d.elements(nlh);
                break;
            case NFT_MSG_NEWRULE:
                st = d.rule(nlh);
                break;
            default:
                d.out += "nf_tables message " + std::to_string(type & 0xff) + "\n";
                break;
        }
        if (!st) return st.error().context("describing message " + std::to_string(nlh->nlmsg_seq));
    }
    if (len != 0)
        return make_error(EBADMSG, "nftables batch has " + std::to_string(len) + " trailing bytes");
    return std::move(d.out);
}

}  // namespace vswitch::nft
