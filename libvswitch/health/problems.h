// Problems: what is wrong with one switch right now, as the daemon's checks
// (firewall guard, diagnostics, subnet watcher) see it, each with the
// command that fixes it. Shown on D-Bus (the Switch's Problems property,
// the Manager's ProblemChanged signal) and by `vswitchctl status`.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vswitch::health {

// More kinds than any check raises; a bug that invents kinds in a loop
// must not grow the registry (and the D-Bus property) without bound.
inline constexpr size_t kMaxProblems = 64;

struct Problem {
    std::string kind;     // stable id: "firewall-fight", "subnet-conflict", ...
    std::string message;  // what is wrong, for a human
    std::string fix;      // a command that fixes it ("" when there is none)

    friend bool operator==(const Problem&, const Problem&) = default;
};

// Owns the current problems of one switch, at most one per kind, in the
// order they were first raised. The Manager keeps one per switch; checks
// raise and clear; the change callback (set by the Manager) logs and tells
// the bus. Pure: no logging, no I/O of its own.
class Problems {
public:
    // cleared is true when the kind went away (problem.message is then "").
    using ChangeFn = std::function<void(const Problem& problem, bool cleared)>;

    explicit Problems(std::string switch_name = {}) : switch_name_(std::move(switch_name)) {}

    const std::string& switch_name() const { return switch_name_; }
    void set_on_change(ChangeFn fn) { on_change_ = std::move(fn); }

    // Adds or updates the problem of this kind. The same kind with the same
    // text again is no change: no callback, false returned. Beyond
    // kMaxProblems kinds a new kind is dropped (false).
    bool raise(std::string kind, std::string message, std::string fix);
    // Removes the problem of this kind; false when there was none.
    bool clear(std::string_view kind);
    // Removes every problem (teardown), announcing each.
    void clear_all();

    bool has(std::string_view kind) const { return find(kind) != nullptr; }
    const Problem* find(std::string_view kind) const;
    const std::vector<Problem>& list() const { return problems_; }

private:
    std::string switch_name_;
    std::vector<Problem> problems_;
    ChangeFn on_change_;
};

}  // namespace vswitch::health
