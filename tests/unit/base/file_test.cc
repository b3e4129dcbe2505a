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
