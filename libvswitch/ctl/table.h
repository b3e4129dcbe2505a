// A text table whose columns fit their widest cell (counted in bytes, as
// vswitchctl always has), two spaces apart, no trailing padding. vswitchctl's
// `list` and `leases` print one.
#pragma once

#include <string>
#include <vector>

namespace vswitch::ctl {

class Table {
public:
    explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    size_t size() const { return rows_.size() - 1; }  // rows without the header
    std::string render() const;                       // one line per row, '\n'-terminated

private:
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace vswitch::ctl
