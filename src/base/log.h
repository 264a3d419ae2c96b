/*
 * log.h - leveled logging. The library logs only through here; the default
 * sink writes to stderr, front ends may install their own (the server's log).
 */
#ifndef MAMORI_LOG_H
#define MAMORI_LOG_H

#include "base/compat.h"

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR, LOG_LEVEL_OFF };

typedef void (*log_sink_fn)(enum log_level level, const char *module, const char *msg, void *arg);

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "debug", "info", "warn", "error", "off"; returns -1 when unknown. */
int log_parse_level(const char *s);
/* Installs a sink (NULL restores stderr). Thread-safe to call log_msg from any thread. */
void log_set_sink(log_sink_fn fn, void *arg);

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(mod, ...) log_msg(LOG_LEVEL_DEBUG, mod, __VA_ARGS__)
#define log_info(mod, ...) log_msg(LOG_LEVEL_INFO, mod, __VA_ARGS__)
#define log_warn(mod, ...) log_msg(LOG_LEVEL_WARN, mod, __VA_ARGS__)
#define log_error(mod, ...) log_msg(LOG_LEVEL_ERROR, mod, __VA_ARGS__)

#endif
