/*
 * RAM storage driver for tests: objects live in memory, bounded by a byte
 * capacity, so a full medium (-ENOSPC) is easy to reach. The device string
 * is "cap=N" (N bytes) or anything else for CONFIG_STOR_MEM_DEFAULT_KB.
 * Replace is atomic by construction (the old copy is freed only once the
 * new one exists); nothing survives stor_close().
 */
#ifndef LEAKTAP_STOR_MEM_H
#define LEAKTAP_STOR_MEM_H

#include "stor.h"

extern const struct stor_ops stor_mem_ops;

#endif /* LEAKTAP_STOR_MEM_H */
