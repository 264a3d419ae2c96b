/* exitcodes.c - library error code to exit status: the column of the one error list
 * (MAMORI_ERR_MAP in base/err.h). */
#include "base/compat.h"

#include "cli/cli.h"

int cli_exit_code(int code)
{
	return mamori_err_exit_status(code);
}
