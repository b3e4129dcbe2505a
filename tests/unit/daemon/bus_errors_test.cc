// The Error → named D-Bus error map of daemon/bus/errors.cc.
#include <gtest/gtest.h>
#include <netlink/errno.h>

#include "daemon/bus/errors.h"
#include "daemon/netlink/route_socket.h"

using namespace vswitch;
using namespace vswitch::bus;

namespace {

struct BusError {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    ~BusError() { sd_bus_error_free(&e); }
};

}  // namespace

TEST(BusErrors, ErrnoCodesMapToNamedErrors) {
    EXPECT_STREQ(error_name(ENODEV), kErrorNoSuchPort);
    EXPECT_STREQ(error_name(EINVAL), kErrorInvalidArgument);
    EXPECT_STREQ(error_name(EEXIST), kErrorExists);
    EXPECT_STREQ(error_name(EPERM), kErrorAccessDenied);
    EXPECT_STREQ(error_name(E2BIG), kErrorLimitExceeded);
    EXPECT_STREQ(error_name(EIO), kErrorFailed);
}

// A kernel "not found" (libnl's NLE_OBJ_NOTFOUND, ENOENT) says nothing
// about switches: it must not reach a caller as NoSuchSwitch.
TEST(BusErrors, AKernelNotFoundIsNoNoSuchSwitch) {
    BusError e;
    Error kernel = netlink::nl_error(-NLE_OBJ_NOTFOUND, "changing interface 'vstap0'");
    EXPECT_EQ(kernel.code, ENOENT);
    EXPECT_EQ(reply_error(&e.e, kernel), -ENOENT);
    EXPECT_STREQ(e.e.name, kErrorFailed);
    EXPECT_STREQ(e.e.message, "changing interface 'vstap0': No such file or directory");
}

TEST(BusErrors, NoSuchSwitchNamesTheSwitch) {
    BusError e;
    EXPECT_EQ(reply_no_such_switch(&e.e, "Nope"), -ENOENT);
    EXPECT_STREQ(e.e.name, kErrorNoSuchSwitch);
    EXPECT_STREQ(e.e.message, "no switch 'Nope'");
}
