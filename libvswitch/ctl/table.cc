#include "libvswitch/ctl/table.h"

#include <algorithm>

namespace vswitch::ctl {

std::string Table::render() const {
    std::vector<size_t> width;
    for (const auto& row : rows_) {
        if (width.size() < row.size()) width.resize(row.size());
        for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    }
    std::string out;
    for (const auto& row : rows_) {
        for (size_t i = 0; i < row.size(); ++i) {
            out += row[i];
            if (i + 1 < row.size()) out.append(width[i] - row[i].size() + 2, ' ');
        }
        out += '\n';
    }
    return out;
}

}  // namespace vswitch::ctl
