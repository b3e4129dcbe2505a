// Output helpers for vswitchctl: a JSON string escaper and a text table
// whose columns fit their widest cell. Plain values, no bus in here.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace vswitch::ctl {

// "..." with JSON escapes (RFC 8259 §7); bytes >= 0x80 pass through (UTF-8).
std::string json_string(std::string_view s);

class Table {
public:
    explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    size_t size() const { return rows_.size() - 1; }
    void print(FILE* out) const;

private:
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace vswitch::ctl
