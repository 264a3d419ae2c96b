/* testutil.c - temporary files and paths for unit tests. */
#include "base/compat.h"

#include <ftw.h>
#include <unistd.h>

#include "testutil.h"

static char tmpdir[256];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void cleanup(void)
{
	if (tmpdir[0] && !getenv("MAMORI_KEEP_TMP"))
		nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *tu_tmpdir(void)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/mamori-test-XXXXXX");
		if (!mkdtemp(tmpdir))
			abort();
		atexit(cleanup);
	}
	return tmpdir;
}

void tu_path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", tu_tmpdir(), name);
}

const char *tu_write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	tu_path(path, sizeof(path), name);
	f = fopen(path, "wb");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	return path;
}

const char *tu_data_dir(void)
{
	const char *d = getenv("MAMORI_DATA_DIR");
	return d && *d ? d : MAMORI_DEFAULT_DATA_DIR;
}
