/*
 * report/pango_lazy.h - pango, pangocairo and gobject (g_object_unref, for layouts),
 * loaded on first use by report/doc.c and report/chart.c.
 *
 * Include this instead of the library's header. Every function the project calls is
 * listed below and resolved through lazy.h on first call; the library is not on the link
 * line any more, so a call to a function missing from this list fails at link time
 * ("undefined reference") - add it here. So does passing one of them as a value (a
 * callback): the function-like macros below only replace calls.
 */
#ifndef MAMORI_REPORT_PANGO_LAZY_H
#define MAMORI_REPORT_PANGO_LAZY_H

#include <pango/pangocairo.h>

#include "base/lazy.h"

#define pango_font_description_free(...) LAZY(lazy_pango, pango_font_description_free)(__VA_ARGS__)
#define pango_font_description_from_string(...) \
	LAZY(lazy_pango, pango_font_description_from_string)(__VA_ARGS__)
#define pango_font_description_set_absolute_size(...) \
	LAZY(lazy_pango, pango_font_description_set_absolute_size)(__VA_ARGS__)
#define pango_font_description_set_weight(...) \
	LAZY(lazy_pango, pango_font_description_set_weight)(__VA_ARGS__)
#define pango_layout_get_iter(...) LAZY(lazy_pango, pango_layout_get_iter)(__VA_ARGS__)
#define pango_layout_get_pixel_size(...) LAZY(lazy_pango, pango_layout_get_pixel_size)(__VA_ARGS__)
#define pango_layout_iter_free(...) LAZY(lazy_pango, pango_layout_iter_free)(__VA_ARGS__)
#define pango_layout_iter_get_baseline(...) \
	LAZY(lazy_pango, pango_layout_iter_get_baseline)(__VA_ARGS__)
#define pango_layout_iter_get_line_extents(...) \
	LAZY(lazy_pango, pango_layout_iter_get_line_extents)(__VA_ARGS__)
#define pango_layout_iter_get_line_readonly(...) \
	LAZY(lazy_pango, pango_layout_iter_get_line_readonly)(__VA_ARGS__)
#define pango_layout_iter_next_line(...) LAZY(lazy_pango, pango_layout_iter_next_line)(__VA_ARGS__)
#define pango_layout_set_alignment(...) LAZY(lazy_pango, pango_layout_set_alignment)(__VA_ARGS__)
#define pango_layout_set_font_description(...) \
	LAZY(lazy_pango, pango_layout_set_font_description)(__VA_ARGS__)
#define pango_layout_set_text(...) LAZY(lazy_pango, pango_layout_set_text)(__VA_ARGS__)
#define pango_layout_set_width(...) LAZY(lazy_pango, pango_layout_set_width)(__VA_ARGS__)
#define pango_layout_set_wrap(...) LAZY(lazy_pango, pango_layout_set_wrap)(__VA_ARGS__)
#define pango_cairo_create_layout(...) LAZY(lazy_pangocairo, pango_cairo_create_layout)(__VA_ARGS__)
#define pango_cairo_font_map_set_default(...) \
	LAZY(lazy_pangocairo, pango_cairo_font_map_set_default)(__VA_ARGS__)
#define pango_cairo_show_layout(...) LAZY(lazy_pangocairo, pango_cairo_show_layout)(__VA_ARGS__)
#define pango_cairo_show_layout_line(...) \
	LAZY(lazy_pangocairo, pango_cairo_show_layout_line)(__VA_ARGS__)
#define g_object_unref(...) LAZY(lazy_gobject, g_object_unref)(__VA_ARGS__)

#endif
