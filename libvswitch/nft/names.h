// Names the nft code shares when it prints what the kernel holds: by
// batch.cc's describe() and by the foreign-ruleset reader and its fixes.
#pragma once

#include <cstdint>
#include <string>

namespace vswitch::nft {

// "inet", "ip", "ip6", "bridge", or "family<N>".
std::string family_name(uint32_t family);

// The comment a table or rule carries in its user data (what `nft list`
// prints as comment "..."), or "" (also when memory runs out).
std::string udata_comment(const void* data, uint32_t len, uint8_t comment_type);

}  // namespace vswitch::nft
