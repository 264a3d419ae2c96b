/* log.c - leveled logging with a replaceable sink. */
#include "base/compat.h"

#include <pthread.h>
#include <strings.h>
#include <time.h>

#include "base/log.h"

static enum log_level cur_level = LOG_LEVEL_WARN;
static log_sink_fn cur_sink;
static void *cur_arg;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *level_names[] = {"debug", "info", "warn", "error", "off"};

void log_set_level(enum log_level level)
{
	cur_level = level;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

int log_parse_level(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
		if (s && strcasecmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

void log_set_sink(log_sink_fn fn, void *arg)
{
	pthread_mutex_lock(&log_lock);
	cur_sink = fn;
	cur_arg = arg;
	pthread_mutex_unlock(&log_lock);
}

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (level < cur_level || level >= LOG_LEVEL_OFF)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&log_lock);
	if (cur_sink) {
		cur_sink(level, module, msg, cur_arg);
	} else {
		char ts[32];
		struct tm tm;
		time_t now = time(NULL);
		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(stderr, "%s %s [%s] %s\n", ts, level_names[level], module ? module : "-",
			msg);
	}
	pthread_mutex_unlock(&log_lock);
}
