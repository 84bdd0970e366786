#ifndef AGENTD_CHIREDIS_SHIM_H
#define AGENTD_CHIREDIS_SHIM_H

// Debian's libhiredis-dev installs the headers under <hiredis/...>;
// pkg-config adds -I/usr/include/hiredis as well, so either spelling works.
#include <hiredis/hiredis.h>

#endif
