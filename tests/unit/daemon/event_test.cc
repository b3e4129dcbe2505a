// The event layer (daemon/event) on a real sd-event loop, no root: timers
// armed relative to now and re-armed in place, the Throttle's coalescing
// and spacing, and trampolines that log a failing callback once and go on.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "daemon/event/event.h"
#include "daemon/event/throttle.h"
#include "daemon/log.h"

using namespace vswitch;
using namespace vswitch::event;

namespace {

class EventTest : public ::testing::Test {
protected:
    void SetUp() override {
        sd_event* raw = nullptr;
        ASSERT_GE(sd_event_new(&raw), 0);
        loop_.reset(raw);
    }
    // Runs the loop until `done` or for at most `usec`.
    template <class Done>
    void run_until(Done done, uint64_t usec = 2'000'000) {
        const uint64_t end = now(loop_.get()) + usec;
        while (!done() && now(loop_.get()) < end) ASSERT_GE(sd_event_run(loop_.get(), 10'000), 0);
    }
    void run_for(uint64_t usec) {
        run_until([] { return false; }, usec);
    }
    sd_event* loop() { return loop_.get(); }
    UniqueHandle<sd_event, sd_event_unref> loop_;
};

}  // namespace

TEST_F(EventTest, TimerFiresOnceAfterItsDelayAndCanBeReArmedInPlace) {
    int fired = 0;
    auto t = Timer::create(loop(), "test timer", [&] { ++fired; });
    ASSERT_TRUE(t.ok());
    EXPECT_FALSE(t->armed());
    const uint64_t start = now(loop());
    t->arm_in(20'000);
    EXPECT_TRUE(t->armed());
    EXPECT_GE(t->due(), start + 20'000);
    run_until([&] { return fired > 0; });
    EXPECT_EQ(fired, 1);
    EXPECT_GE(now(loop()), start + 20'000);
    EXPECT_FALSE(t->armed()) << "one-shot";
    run_for(50'000);
    EXPECT_EQ(fired, 1);
    t->arm_in(1000);
    run_until([&] { return fired > 1; });
    EXPECT_EQ(fired, 2);
}

TEST_F(EventTest, ADisarmedTimerDoesNotFire) {
    int fired = 0;
    auto t = Timer::create(loop(), "test timer", [&] { ++fired; });
    ASSERT_TRUE(t.ok());
    t->arm_in(10'000);
    t->disarm();
    run_for(50'000);
    EXPECT_EQ(fired, 0);
    EXPECT_EQ(t->due(), 0u);
}

TEST_F(EventTest, ATimerMayDestroyItselfFromItsCallback) {
    std::optional<Timer> t;
    int fired = 0;
    auto made = Timer::create(loop(), "self-destroying timer", [&] {
        ++fired;
        t.reset();
    });
    ASSERT_TRUE(made.ok());
    t.emplace(std::move(*made));
    t->arm_in(1000);
    run_until([&] { return fired > 0; });
    EXPECT_EQ(fired, 1);
    EXPECT_FALSE(t.has_value());
    run_for(20'000);  // the freed callback is never called again
}

TEST_F(EventTest, AFailingCallbackIsLoggedOnceAndTheLoopGoesOn) {
    int calls = 0;
    auto t = Timer::create(loop(), "the failing timer", [&] {
        ++calls;
        throw std::runtime_error("boom");
    });
    ASSERT_TRUE(t.ok());
    testing::internal::CaptureStderr();
    for (int i = 0; i < 3; ++i) {
        t->arm_in(1000);
        run_until([&] { return calls > i; });
    }
    std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(calls, 3) << "the source stays enabled after a failure";
    EXPECT_NE(err.find("the failing timer: boom, ignoring"), std::string::npos) << err;
    EXPECT_EQ(err.find("boom"), err.rfind("boom")) << "logged once at the default level: " << err;
}

TEST_F(EventTest, ThrottleFoldsABurstIntoOneRunAfterTheDelay) {
    int runs = 0;
    auto th = Throttle::create(loop(), "test throttle", {30'000, 0}, [&] { ++runs; });
    ASSERT_TRUE(th.ok());
    const uint64_t start = now(loop());
    for (int i = 0; i < 1000; ++i) th->request();
    EXPECT_TRUE(th->pending());
    run_until([&] { return runs > 0; });
    EXPECT_EQ(runs, 1);
    EXPECT_GE(now(loop()), start + 30'000);
    EXPECT_FALSE(th->pending());
    run_for(60'000);
    EXPECT_EQ(runs, 1) << "no request, no run";
}

TEST_F(EventTest, ThrottleLeadingEdgeIsNeverPushedBack) {
    int runs = 0;
    auto th = Throttle::create(loop(), "test throttle", {40'000, 0}, [&] { ++runs; });
    ASSERT_TRUE(th.ok());
    th->request();
    const uint64_t due = th->due();
    run_for(20'000);
    th->request();  // joins the pending run, does not delay it
    EXPECT_EQ(th->due(), due);
}

TEST_F(EventTest, ThrottleKeepsRunsAtLeastTheMinimumIntervalApart) {
    std::vector<uint64_t> at;
    auto th = Throttle::create(loop(), "test throttle", {1000, 100'000}, [&] { at.push_back(now(loop())); });
    ASSERT_TRUE(th.ok());
    th->request();
    run_until([&] { return at.size() == 1; });
    th->request();  // right after a run: waits for the rest of the interval
    run_until([&] { return at.size() == 2; });
    ASSERT_EQ(at.size(), 2u);
    EXPECT_GE(at[1] - at[0], 100'000u);
    // An owner that ran the action itself resets the spacing too.
    th->ran();
    const uint64_t ran_at = now(loop());
    th->request();
    EXPECT_GE(th->due(), ran_at + 100'000);
}

TEST_F(EventTest, ThrottleRequestInAndCancel) {
    int runs = 0;
    auto th = Throttle::create(loop(), "test throttle", {1'000'000, 0}, [&] { ++runs; });
    ASSERT_TRUE(th.ok());
    th->request_in(5000);
    run_until([&] { return runs > 0; }, 500'000);
    EXPECT_EQ(runs, 1) << "the shorter delay of request_in counts";
    th->request();
    th->cancel();
    EXPECT_FALSE(th->pending());
    run_for(30'000);
    EXPECT_EQ(runs, 1);
}

TEST_F(EventTest, IoSourceCallsBackAndCanWaitForOtherEvents) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    int readable = 0;
    auto io = add_io(loop(), fds[0], EPOLLIN, "test pipe", [&](uint32_t revents) {
        if (revents & EPOLLIN) ++readable;
        char c;
        while (read(fds[0], &c, 1) == 1) {
        }
    });
    ASSERT_TRUE(io.ok());
    ASSERT_EQ(write(fds[1], "x", 1), 1);
    run_until([&] { return readable > 0; });
    EXPECT_EQ(readable, 1);
    ASSERT_TRUE(io->set_io_events(0).ok());
    ASSERT_EQ(write(fds[1], "x", 1), 1);
    run_for(20'000);
    EXPECT_EQ(readable, 1) << "not watched for input any more";
    io->reset();
    close(fds[0]);
    close(fds[1]);
}
