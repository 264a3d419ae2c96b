/*
 * lazy.c - opens the heavy shared libraries (cairo, pango, libcurl, libxml2, ...) the
 * first time one of their functions is called; see lazy.h and docs/ARCHITECTURE.md.
 */
#include "base/compat.h"

#include <dlfcn.h>
#include <pthread.h>

#include "base/lazy.h"

/* The SONAMEs are the ones the Debian 12 -dev packages link against (objdump -p
 * /usr/lib/x86_64-linux-gnu/libfoo.so | grep SONAME). */
struct lazy_lib lazy_cairo = LAZY_LIB_INIT("libcairo.so.2");
struct lazy_lib lazy_pango = LAZY_LIB_INIT("libpango-1.0.so.0");
struct lazy_lib lazy_pangocairo = LAZY_LIB_INIT("libpangocairo-1.0.so.0");
struct lazy_lib lazy_gobject = LAZY_LIB_INIT("libgobject-2.0.so.0");
struct lazy_lib lazy_curl = LAZY_LIB_INIT("libcurl.so.4");
struct lazy_lib lazy_xml2 = LAZY_LIB_INIT("libxml2.so.2");
struct lazy_lib lazy_ldns = LAZY_LIB_INIT("libldns.so.3");
struct lazy_lib lazy_archive = LAZY_LIB_INIT("libarchive.so.13");
struct lazy_lib lazy_microhttpd = LAZY_LIB_INIT("libmicrohttpd.so.12");
struct lazy_lib lazy_hs = LAZY_LIB_INIT("libhs.so.5");
struct lazy_lib lazy_pq = LAZY_LIB_INIT("libpq.so.5");

/* Serialises the opening; after that lazy_sym only reads the handle. dlerror() is
 * per-thread in glibc, but dlopen+dlerror under one lock keeps the message ours. */
static pthread_mutex_t lazy_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The one place library code prints and aborts. A missing library or symbol means the
 * Debian package is not installed (or is the wrong version): no caller can recover from
 * that in the middle of drawing a chart or sending a mail, and returning an error from
 * every cairo_* call site is not possible (their prototypes are the library's). The line
 * tells the operator which package to install.
 */
static void lazy_die(const struct lazy_lib *l, const char *name, const char *why)
{
	fprintf(stderr, "mamori: cannot load %s from %s: %s (is the library installed?)\n",
		name ? name : "the library", l->soname, why ? why : "unknown error");
	fflush(stderr);
	abort();
}

static void *lazy_open(struct lazy_lib *l, const char *name)
{
	void *h;

	pthread_mutex_lock(&lazy_lock);
	h = l->handle;
	if (!h) {
		h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			const char *why = dlerror();
			lazy_die(l, name, why);
		}
		__atomic_store_n(&l->handle, h, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&lazy_lock);
	return h;
}

void *lazy_sym(struct lazy_lib *l, const char *name)
{
	void *h = __atomic_load_n(&l->handle, __ATOMIC_ACQUIRE);
	void *p;

	if (!h)
		h = lazy_open(l, name);
	pthread_mutex_lock(&lazy_lock);
	dlerror(); /* clear, so a NULL below is told apart from a symbol whose value is 0 */
	p = dlsym(h, name);
	if (!p) {
		const char *why = dlerror();
		lazy_die(l, name, why ? why : "symbol is NULL");
	}
	pthread_mutex_unlock(&lazy_lock);
	return p;
}

bool lazy_is_open(struct lazy_lib *l)
{
	return __atomic_load_n(&l->handle, __ATOMIC_ACQUIRE) != NULL;
}
