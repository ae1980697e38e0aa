/*
 * lwIP compiler/platform glue for leaktap. Byte order and integer types
 * come from the C library headers; diagnostics and assertions go nowhere
 * in the image (LWIP_NOASSERT is not set: a failed assertion aborts, so a
 * bug in the stack's use shows up in the sanitizer tests).
 */
#ifndef LEAKTAP_LWIP_ARCH_CC_H
#define LEAKTAP_LWIP_ARCH_CC_H

#include <stdlib.h>

#define LWIP_PLATFORM_DIAG(x)                                                                      \
	do {                                                                                       \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x)                                                                    \
	do {                                                                                       \
		abort();                                                                           \
	} while (0)

#define LWIP_ERR_T       int
#define LWIP_NO_UNISTD_H 1

#endif /* LEAKTAP_LWIP_ARCH_CC_H */
