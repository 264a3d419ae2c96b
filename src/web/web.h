/*
 * web.h - the web console and JSON API started by `mamori serve`: what the CLI needs to
 * configure, start and inspect the server.
 */
#ifndef MAMORI_WEB_H
#define MAMORI_WEB_H

#include "base/compat.h"
#include "base/err.h"

struct web_config {
	/* reports and console scans (page_reports.c, page_scans.c) */
	const char *reports_dir;      /* folder `mamori report --out` writes; NULL: no downloads */
	double scan_rate;	      /* probes/s of scans started from the console */
	double scan_max_runtime;      /* seconds of sending per console scan */
	long long job_retention_days; /* finished jobs kept (0: the job module's 30) */
	const char *data_dir;	      /* shared data (Recog fingerprints for console identify) */

	const char *db;	      /* store location; each worker thread opens its own handle */
	const char *listen;   /* "127.0.0.1:8080", "[::1]:8080"; port 0 picks a free one */
	const char *tls_cert; /* PEM files; both or neither */
	const char *tls_key;
	const char *port_file;	   /* when set, the bound port is written there once listening */
	unsigned threads;	   /* worker threads (MHD thread pool) */
	unsigned max_conns;	   /* connections at once */
	unsigned max_conns_per_ip; /* connections at once from one client address (0: no limit) */
	unsigned conn_timeout;	   /* seconds a connection may stay idle */
	unsigned request_timeout;  /* seconds to receive one request's headers and body in all
				      (a slow sender is cut off however it trickles) */
	size_t body_max;	   /* largest request body (bytes); larger gets 413 */
	size_t taxii_body_max;	   /* largest TAXII envelope POST (bytes): spooled to a temporary
				      file and streamed into the store, never held in memory */
	size_t taxii_cache;	   /* bytes of assembled TAXII pages kept (src/share/pagecache.c) */
	int64_t session_idle, session_absolute; /* seconds */
	unsigned shutdown_grace;  /* seconds to let in-flight requests finish on SIGINT/SIGTERM */
	unsigned remind_every;	  /* seconds between the incident reminder passes (recurring job
				     incident.remind, one per period per store); 0: none */
	unsigned dashboard_cache; /* seconds the dashboard's counts may be reused per role scope
				     (0: computed on every request); the page says when */
	unsigned response_cache;  /* seconds a GET read's answer may be reused between writes,
				     per caller (src/web/cache.c; 0: off) */
};

#define WEB_LISTEN_DEFAULT "127.0.0.1:8080"
#define WEB_BODY_MAX_DEFAULT ((size_t)1 << 20)
#define WEB_TAXII_BODY_MAX_DEFAULT ((size_t)1 << 30)

/* Fills c with the defaults (db left NULL). */
void web_config_defaults(struct web_config *c);

/*
 * Serves until SIGINT or SIGTERM, then stops accepting, lets in-flight requests finish
 * (at most shutdown_grace seconds) and returns 0. Checks the route table first: a route
 * without a complete policy stops the start with M_EINVAL. Prints one line saying where
 * it listens to stdout. Returns a negative code on failure to start.
 */
int web_serve(const struct web_config *c, struct merr *e);

/* Checks every route has a policy (roles, object rule, audit for writes). */
int web_routes_check(struct merr *e);

/* Writes the route table, one route a line: "METHOD PATTERN ROLES OBJECT KIND". */
void web_routes_print(FILE *out);

#endif
