/* test_lazy.c - libraries opened on first use (src/base/lazy.h): symbols resolve and are
 * callable, call sites cache the pointer, every SONAME in the table loads, failures abort. */
#include "base/compat.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "base/lazy.h"
#include "testutil.h"

static struct lazy_lib test_z = LAZY_LIB_INIT("libz.so.1");

/* One LAZY call site; returns the pointer it resolved (cached after the first call). */
static const char *(*zlib_version_site(void))(void)
{
	return &LAZY(test_z, zlibVersion);
}

static void test_lazy__resolves_callable_symbol(void **state)
{
	const char *(*fn)(void) = (const char *(*)(void))lazy_sym(&test_z, "zlibVersion");

	assert_non_null(fn);
	assert_true(lazy_is_open(&test_z));
	assert_string_equal(fn(), zlibVersion());
	assert_string_equal(LAZY(test_z, zlibVersion)(), ZLIB_VERSION);
}

static void test_lazy__call_site_caches_pointer(void **state)
{
	const char *(*first)(void) = zlib_version_site();
	const char *(*second)(void);

	assert_non_null(first);
	/* A cached call site never asks the library again: break the library and the same
	 * site still answers with the same address, while a fresh lookup would abort. */
	test_z.soname = "libmamori-does-not-exist.so.0";
	test_z.handle = NULL;
	second = zlib_version_site();
	assert_ptr_equal(first, second);
	assert_string_equal(second(), zlibVersion());
	assert_false(lazy_is_open(&test_z));
	test_z.soname = "libz.so.1";
}

/* The SONAME of every lazily opened library is right on this system, so no command
 * dies on first use (each library's tests exercise the functions themselves). */
static void test_lazy__every_project_library_opens(void **state)
{
	static const struct {
		struct lazy_lib *lib;
		const char *sym;
	} libs[] = {
	    {&lazy_cairo, "cairo_version"},
	    {&lazy_pango, "pango_version"},
	    {&lazy_pangocairo, "pango_cairo_font_map_get_default"},
	    {&lazy_gobject, "g_object_unref"},
	    {&lazy_curl, "curl_version"},
	    {&lazy_xml2, "xmlCheckVersion"},
	    {&lazy_ldns, "ldns_version"},
	    {&lazy_archive, "archive_version_number"},
	    {&lazy_microhttpd, "MHD_get_version"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(libs); i++) {
		assert_non_null(lazy_sym(libs[i].lib, libs[i].sym));
		assert_true(lazy_is_open(libs[i].lib));
	}
}

/* Runs lazy_sym(l, sym) in a child; returns what it wrote to stderr and its status. */
static int run_failing_lookup(struct lazy_lib *l, const char *sym, char *out, size_t cap)
{
	int fds[2], status = 0;
	ssize_t n, got = 0;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		lazy_sym(l, sym);
		_exit(0); /* not reached when lazy_sym aborts as it must */
	}
	close(fds[1]);
	while (got + 1 < (ssize_t)cap && (n = read(fds[0], out + got, cap - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_lazy__missing_library_aborts_with_its_name(void **state)
{
	struct lazy_lib missing = LAZY_LIB_INIT("libmamori-does-not-exist.so.0");
	char msg[512];
	int status = run_failing_lookup(&missing, "frob_widget", msg, sizeof(msg));

	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(msg, "libmamori-does-not-exist.so.0"));
	assert_non_null(strstr(msg, "frob_widget"));
	assert_ptr_equal(strchr(msg, '\n'), msg + strlen(msg) - 1); /* one line */
}

static void test_lazy__missing_symbol_aborts_with_its_name(void **state)
{
	struct lazy_lib z = LAZY_LIB_INIT("libz.so.1");
	char msg[512];
	int status = run_failing_lookup(&z, "zlibNoSuchFunction", msg, sizeof(msg));

	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(msg, "libz.so.1"));
	assert_non_null(strstr(msg, "zlibNoSuchFunction"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lazy__resolves_callable_symbol),
	    cmocka_unit_test(test_lazy__call_site_caches_pointer),
	    cmocka_unit_test(test_lazy__every_project_library_opens),
	    cmocka_unit_test(test_lazy__missing_library_aborts_with_its_name),
	    cmocka_unit_test(test_lazy__missing_symbol_aborts_with_its_name),
	};
	return cmocka_run_group_tests_name("lazy", tests, NULL, NULL);
}
