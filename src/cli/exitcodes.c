/* exitcodes.c - the one table mapping library error codes to exit statuses. */
#include "base/compat.h"

#include "cli/cli.h"

static const struct {
	int code;
	int status;
} exit_table[] = {
    {M_OK, 0},	   {M_EINVAL, 2},   {M_EPARSE, 3},	  {M_ENOTFOUND, 4},
    {M_ESCOPE, 5}, {M_EIO, 6},	    {M_ESTORE, 7},	  {M_ENOMEM, 8},
    {M_EEXIST, 9}, {M_ETOOBIG, 10}, {M_ETIMEOUT, 11},	  {M_EPERM, 12},
    {M_ENET, 13},  {M_EINTR, 130},  {M_EUNSUPPORTED, 14}, {M_ECONFIRM, 15},
};

int cli_exit_code(int code)
{
	for (size_t i = 0; i < ARRAY_SIZE(exit_table); i++)
		if (exit_table[i].code == code)
			return exit_table[i].status;
	return 1;
}
