/*
 * lazy.h - shared libraries opened on first use (dlopen) instead of at start-up, so a
 * command that never draws a chart or fetches a URL does not pay for cairo or libcurl.
 */
#ifndef MAMORI_LAZY_H
#define MAMORI_LAZY_H

#include "base/compat.h"

/* One library loaded on demand. Define it with LAZY_LIB_INIT("libfoo.so.N") (the
 * versioned SONAME, as a program linked with -lfoo would record it); it is opened once
 * with RTLD_NOW | RTLD_LOCAL the first time one of its symbols is asked for, and never
 * closed. Thread-safe. */
struct lazy_lib {
	const char *soname;
	void *handle; /* NULL until opened; read and written atomically */
};
#define LAZY_LIB_INIT(soname)  \
	{                      \
		(soname), NULL \
	}

/* Returns the address of symbol name in l, opening l first when needed. Never returns
 * NULL: when the library or the symbol cannot be loaded the process cannot go on (see
 * lazy.c), so it prints one line naming both and dlerror(), and aborts. */
void *lazy_sym(struct lazy_lib *l, const char *name);
/* True once l has been opened (by lazy_sym). */
bool lazy_is_open(struct lazy_lib *l);

/* The libraries mamori opens lazily; each has a *_lazy.h next to its users. */
extern struct lazy_lib lazy_cairo, lazy_pango, lazy_pangocairo, lazy_gobject, lazy_curl, lazy_xml2,
    lazy_ldns, lazy_archive, lazy_microhttpd, lazy_hs, lazy_pq;

/*
 * LAZY(lib, fn) is the library's own fn (a function or a variable), resolved through
 * lib on first use at this call site and cached there. __typeof__(&fn) takes the exact
 * prototype from the library's header without referencing the symbol, so arguments are
 * type-checked as before and variadic functions work. GNU extensions (__typeof__,
 * statement expressions) under __extension__ keep the project on -std=c11 (gcc and
 * clang accept both there); no gnu11 needed.
 *
 * The cache uses acquire/release rather than relaxed ordering: a thread that sees the
 * pointer must also see the library dlopen() initialised in another thread. On x86-64
 * an acquire load is a plain load.
 *
 * In a *_lazy.h: #define foo(...) LAZY(lazy_foolib, foo)(__VA_ARGS__). Inside its own
 * expansion the macro name foo is not expanded again, so LAZY sees the real name.
 */
#define LAZY(lib, fn)                                                                  \
	(*__extension__({                                                              \
		static __typeof__(&fn) lazy_p_;                                        \
		__typeof__(&fn) lazy_q_ = __atomic_load_n(&lazy_p_, __ATOMIC_ACQUIRE); \
		if (!lazy_q_) {                                                        \
			lazy_q_ = (__typeof__(&fn))lazy_sym(&(lib), #fn);              \
			__atomic_store_n(&lazy_p_, lazy_q_, __ATOMIC_RELEASE);         \
		}                                                                      \
		lazy_q_;                                                               \
	}))

#endif
