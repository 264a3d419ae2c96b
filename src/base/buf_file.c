/* buf_file.c - reading a whole file (plain or gzip) into a capped buffer. */
#include "base/compat.h"

#include <errno.h>
#include <sys/stat.h>
#include <zlib.h>

#include "base/buf.h"
#include "base/err.h"

int buf_read_file(struct buf *b, const char *path, struct merr *e)
{
	struct stat sb;
	gzFile f;
	char chunk[65536];
	int n = 0, rc = 0;

	if (stat(path, &sb) != 0)
		return merr_at(e, errno == ENOENT ? M_ENOTFOUND : M_EIO, path, -1, -1, NULL,
			       "cannot open: %s", strerror(errno));
	if (S_ISDIR(sb.st_mode))
		return merr_at(e, M_EINVAL, path, -1, -1, NULL,
			       "is a folder, not a file / フォルダです");
	if (!S_ISREG(sb.st_mode) && !S_ISFIFO(sb.st_mode))
		return merr_at(e, M_EINVAL, path, -1, -1, NULL,
			       "not a regular file / 通常のファイルではありません");
	f = gzopen(path, "rb");
	if (!f)
		return merr_at(e, M_EIO, path, -1, -1, NULL, "cannot open: %s", strerror(errno));
	while (rc == 0 && (n = gzread(f, chunk, sizeof(chunk))) > 0)
		rc = buf_add(b, chunk, (size_t)n);
	if (n < 0) {
		int zerr = 0;
		const char *why = gzerror(f, &zerr);
		char msg[200];
		snprintf(msg, sizeof(msg), "%s", zerr == Z_ERRNO ? strerror(errno) : why);
		gzclose(f);
		return merr_at(e, zerr == Z_ERRNO ? M_EIO : M_EPARSE, path, -1, (long long)b->len,
			       NULL, "%s", zerr == Z_BUF_ERROR ? "truncated gzip file" : msg);
	}
	gzclose(f);
	if (rc == M_ETOOBIG)
		return merr_at(e, rc, path, -1, -1, NULL, "larger than %zu bytes (decompressed)",
			       b->max);
	if (rc == M_ENOMEM)
		return merr_set(e, rc, "out of memory reading %s", path);
	return rc;
}
