/* buf_file.c - reading a whole file (plain or gzip) into a capped buffer. */
#include "base/compat.h"

#include <errno.h>
#include <zlib.h>

#include "base/buf.h"
#include "base/err.h"

int buf_read_file(struct buf *b, const char *path, struct merr *e)
{
	gzFile f = gzopen(path, "rb");
	char chunk[65536];
	int n = 0, rc = 0;

	if (!f)
		return merr_at(e, M_EIO, path, -1, -1, NULL, "cannot open: %s", strerror(errno));
	while (rc == 0 && (n = gzread(f, chunk, sizeof(chunk))) > 0)
		rc = buf_add(b, chunk, (size_t)n);
	gzclose(f);
	if (rc == M_ETOOBIG)
		return merr_at(e, rc, path, -1, -1, NULL, "larger than %zu bytes", b->max);
	if (rc == M_ENOMEM)
		return merr_set(e, rc, "out of memory reading %s", path);
	if (n < 0)
		return merr_at(e, M_EIO, path, -1, (long long)b->len, NULL,
			       "read error (truncated gzip?)");
	return rc;
}
