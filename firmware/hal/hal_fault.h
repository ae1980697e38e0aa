/*
 * The fault-injection point the HAL wrappers share (CONFIG_TEST_FAULTS,
 * the test build): each driver class keeps one countdown next to its
 * wrappers, as SQLite keeps DO_OS_MALLOC_TEST's, so drivers stay clean.
 * Private to firmware/hal.
 */
#ifndef LEAKTAP_HAL_FAULT_H
#define LEAKTAP_HAL_FAULT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifdef CONFIG_TEST_FAULTS
/* True for the call that brings *countdown to zero (the Nth from arming); 0 is disarmed. */
static inline bool hal_fault_hit(uint32_t *countdown)
{
	return *countdown != 0 && --*countdown == 0;
}

/* The error text an injected fault leaves where the class keeps one. */
static inline void hal_fault_note(char *err, size_t size, const char *who, const char *what)
{
	snprintf(err, size, "%s: injected fault in %s", who, what);
}

/* In a wrapper: when the countdown hits, run note and return rc. */
#define HAL_FAULT(countdown, note, rc)                                                             \
	do {                                                                                       \
		if (hal_fault_hit(countdown)) {                                                    \
			note;                                                                      \
			return (rc);                                                               \
		}                                                                                  \
	} while (0)
#else
#define HAL_FAULT(countdown, note, rc)                                                             \
	do {                                                                                       \
	} while (0)
#endif

#endif /* LEAKTAP_HAL_FAULT_H */
