/*
 * report/cairo_lazy.h - cairo (with its PDF and SVG surfaces), loaded on first use by
 * report/doc.c and report/chart.c.
 *
 * Include this instead of the library's header. Every function the project calls is
 * listed below and resolved through lazy.h on first call; the library is not on the link
 * line any more, so a call to a function missing from this list fails at link time
 * ("undefined reference") - add it here. So does passing one of them as a value (a
 * callback): the function-like macros below only replace calls.
 */
#ifndef MAMORI_REPORT_CAIRO_LAZY_H
#define MAMORI_REPORT_CAIRO_LAZY_H

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>

#include "base/lazy.h"

#define cairo_arc(...) LAZY(lazy_cairo, cairo_arc)(__VA_ARGS__)
#define cairo_create(...) LAZY(lazy_cairo, cairo_create)(__VA_ARGS__)
#define cairo_destroy(...) LAZY(lazy_cairo, cairo_destroy)(__VA_ARGS__)
#define cairo_fill(...) LAZY(lazy_cairo, cairo_fill)(__VA_ARGS__)
#define cairo_line_to(...) LAZY(lazy_cairo, cairo_line_to)(__VA_ARGS__)
#define cairo_move_to(...) LAZY(lazy_cairo, cairo_move_to)(__VA_ARGS__)
#define cairo_new_path(...) LAZY(lazy_cairo, cairo_new_path)(__VA_ARGS__)
#define cairo_pdf_surface_create_for_stream(...) \
	LAZY(lazy_cairo, cairo_pdf_surface_create_for_stream)(__VA_ARGS__)
#define cairo_rectangle(...) LAZY(lazy_cairo, cairo_rectangle)(__VA_ARGS__)
#define cairo_restore(...) LAZY(lazy_cairo, cairo_restore)(__VA_ARGS__)
#define cairo_save(...) LAZY(lazy_cairo, cairo_save)(__VA_ARGS__)
#define cairo_set_line_width(...) LAZY(lazy_cairo, cairo_set_line_width)(__VA_ARGS__)
#define cairo_set_source_rgb(...) LAZY(lazy_cairo, cairo_set_source_rgb)(__VA_ARGS__)
#define cairo_show_page(...) LAZY(lazy_cairo, cairo_show_page)(__VA_ARGS__)
#define cairo_stroke(...) LAZY(lazy_cairo, cairo_stroke)(__VA_ARGS__)
#define cairo_surface_destroy(...) LAZY(lazy_cairo, cairo_surface_destroy)(__VA_ARGS__)
#define cairo_surface_finish(...) LAZY(lazy_cairo, cairo_surface_finish)(__VA_ARGS__)
#define cairo_surface_status(...) LAZY(lazy_cairo, cairo_surface_status)(__VA_ARGS__)
#define cairo_svg_surface_create_for_stream(...) \
	LAZY(lazy_cairo, cairo_svg_surface_create_for_stream)(__VA_ARGS__)
#define cairo_translate(...) LAZY(lazy_cairo, cairo_translate)(__VA_ARGS__)

#endif
