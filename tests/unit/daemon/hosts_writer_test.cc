// The hosts file writer: throttled, and written only when its text changed.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "daemon/dns/hosts_writer.h"
#include "libvswitch/base/file.h"

using namespace vswitch;
using namespace vswitch::dns;

namespace {

ino_t inode_of(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

class HostsWriterTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/vswitch-hosts-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        sd_event* raw = nullptr;
        ASSERT_GE(sd_event_new(&raw), 0);
        loop_.reset(raw);
        auto w = HostsWriter::create(loop_.get(), dir_ + "/hosts", [this] { return text_; });
        ASSERT_TRUE(w.ok());
        writer_ = std::move(*w);
    }
    void TearDown() override {
        writer_.reset();
        std::filesystem::remove_all(dir_);
    }
    void run_for(uint64_t usec) {
        const uint64_t end = event::now(loop_.get()) + usec;
        while (event::now(loop_.get()) < end) ASSERT_GE(sd_event_run(loop_.get(), 10'000), 0);
    }
    std::string dir_;
    std::string text_ = "# one\n";
    UniqueHandle<sd_event, sd_event_unref> loop_;
    std::unique_ptr<HostsWriter> writer_;
};

}  // namespace

TEST_F(HostsWriterTest, WritesOnlyWhenTheTextChanged) {
    ASSERT_TRUE(writer_->flush().ok());
    EXPECT_EQ(writer_->writes(), 1u);
    const ino_t first = inode_of(dir_ + "/hosts");
    ASSERT_NE(first, 0u);
    // Renewals: every one says "names changed", none changes a name.
    for (int i = 0; i < 100; ++i) writer_->changed();
    run_for(uint64_t(std::chrono::microseconds(kHostsInterval).count()) + 100'000);
    EXPECT_EQ(writer_->writes(), 1u);
    EXPECT_EQ(writer_->unchanged(), 1u) << "100 changes, one throttled look";
    EXPECT_EQ(inode_of(dir_ + "/hosts"), first) << "the file was replaced";

    text_ = "# two\n";
    writer_->changed();
    run_for(uint64_t(std::chrono::microseconds(kHostsInterval).count()) + 100'000);
    EXPECT_EQ(writer_->writes(), 2u);
    EXPECT_EQ(*read_file(dir_ + "/hosts"), "# two\n");
}

TEST_F(HostsWriterTest, AStopWritesWhatIsPending) {
    ASSERT_TRUE(writer_->flush().ok());
    text_ = "# pending\n";
    writer_->changed();
    writer_.reset();  // before the throttle ran
    EXPECT_EQ(*read_file(dir_ + "/hosts"), "# pending\n");
}
