// RAII owners for libnftnl objects. An object handed to its parent
// (nftnl_rule_add_expr, nftnl_set_elem_add) is owned by the parent from then
// on: release() it at that call.
#pragma once

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "libvswitch/base/handle.h"

namespace vswitch::nft {

using NftnlTable = UniqueHandle<nftnl_table, nftnl_table_free>;
using NftnlChain = UniqueHandle<nftnl_chain, nftnl_chain_free>;
using NftnlSet = UniqueHandle<nftnl_set, nftnl_set_free>;
using NftnlSetElem = UniqueHandle<nftnl_set_elem, nftnl_set_elem_free>;
using NftnlRule = UniqueHandle<nftnl_rule, nftnl_rule_free>;
using NftnlExpr = UniqueHandle<nftnl_expr, nftnl_expr_free>;

}  // namespace vswitch::nft
