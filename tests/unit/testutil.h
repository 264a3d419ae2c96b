/* testutil.h - helpers shared by the cmocka unit tests. */
#ifndef MAMORI_TESTUTIL_H
#define MAMORI_TESTUTIL_H

#include "base/compat.h"

#include <setjmp.h>
#include <cmocka.h>

/* A fresh temporary directory for this test process (created on first call,
 * removed at exit). */
const char *tu_tmpdir(void);
/* Writes a new path "<tmpdir>/<name>" into out. */
void tu_path(char *out, size_t cap, const char *name);
/* Writes text to "<tmpdir>/<name>" and returns the path (static buffer). */
const char *tu_write_file(const char *name, const char *text);
/* The shared data folder ($MAMORI_DATA_DIR or the build default). */
const char *tu_data_dir(void);

#endif
