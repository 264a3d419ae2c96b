/* fuzz_exercise_scenario.c - the exercise scenario reader on arbitrary bytes: it never
 * crashes or leaks; what it accepts is consistent (injects in time order, every branch to an
 * earlier inject, every addressed role among the scenario's roles, every attachment a plain
 * file name). */
#include "base/compat.h"

#include <stdlib.h>
#include <string.h>

#include "exercise/exercise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ex_scenario sc;
	struct merr e;

	merr_init(&e);
	if (ex_scenario_parse((const char *)data, size, "fuzz", &sc, &e) == 0) {
		for (size_t i = 0; i < sc.n_injects; i++) {
			const struct ex_inject *in = &sc.injects[i];
			bool role = false;
			if (i && in->at_s < sc.injects[i - 1].at_s)
				abort();
			for (size_t k = 0; k < sc.n_roles; k++)
				role |= !strcmp(sc.roles[k], in->to);
			if (!role || !ex_role_ja(in->to))
				abort();
			/* an attachment name is a plain file name of the allow-list */
			if (in->attachment[0] &&
			    (!ex_attach_name_ok(in->attachment) || strchr(in->attachment, '/')))
				abort();
			if (in->branch_inject[0]) {
				const struct ex_inject *b = ex_inject_find(&sc, in->branch_inject);
				if (!b || b >= in)
					abort();
			}
		}
	}
	ex_scenario_free(&sc);
	return 0;
}
