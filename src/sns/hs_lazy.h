/*
 * sns/hs_lazy.h - Hyperscan (libhs, C++ inside), loaded on first use by src/sns: a command
 * that matches no SNS post loads neither libhs nor libstdc++.
 *
 * Include this instead of <hs.h>. Every function the project calls is listed below and
 * resolved through lazy.h on first call; the library is not on the link line, so a call to
 * a function missing from this list fails at link time - add it here. Callbacks passed to
 * hs_scan are the project's own functions, not the library's.
 */
#ifndef MAMORI_SNS_HS_LAZY_H
#define MAMORI_SNS_HS_LAZY_H

#include <hs.h>

#include "base/lazy.h"

#define hs_alloc_scratch(...) LAZY(lazy_hs, hs_alloc_scratch)(__VA_ARGS__)
#define hs_compile(...) LAZY(lazy_hs, hs_compile)(__VA_ARGS__)
#define hs_compile_lit_multi(...) LAZY(lazy_hs, hs_compile_lit_multi)(__VA_ARGS__)
#define hs_compile_multi(...) LAZY(lazy_hs, hs_compile_multi)(__VA_ARGS__)
#define hs_free_compile_error(...) LAZY(lazy_hs, hs_free_compile_error)(__VA_ARGS__)
#define hs_free_database(...) LAZY(lazy_hs, hs_free_database)(__VA_ARGS__)
#define hs_free_scratch(...) LAZY(lazy_hs, hs_free_scratch)(__VA_ARGS__)
#define hs_scan(...) LAZY(lazy_hs, hs_scan)(__VA_ARGS__)

#endif
