/*
 * What lwIP needs from the board in NO_SYS mode: a millisecond clock for
 * its timers and a random source. Both come from brd_*, so simulated
 * boards and tests drive them.
 */
#include "lwip/sys.h"

#include "brd.h"

u32_t sys_now(void)
{
	/* lwIP's timers work on a wrapping 32-bit millisecond count. */
	return (u32_t)brd_now_ms();
}

unsigned int mgmt_rand(void)
{
	unsigned int r = 0;
	if (brd_random(&r, sizeof(r)) != 0) {
		/* Never block the stack on entropy: fall back to the clock's low bits. */
		r = (unsigned int)brd_now_us();
	}
	return r;
}
