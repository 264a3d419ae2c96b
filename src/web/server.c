/* server.c - libmicrohttpd glue: listen, TLS (GnuTLS inside Debian's libmicrohttpd), limits,
 * one store handle per worker thread, security headers on every response, clean shutdown. */
#include "base/compat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "web/microhttpd_lazy.h"
#include "base/ip.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "asm/asm.h"
#include "incident/incident.h"
#include "job/job.h"
#include "share/share.h"
#include "web/web.h"
#include "web/web_int.h"

#define ARENA_MAX ((size_t)4 << 20)
#define PEM_MAX ((size_t)1 << 20)

/* TLS 1.2 and 1.3 only, forward-secret key exchange (ECDHE; TLS 1.3 is always) and AEAD
 * ciphers only: no RSA key exchange, no CBC, no SHA-1 MACs, no DHE with weak groups. */
#define WEB_TLS_PRIORITIES                                                            \
	"SECURE:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:" \
	"-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:"    \
	"%SERVER_PRECEDENCE"

/*
 * Connections still receiving a request (slow-loris guard). libmicrohttpd's timeout is an idle
 * timeout: a client that sends one header byte every few seconds keeps a slot for ever. Each
 * connection is listed from accept (or from the end of its previous request) until its request
 * has arrived whole; a watchdog thread shuts down the socket of one listed for longer than
 * request_timeout, and libmicrohttpd then closes it; one still answering (handler and sending
 * the response) after ten times that is cut off too (a client reading a page byte by byte).
 * shutdown() runs under the lock that the close notification takes, and libmicrohttpd sends
 * that notification before it closes the descriptor: the descriptor is never another's.
 */
struct lconn {
	struct lconn *prev, *next;
	int fd;
	int64_t since_ms; /* when it began waiting for the current request */
	bool receiving;	  /* waiting for or reading a request (else answering it) */
	bool cut;	  /* shut down by the watchdog */
};

struct watchdog {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct lconn head; /* circular list of all open connections */
	int64_t limit_ms;
	bool stop, started;
	pthread_t th;
	atomic_long cut; /* connections cut off so far */
};

struct server {
	const struct web_config *cfg;
	struct web_server_opts opts;
	pthread_key_t store_key;
	atomic_int inflight;
	atomic_bool draining; /* shutting down: new requests get 503 */
	struct buf cert, key;
	struct asm_job_config job_cfg;
	struct watchdog wd;
};

/* Per-connection state while a request arrives. */
struct conn {
	struct buf body;
	int spool_fd; /* a TAXII envelope POST goes to a temporary file (-1: none) */
	size_t spool_len, cap;
	bool too_big;
	bool refused; /* arrived while draining */
};

void web_config_defaults(struct web_config *c)
{
	memset(c, 0, sizeof(*c));
	c->listen = WEB_LISTEN_DEFAULT;
	c->threads = 4;
	c->scan_rate = 2000;
	c->scan_max_runtime = 3600;
	c->max_conns = 512;
	c->max_conns_per_ip = 64;
	c->conn_timeout = 30;
	c->request_timeout = 30;
	c->body_max = WEB_BODY_MAX_DEFAULT;
	c->taxii_body_max = WEB_TAXII_BODY_MAX_DEFAULT;
	c->taxii_cache = SHARE_PAGE_CACHE_DEFAULT;
	c->session_idle = AUTH_SESSION_IDLE_DEFAULT;
	c->session_absolute = AUTH_SESSION_ABSOLUTE_DEFAULT;
	c->shutdown_grace = 10;
	c->dashboard_cache = 5;
	c->response_cache = 10;
	c->remind_every = INC_REMIND_PERIOD;
}

/* Prepared statements kept per worker thread for its store handle (web_stmt): the findings
 * list's count and page are prepared from the same few texts on every request, and parsing
 * them was a sixth of the request's CPU time under wrk (perf, docs/PERFORMANCE.md). */
#define STMT_CACHE 16

struct stmt_slot {
	char *sql;
	struct store_stmt *st;
	uint64_t used; /* last use (a counter), 0 free */
	bool busy;
};

static _Thread_local struct {
	struct store *s; /* the handle the slots belong to; NULL outside a worker */
	struct stmt_slot slot[STMT_CACHE];
	uint64_t clock;
} stmt_cache;

void web_stmt_cache_detach(void)
{
	for (size_t i = 0; i < STMT_CACHE; i++) {
		stmt_finalize(stmt_cache.slot[i].st);
		m_free(stmt_cache.slot[i].sql);
	}
	memset(&stmt_cache, 0, sizeof(stmt_cache));
}

void web_stmt_cache_attach(struct store *s)
{
	web_stmt_cache_detach();
	stmt_cache.s = s;
}

int web_stmt(struct web_req *r, const char *sql, struct store_stmt **st)
{
	struct stmt_slot *free_slot = NULL;
	int rc;

	*st = NULL;
	if (r->s && r->s == stmt_cache.s) {
		for (size_t i = 0; i < STMT_CACHE; i++) {
			struct stmt_slot *x = &stmt_cache.slot[i];
			if (x->sql && !x->busy && strcmp(x->sql, sql) == 0) {
				x->busy = true;
				x->used = ++stmt_cache.clock;
				*st = x->st;
				return 0;
			}
			if (!x->busy && (!free_slot || x->used < free_slot->used))
				free_slot = x;
		}
	}
	if ((rc = store_prepare(r->s, sql, st, &r->err)) || !free_slot)
		return rc;
	/* Keep it in the least recently used idle slot. */
	stmt_finalize(free_slot->st);
	m_free(free_slot->sql);
	free_slot->st = NULL;
	free_slot->used = 0;
	if (!(free_slot->sql = m_strdup(sql)))
		return 0; /* uncached: web_stmt_done finalizes it */
	free_slot->st = *st;
	free_slot->busy = true;
	free_slot->used = ++stmt_cache.clock;
	return 0;
}

void web_stmt_done(struct web_req *r, struct store_stmt *st)
{
	if (!st)
		return;
	for (size_t i = 0; r->s && r->s == stmt_cache.s && i < STMT_CACHE; i++)
		if (stmt_cache.slot[i].st == st) {
			stmt_reset(st); /* also clears the bindings */
			stmt_cache.slot[i].busy = false;
			return;
		}
	stmt_finalize(st);
}

static void close_store(void *p)
{
	if (stmt_cache.s == p)
		web_stmt_cache_detach();
	store_close(p);
}

/* The calling worker thread's store handle, opened on its first request. */
static struct store *thread_store(struct server *sv)
{
	struct store *s = pthread_getspecific(sv->store_key);
	struct merr e;

	if (s)
		return s;
	merr_init(&e);
	if (store_open_existing(sv->cfg->db, &s, &e)) {
		char msg[700];
		merr_format(&e, msg, sizeof(msg));
		log_error("web", "cannot open the store: %s", msg);
		return NULL;
	}
	/* Per worker handle: reads come from a few hot pages of large tables. */
	if (store_tune(s, STORE_TUNE_READER, &e) && e.code != M_EUNSUPPORTED)
		log_warn("web", "store tuning refused; continuing with the defaults");
	pthread_setspecific(sv->store_key, s);
	web_stmt_cache_attach(s);
	return s;
}

/* Keeps the URL and arguments exactly as sent: web_pct_decode does the decoding, strictly. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	struct buf *q = cls;

	if (q->len && buf_addc(q, '&'))
		return MHD_NO;
	if (buf_adds(q, key) || (value && (buf_addc(q, '=') || buf_adds(q, value))))
		return MHD_NO;
	return MHD_YES;
}

static void client_addr(struct MHD_Connection *c, char *out, size_t cap)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, cap, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
			  (socklen_t)cap);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)cap);
}

static void add_headers(struct MHD_Response *resp, const struct web_req *r, bool tls)
{
	char v[32];

	MHD_add_response_header(resp, "Content-Type", r->ctype);
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; script-src 'self'; style-src 'self'; "
				"img-src 'self'; object-src 'none'; base-uri 'none'; "
				"form-action 'self'; frame-ancestors 'none'");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(resp, "Cache-Control",
				r->cacheable ? "public, max-age=3600" : "no-store");
	if (tls)
		MHD_add_response_header(resp, "Strict-Transport-Security",
					"max-age=31536000; includeSubDomains");
	for (size_t i = 0; i < r->n_cookies_out; i++)
		MHD_add_response_header(resp, "Set-Cookie", r->cookies_out[i]);
	if (r->location[0])
		MHD_add_response_header(resp, "Location", r->location);
	if (r->retry_after > 0) {
		snprintf(v, sizeof(v), "%lld", (long long)r->retry_after);
		MHD_add_response_header(resp, "Retry-After", v);
	}
	if (r->www_authenticate && r->raw_path && strncmp(r->raw_path, "/taxii2", 7) == 0)
		MHD_add_response_header(resp, "WWW-Authenticate", "Basic realm=\"mamori TAXII\"");
	if (r->www_authenticate)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"mamori\"");
	if (r->taxii_first[0])
		MHD_add_response_header(resp, "X-TAXII-Date-Added-First", r->taxii_first);
	if (r->taxii_last[0])
		MHD_add_response_header(resp, "X-TAXII-Date-Added-Last", r->taxii_last);
	if (r->allow)
		MHD_add_response_header(resp, "Allow", r->allow);
	if (r->cache_key) /* a cacheable read (cache.c): whether it was answered from the cache */
		MHD_add_response_header(resp, "X-Cache", r->cache_hit ? "hit" : "miss");
	if (r->disposition[0])
		MHD_add_response_header(resp, "Content-Disposition", r->disposition);
}

static void cached_free(void *entry)
{
	web_cached_release(entry);
}

static enum MHD_Result send_req(struct server *sv, struct MHD_Connection *c, struct web_req *r)
{
	struct MHD_Response *resp = NULL;
	enum MHD_Result ok;

	/* a streamed download (stream.c), unless an error replaced the answer */
	if (r->stream && r->status < 400 && !(resp = web_stream_response(r)))
		web_error_code(r, M_ENOMEM);
	web_stream_discard(r);
	if (!resp && r->cached) {
		/* a kept answer: its bytes go out from the entry, no copy; the response holds one
		 * reference until it is sent (cache.c) */
		size_t len;
		char *p = web_cached_body(r->cached, &len);
		resp = MHD_create_response_from_buffer_with_free_callback_cls(len, p, cached_free,
									      r->cached);
		if (resp)
			r->cached = NULL;
	}
	if (!resp && r->ext_ref && r->status < 400) {
		/* a cached TAXII page: MHD holds a reference until the last byte is sent */
		resp = MHD_create_response_from_buffer_with_free_callback_cls(
		    r->ext_len, (void *)r->ext_body, r->ext_free, r->ext_ref);
		if (resp)
			r->ext_ref = NULL;
	}
	if (!resp && r->out.len >= ((size_t)8 << 10)) {
		/* a large answer (a list of 100 incidents, a TAXII page of 1000 objects) is handed
		 * over, not copied again */
		size_t len;
		char *p = buf_detach(&r->out, &len);
		resp = MHD_create_response_from_buffer(len, p, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			m_free(p);
	} else if (!resp) {
		resp = MHD_create_response_from_buffer(
		    r->out.len, r->out.ptr ? r->out.ptr : (char *)"", MHD_RESPMEM_MUST_COPY);
	}

	if (!resp)
		return MHD_NO;
	add_headers(resp, r, sv->opts.tls);
	ok = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

/* An error answered before (or without) parsing the request. */
static enum MHD_Result send_error(struct server *sv, struct MHD_Connection *c, const char *url,
				  int code)
{
	struct web_req r;
	enum MHD_Result ok;

	web_req_init(&r, ARENA_MAX);
	r.opts = &sv->opts;
	r.tls = sv->opts.tls;
	r.method = "GET";
	r.raw_path = url;
	web_error_code(&r, code);
	ok = send_req(sv, c, &r);
	web_req_release(&r);
	return ok;
}

/* 413, naming the cap and the option that sets it. */
static enum MHD_Result send_too_big(struct server *sv, struct MHD_Connection *c, const char *url,
				    size_t cap)
{
	struct web_req r;
	enum MHD_Result ok;
	bool taxii = cap == sv->cfg->taxii_body_max && cap != sv->cfg->body_max;

	web_req_init(&r, ARENA_MAX);
	r.opts = &sv->opts;
	r.tls = sv->opts.tls;
	r.method = "GET";
	r.raw_path = url;
	merr_set(&r.err, M_ETOOBIG,
		 "リクエスト本文が上限 %zu バイトを超えています (serve %s) / request body larger "
		 "than %zu bytes (serve %s)",
		 cap, taxii ? "--taxii-body-max" : "--body-max", cap,
		 taxii ? "--taxii-body-max" : "--body-max");
	web_error_code(&r, M_ETOOBIG);
	ok = send_req(sv, c, &r);
	web_req_release(&r);
	return ok;
}

/* A TAXII envelope POST (…/collections/{id}/objects/): its body is spooled to a file. A form
 * (a console session's POST, whose CSRF token is in the body) is read into memory as usual. */
static bool spooled_route(const char *method, const char *url, const char *ctype)
{
	static const char form[] = "application/x-www-form-urlencoded";
	size_t n = strlen(url);

	if (strcmp(method, "POST") != 0 || strncmp(url, "/taxii2/", 8) != 0)
		return false;
	if (ctype && strncasecmp(ctype, form, sizeof(form) - 1) == 0)
		return false;
	while (n && url[n - 1] == '/')
		n--;
	return n >= 8 && memcmp(url + n - 8, "/objects", 8) == 0;
}

static int spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	snprintf(path, sizeof(path), "%s/mamori-taxii-XXXXXX", dir);
	if ((fd = mkostemp(path, O_CLOEXEC)) >= 0)
		unlink(path);
	return fd;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* Fills r from the connection with the pure parsers; returns 0 or the error to answer. */
static int fill_request(struct server *sv, struct MHD_Connection *c, const char *url,
			struct conn *cn, struct web_req *r)
{
	const char *cookie = header(c, "Cookie");
	struct buf q;
	int rc;

	if ((rc = web_path_parse(&r->arena, url, strlen(url), &r->path)))
		return rc == M_ETOOBIG ? M_EPARSE : rc;
	buf_init(&q, 64 << 10);
	if (MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, &q) < 0) {
		buf_release(&q);
		return M_EPARSE;
	}
	rc = web_query_parse(&r->arena, buf_str(&q), q.len, &r->query);
	buf_release(&q);
	if (rc)
		return rc == M_ETOOBIG ? M_EPARSE : rc;
	if (cookie && (rc = web_cookie_parse(&r->arena, cookie, strlen(cookie), &r->cookies)))
		return rc;
	r->content_type = header(c, "Content-Type");
	r->authorization = header(c, "Authorization");
	r->csrf_header = header(c, "X-CSRF-Token");
	r->accept = header(c, "Accept");
	r->body = cn->body.ptr;
	r->body_len = cn->body.len;
	if (cn->spool_fd >= 0) {
		r->body_spooled = true;
		r->body_fd = cn->spool_fd;
		r->body_len = cn->spool_len;
	}
	return 0;
}

static enum MHD_Result handle(struct server *sv, struct MHD_Connection *c, const char *url,
			      const char *method, struct conn *cn)
{
	char addr[INET6_ADDRSTRLEN + 1];
	struct web_req r;
	enum MHD_Result ok;
	int rc;

	if (cn->too_big)
		return send_too_big(sv, c, url, cn->cap);
	if (cn->refused)
		return send_error(sv, c, url, M_EINTR);
	web_req_init(&r, ARENA_MAX);
	client_addr(c, addr, sizeof(addr));
	r.method = method;
	r.raw_path = url;
	r.client = addr;
	r.tls = sv->opts.tls;
	r.opts = &sv->opts;
	r.now = time_now();
	rc = fill_request(sv, c, url, cn, &r);
	if (rc == 0 && !(r.s = thread_store(sv)))
		rc = M_ESTORE;
	if (rc)
		web_error_code(&r, rc);
	else
		web_dispatch(&r);
	log_debug("web", "%s %s %s -> %d", addr, method, url, r.status);
	ok = send_req(sv, c, &r);
	web_req_release(&r);
	return ok;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct lconn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* The request on c has arrived whole (receiving false) or c waits for the next (true). */
static void conn_receiving(struct server *sv, struct MHD_Connection *c, bool receiving)
{
	struct lconn *lc = conn_of(c);

	if (!lc)
		return;
	pthread_mutex_lock(&sv->wd.mu);
	lc->receiving = receiving;
	lc->since_ms = mono_ms();
	pthread_mutex_unlock(&sv->wd.mu);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct server *sv = cls;
	struct lconn *lc = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!ci || !(lc = m_calloc(1, sizeof(*lc))))
			return; /* unguarded: the idle timeout still applies */
		lc->fd = ci->connect_fd;
		lc->since_ms = mono_ms();
		lc->receiving = true;
		pthread_mutex_lock(&sv->wd.mu);
		lc->next = sv->wd.head.next;
		lc->prev = &sv->wd.head;
		lc->next->prev = lc;
		sv->wd.head.next = lc;
		pthread_mutex_unlock(&sv->wd.mu);
		*socket_context = lc;
		return;
	}
	if (!lc)
		return;
	pthread_mutex_lock(&sv->wd.mu);
	lc->prev->next = lc->next;
	lc->next->prev = lc->prev;
	pthread_mutex_unlock(&sv->wd.mu);
	m_free(lc);
	*socket_context = NULL;
}

static void *watchdog_run(void *arg)
{
	struct server *sv = arg;
	struct watchdog *w = &sv->wd;

	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		struct timespec until;
		int64_t now = mono_ms();
		for (struct lconn *lc = w->head.next; lc != &w->head; lc = lc->next)
			if (!lc->cut &&
			    now - lc->since_ms > (lc->receiving ? w->limit_ms : 10 * w->limit_ms)) {
				shutdown(lc->fd, SHUT_RDWR);
				lc->cut = true;
				atomic_fetch_add(&w->cut, 1);
			}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->cv, &w->mu, &until);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static int watchdog_start(struct server *sv, unsigned limit_s, struct merr *e)
{
	struct watchdog *w = &sv->wd;

	w->head.next = w->head.prev = &w->head;
	w->limit_ms = (int64_t)limit_s * 1000;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->th, NULL, watchdog_run, sv))
		return merr_set(e, M_ENOMEM, "cannot start the request watchdog thread");
	w->started = true;
	return 0;
}

static void watchdog_stop(struct server *sv)
{
	struct watchdog *w = &sv->wd;

	if (!w->started)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	w->started = false;
	if (atomic_load(&w->cut))
		log_info("web", "%ld slow connections cut off after --request-timeout",
			 (long)atomic_load(&w->cut));
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
				 const char *method, const char *version, const char *upload_data,
				 size_t *upload_size, void **con_cls)
{
	struct server *sv = cls;
	struct conn *cn = *con_cls;

	if (!cn) {
		const char *cl = header(c, "Content-Length");
		int64_t n;
		cn = m_calloc(1, sizeof(*cn));
		if (!cn)
			return MHD_NO;
		buf_init(&cn->body, sv->cfg->body_max);
		cn->spool_fd = -1;
		cn->cap = sv->cfg->body_max;
		atomic_fetch_add(&sv->inflight, 1);
		*con_cls = cn;
		cn->refused = atomic_load(&sv->draining);
		if (spooled_route(method, url, header(c, "Content-Type"))) {
			cn->cap = sv->cfg->taxii_body_max;
			if ((cn->spool_fd = spool_open()) < 0)
				return send_error(sv, c, url, M_EIO);
		}
		/* Refuse a declared oversized body before reading it. */
		if (cl && (web_parse_uint(cl, INT64_MAX / 10, &n) || (size_t)n > cn->cap)) {
			cn->too_big = true;
			return send_too_big(sv, c, url, cn->cap);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (cn->too_big) {
			/* dropped */
		} else if (cn->spool_fd >= 0) {
			const char *p = upload_data;
			size_t left = *upload_size;
			if (cn->spool_len + left > cn->cap)
				cn->too_big = true;
			while (!cn->too_big && left) {
				ssize_t k = write(cn->spool_fd, p, left);
				if (k < 0 && errno == EINTR)
					continue;
				if (k <= 0) {
					cn->too_big =
					    true; /* disk full: refused like an oversized body */
					break;
				}
				p += k;
				left -= (size_t)k;
				cn->spool_len += (size_t)k;
			}
		} else if (buf_add(&cn->body, upload_data, *upload_size)) {
			cn->too_big = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	conn_receiving(sv, c, false);
	return handle(sv, c, url, method, cn);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *sv = cls;
	struct conn *cn = *con_cls;

	conn_receiving(sv, c, true); /* a kept-alive connection waits for its next request */
	if (!cn)
		return;
	buf_release(&cn->body);
	if (cn->spool_fd >= 0)
		close(cn->spool_fd);
	m_free(cn);
	*con_cls = NULL;
	atomic_fetch_sub(&sv->inflight, 1);
}

/* "127.0.0.1:8080" or "[::1]:8080" (an address literal, never a name). */
static int parse_listen(const char *s, struct sockaddr_storage *ss, bool *v6, struct merr *e)
{
	char host[IP_STR_MAX];
	const char *colon = strrchr(s, ':');
	struct ipaddr a;
	int64_t port;
	size_t hl;

	if (!colon || web_parse_uint(colon + 1, 65535, &port))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "listen",
			       "expected ADDRESS:PORT, got '%s'", s);
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "listen", "bad address");
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (ip_parse(host, &a))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "listen", "'%s' is not an IP address",
			       host);
	*v6 = a.family == 6;
	if (*v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, host, &sin6->sin6_addr);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, host, &sin->sin_addr);
	}
	return 0;
}

static int read_pem(const char *path, struct buf *b, struct merr *e)
{
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t n;

	buf_init(b, PEM_MAX);
	if (!f)
		return merr_at(e, M_EIO, path, -1, -1, NULL, "cannot open: %s", strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_add(b, chunk, n)) {
			fclose(f);
			return merr_at(e, M_ETOOBIG, path, -1, -1, NULL, "larger than 1 MB");
		}
	}
	fclose(f);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Stops accepting, lets in-flight requests finish for at most grace seconds, stops. */
/* Graceful stop: requests already running finish (bounded by the grace period), requests that
 * arrive meanwhile get 503, then the daemon stops. MHD_quiesce_daemon() is not used: with the
 * epoll thread pool it races a worker that takes the listen socket out of its epoll set at the
 * connection limit, and libmicrohttpd then aborts ("Failed to remove listen FD from epoll set"). */
static void shutdown_daemon(struct MHD_Daemon *d, struct server *sv)
{
	long waited = 0, limit = (long)sv->cfg->shutdown_grace * 1000;

	atomic_store(&sv->draining, true);
	while (atomic_load(&sv->inflight) > 0 && waited < limit) {
		sleep_ms(20);
		waited += 20;
	}
	MHD_stop_daemon(d);
}

static int write_port_file(const char *path, unsigned port, struct merr *e)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return merr_at(e, M_EIO, path, -1, -1, NULL, "cannot write: %s", strerror(errno));
	fprintf(f, "%u\n", port);
	return fclose(f) == 0 ? 0 : merr_at(e, M_EIO, path, -1, -1, NULL, "write failed");
}

static int start_checks(const struct web_config *c, struct server *sv, struct merr *e)
{
	int rc;

	if ((rc = web_routes_check(e)))
		return rc;
	if (!c->db || c->threads == 0 || c->threads > 64)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "threads", "threads must be 1..64");
	if ((c->tls_cert != NULL) != (c->tls_key != NULL))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "tls",
			       "--tls-cert and --tls-key go together");
	if (c->tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
			return merr_set(e, M_EUNSUPPORTED, "this libmicrohttpd has no TLS");
		if ((rc = read_pem(c->tls_cert, &sv->cert, e)) ||
		    (rc = read_pem(c->tls_key, &sv->key, e)))
			return rc;
		sv->opts.tls = true;
	}
	sv->opts.body_max = c->body_max;
	sv->opts.taxii_body_max = c->taxii_body_max;
	share_page_cache_limit(c->taxii_cache);
	return 0;
}

static struct MHD_Daemon *start_daemon(const struct web_config *c, struct server *sv,
				       unsigned flags, struct sockaddr_storage *ss)
{
	struct MHD_OptionItem ops[] = {
	    {MHD_OPTION_SOCK_ADDR, 0, ss},
	    {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)c->threads, NULL},
	    {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)c->max_conns, NULL},
	    {MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)c->max_conns_per_ip, NULL},
	    {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, sv},
	    {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)c->conn_timeout, NULL},
	    {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)(64 << 10), NULL},
	    {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, sv},
	    {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)keep_escaped, NULL},
	    {MHD_OPTION_END, 0, NULL}, /* TLS options go here when asked for */
	    {MHD_OPTION_END, 0, NULL},
	    {MHD_OPTION_END, 0, NULL},
	    {MHD_OPTION_END, 0, NULL},
	};

	if (sv->opts.tls) {
		size_t n = ARRAY_SIZE(ops) - 4;
		ops[n] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
						 (void *)buf_str(&sv->cert)};
		ops[n + 1] =
		    (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)buf_str(&sv->key)};
		ops[n + 2] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
						     (void *)WEB_TLS_PRIORITIES};
	}
	return MHD_start_daemon(flags, 0, NULL, NULL, on_access, sv, MHD_OPTION_ARRAY, ops,
				MHD_OPTION_END);
}

int web_serve(const struct web_config *c, struct merr *e)
{
	struct server sv = {0};
	struct sockaddr_storage ss;
	struct MHD_Daemon *d = NULL;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC;
	sigset_t sigs;
	bool v6 = false;
	int rc, sig = 0;

	buf_init(&sv.cert, PEM_MAX);
	buf_init(&sv.key, PEM_MAX);
	sv.cfg = c;
	sv.opts.reports_dir = c->reports_dir;
	sv.opts.session.idle = c->session_idle;
	sv.opts.session.absolute = c->session_absolute;
	sv.opts.dashboard_cache = c->dashboard_cache;
	sv.opts.response_cache = c->response_cache;
	if ((rc = start_checks(c, &sv, e)) || (rc = parse_listen(c->listen, &ss, &v6, e)))
		goto out;
	/* Each request allocates and frees a few hundred KB (an org list, the page). glibc's
	 * defaults give such blocks back to the kernel every time (munmap, madvise), and the
	 * TLB shootdowns that follow cost more than the request itself: keep them. */
	mallopt(M_MMAP_THRESHOLD, 16 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	if (pthread_key_create(&sv.store_key, close_store)) {
		rc = merr_set(e, M_ENOMEM, "pthread_key_create failed");
		goto out;
	}
	/* Worker threads inherit the mask: only this thread takes SIGINT/SIGTERM. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = web_audit_queue_start(c->db, e)))
		goto out_key;
	/* Background jobs (console scans and identify) on one worker thread of the job module. */
	sv.job_cfg = (struct asm_job_config){c->data_dir, c->scan_max_runtime};
	sv.opts.scan_rate = c->scan_rate;
	/* The incident reminder pass recurs there too (incident.remind, once per period). */
	struct job_kind kinds[8];
	size_t nk = 0;
	for (size_t i = 0; i < asm_job_kinds_len && nk < 8; i++)
		kinds[nk++] = asm_job_kinds[i];
	for (size_t i = 0; i < inc_job_kinds_len && nk < 8; i++)
		kinds[nk++] = inc_job_kinds[i];
	struct job_recurring remind = inc_remind_recurring((int64_t)c->remind_every);
	if ((rc = job_queue_start(
		 &(struct job_queue_config){.db = c->db,
					    .kinds = kinds,
					    .n_kinds = nk,
					    .recurring = &remind,
					    .n_recurring = c->remind_every ? 1 : 0,
					    .workers = 1,
					    .arg = &sv.job_cfg,
					    .retention_s = c->job_retention_days * 86400},
		 &sv.opts.jobs, e)))
		goto out_key;
	{
		/* share: this period's scheduled TAXII pulls (each job queues the next) */
		struct store *ss_ = NULL;
		struct merr se;
		merr_init(&se);
		if (store_open(c->db, &ss_, &se) == 0 && share_pull_schedule(ss_, time_now(), &se))
			log_info("web", "scheduled TAXII pulls not queued: %s", se.msg);
		if (ss_)
			store_close(ss_);
	}
	if (v6)
		flags |= MHD_USE_IPv6;
	if (sv.opts.tls)
		flags |= MHD_USE_TLS;
	if ((rc = watchdog_start(&sv, c->request_timeout ? c->request_timeout : 30, e)))
		goto out_key;
	d = start_daemon(c, &sv, flags, &ss);
	if (!d) {
		rc = merr_at(e, M_ENET, NULL, -1, -1, "listen", "cannot listen on %s", c->listen);
		goto out_key;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("mamori serve: listening on %s://%.*s:%u/ (%u threads)\n",
	       sv.opts.tls ? "https" : "http", (int)(strrchr(c->listen, ':') - c->listen),
	       c->listen, info ? info->port : 0, c->threads);
	fflush(stdout);
	if (c->port_file && (rc = write_port_file(c->port_file, info ? info->port : 0, e))) {
		MHD_stop_daemon(d);
		goto out_key;
	}
	sigwait(&sigs, &sig);
	printf("mamori serve: signal %d, finishing in-flight requests (at most %u s)\n", sig,
	       c->shutdown_grace);
	fflush(stdout);
	shutdown_daemon(d, &sv);
	web_dashboard_cache_clear();
	if (sv.opts.response_cache) {
		struct web_cache_stats cs;
		web_cache_stats(&cs);
		/* how often writes (not the audit queue's commits) emptied it: PERFORMANCE.md */
		printf("mamori serve: response cache %llu hits (%llu after waiting for the same "
		       "build), %llu misses, %llu generations, %llu audit-only data versions\n",
		       (unsigned long long)cs.hits, (unsigned long long)cs.waited,
		       (unsigned long long)cs.misses, (unsigned long long)cs.generation,
		       (unsigned long long)cs.audit_only);
	}
	web_cache_clear();
	printf("mamori serve: stopped\n");
out_key:
	watchdog_stop(&sv); /* after MHD_stop_daemon: no connection is listed any more */
	/* A running scan stops sending, flushes and is left 'interrupted'; its job is queued
	 * again (continued at the next start, or with `mamori scan --resume`). */
	job_queue_stop(sv.opts.jobs);
	web_audit_queue_stop(); /* after the workers: their queued read rows are written */
	pthread_key_delete(sv.store_key);
out:
	buf_release(&sv.cert);
	buf_release(&sv.key);
	return rc;
}
