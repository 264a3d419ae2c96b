/*
 * stop.h - the stop request a long run polls (`volatile sig_atomic_t *stop` in scan, identify
 * and asm configurations). A signal handler sets it, and so may another thread (the console's
 * job runner at shutdown): plain volatile accesses are then a data race, so both sides go
 * through these relaxed atomic accesses (lock-free on int, so still async-signal-safe).
 */
#ifndef MAMORI_BASE_STOP_H
#define MAMORI_BASE_STOP_H

#include <signal.h>

/* The stop level *p holds, 0 when p is NULL. */
static inline int stop_level_of(volatile sig_atomic_t *p)
{
	return p ? __atomic_load_n(p, __ATOMIC_RELAXED) : 0;
}

/* Asks a run watching *p to stop (level 1: stop sending, 2: also skip the cooldown). */
static inline void stop_request(volatile sig_atomic_t *p, int level)
{
	__atomic_store_n(p, level, __ATOMIC_RELAXED);
}

#endif
