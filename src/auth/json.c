/* json.c - the one JSON shape of a user and of an audit row (the API and `mamori user list
 * --json`). */
#include "base/compat.h"

#include "base/json.h"

#include <cjson/cJSON.h>

#include "auth/auth.h"

cJSON *auth_user_json(const struct auth_user *u)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", u->name);
	cJSON_AddStringToObject(o, "display_name", u->display);
	cJSON_AddStringToObject(o, "role", auth_role_name(u->role));
	json_add_str(o, "org", u->org_slug[0] ? u->org_slug : NULL);
	json_add_str(o, "sector", u->sector[0] ? u->sector : NULL);
	cJSON_AddBoolToObject(o, "disabled", u->disabled);
	json_add_time(o, "created_at", u->created_at);
	return o;
}

cJSON *auth_audit_json(const struct auth_audit_row *a)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)a->id);
	json_add_time(o, "at", a->at);
	json_add_str(o, "actor", a->actor);
	json_add_str(o, "action", a->action);
	json_add_str(o, "object", a->object);
	json_add_str(o, "detail", a->detail);
	return o;
}
