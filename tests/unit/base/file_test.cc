#include "libvswitch/base/file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

using namespace vswitch;

namespace {
std::string temp_dir() {
    char tmpl[] = "/tmp/vswitch-test-XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    return d ? d : "";
}
}  // namespace

TEST(File, AtomicWriteReplacesAndReadsBack) {
    std::string dir = temp_dir();
    ASSERT_FALSE(dir.empty());
    std::string path = dir + "/state";
    ASSERT_TRUE(write_file_atomic(path, "one\n").ok());
    ASSERT_TRUE(write_file_atomic(path, "two\n", 0600).ok());
    auto r = read_file(path);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, "two\n");
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::remove(path.c_str());
    ::rmdir(dir.c_str());
}

TEST(File, MissingFileIsENOENTWithPath) {
    auto r = read_file("/nonexistent/vswitch/file");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ENOENT);
    EXPECT_NE(r.error().message.find("'/nonexistent/vswitch/file'"), std::string::npos);
}

TEST(File, MakeDirectoriesRefusesAFile) {
    std::string dir = temp_dir();
    ASSERT_TRUE(make_directories(dir + "/a/b/c").ok());
    ASSERT_TRUE(write_file_atomic(dir + "/f", "x").ok());
    auto s = make_directories(dir + "/f");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ENOTDIR);
    std::string cmd = "rm -rf '" + dir + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
}

// Each damaged file is kept apart (".corrupt-1", "-2", ...), the newest
// kKeepCorruptFiles of them.
TEST(File, MoveAsideCorruptKeepsDistinctBoundedCopies) {
    std::string dir = temp_dir();
    ASSERT_FALSE(dir.empty());
    std::string path = dir + "/Default.leases";
    for (int i = 1; i <= 7; ++i) {
        ASSERT_TRUE(write_file_atomic(path, "bad " + std::to_string(i) + "\n").ok());
        auto aside = move_aside_corrupt(path, 5);
        ASSERT_TRUE(aside.ok()) << aside.error().message;
        EXPECT_EQ(*aside, path + ".corrupt-" + std::to_string(i));
    }
    EXPECT_FALSE(read_file(path).ok());
    for (int i = 1; i <= 7; ++i) {
        auto r = read_file(path + ".corrupt-" + std::to_string(i));
        if (i <= 2) {
            EXPECT_FALSE(r.ok()) << i;
        } else {
            ASSERT_TRUE(r.ok()) << i;
            EXPECT_EQ(*r, "bad " + std::to_string(i) + "\n");
            std::remove((path + ".corrupt-" + std::to_string(i)).c_str());
        }
    }
    EXPECT_EQ(move_aside_corrupt(path).error().code, ENOENT);
    ::rmdir(dir.c_str());
}
