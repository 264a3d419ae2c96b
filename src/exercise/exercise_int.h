/* exercise_int.h - what the exercise module's files share (not for other modules). */
#ifndef MAMORI_EXERCISE_INT_H
#define MAMORI_EXERCISE_INT_H

#include "exercise/exercise.h"

/* Within ex_start's transaction: invite users ("NAME" or "NAME:ROLE"), and load the bytes of
 * every attachment the scenario at path names (people.c). */
int ex_invite_all_in(const struct ex_ctx *c, int64_t run, const char *const *users, size_t n,
		     struct merr *e);
int ex_attach_load_in(const struct ex_ctx *c, int64_t run, const struct ex_scenario *sc,
		      const char *path, struct merr *e);

#endif
