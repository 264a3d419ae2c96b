/* auth_int.h - helpers shared by the auth module's own files only. */
#ifndef MAMORI_AUTH_INT_H
#define MAMORI_AUTH_INT_H

#include "auth/auth.h"

/* Calls sodium_init() once; returns 0 or M_EUNSUPPORTED. */
int auth_sodium_ready(struct merr *e);
/* Copies s into dst (cap bytes), "" for NULL. */
void auth_copy(char *dst, size_t cap, const char *s);
/* True when s is 64 lowercase hex digits. */
bool auth_is_hex64(const char *s);
/* Fills p from the users row id (with the org slug); M_ENOTFOUND when there is none. */
int auth_principal_load(struct store *s, int64_t user_id, struct auth_principal *p, bool *disabled,
			struct merr *e);

#endif
