// The one way the DNS library includes ldns. ldns/common.h defines bool,
// true and false as macros unless stdbool.h came first, which breaks C++
// headers included after it (std::optional's operator<=> among them).
#pragma once

// clang-format off
#include <stdbool.h>  // NOLINT(modernize-deprecated-headers): must precede ldns
#include <ldns/ldns.h>
// clang-format on
