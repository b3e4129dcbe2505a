#include "libvswitch/health/problems.h"

#include <algorithm>

namespace vswitch::health {

const Problem* Problems::find(std::string_view kind) const {
    for (const auto& p : problems_)
        if (p.kind == kind) return &p;
    return nullptr;
}

bool Problems::raise(std::string kind, std::string message, std::string fix) {
    Problem next{std::move(kind), std::move(message), std::move(fix)};
    auto it = std::find_if(problems_.begin(), problems_.end(),
                           [&](const Problem& p) { return p.kind == next.kind; });
    if (it != problems_.end()) {
        if (*it == next) return false;
        *it = next;
        if (on_change_) on_change_(next, false);
        return true;
    }
    if (problems_.size() >= kMaxProblems) return false;
    problems_.push_back(std::move(next));
    // Copied: the callback may raise or clear and move the vector.
    Problem added = problems_.back();
    if (on_change_) on_change_(added, false);
    return true;
}

bool Problems::clear(std::string_view kind) {
    auto it = std::find_if(problems_.begin(), problems_.end(),
                           [&](const Problem& p) { return p.kind == kind; });
    if (it == problems_.end()) return false;
    Problem gone{it->kind, "", ""};
    problems_.erase(it);
    if (on_change_) on_change_(gone, true);
    return true;
}

void Problems::clear_all() {
    while (!problems_.empty()) clear(std::string(problems_.front().kind));
}

}  // namespace vswitch::health
