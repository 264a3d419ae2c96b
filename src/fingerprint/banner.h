/*
 * banner.h - pure parsers for what services say first (SSH, FTP, SMTP, POP3, IMAP,
 * Telnet, MySQL, DNS version.bind): bytes in, the text Recog matches out. No sockets.
 *
 * Every parser takes the complete bytes read so far and returns
 *   FP_DONE (0)       parsed; *consumed (where given) says how many bytes it used,
 *   FP_NEED_MORE (1)  the message is incomplete: read more and call again,
 *   M_EPARSE / M_ETOOBIG  not this protocol, or over a size cap.
 * They never allocate; outputs are fixed-size structs (text cut at the caps, with a flag).
 * Then call fp_match() with the database named in each function's comment.
 */
#ifndef MAMORI_FP_BANNER_H
#define MAMORI_FP_BANNER_H

#include "base/compat.h"
#include "base/err.h"

#define FP_DONE 0
#define FP_NEED_MORE 1

#define FP_BANNER_MAX 1024	  /* bytes of banner text kept */
#define FP_BANNER_INPUT_MAX 16384 /* a greeting longer than this is refused (M_ETOOBIG) */

enum fp_greeting_proto { FP_GREET_FTP, FP_GREET_SMTP, FP_GREET_POP3, FP_GREET_IMAP };

struct fp_banner {
	char text[FP_BANNER_MAX]; /* NUL-terminated; CR/LF stripped */
	size_t text_len;
	bool truncated;
	int code;	 /* FTP/SMTP reply code (220), 1 for POP3 +OK / IMAP OK, 0 otherwise */
	size_t n_lines;	 /* lines in a multi-line reply */
	size_t consumed; /* bytes of input used */
	char proto_version[16]; /* SSH: "2.0" */
};

/* SSH identification "SSH-2.0-OpenSSH_8.4p1 Debian-5\r\n"; lines before it are
 * skipped (RFC 4253 4.2). text = software version and comment -> ssh_banners. */
int fp_ssh_ident(const char *p, size_t n, struct fp_banner *out);

/* FTP/SMTP "220 text" (with 220- continuations), POP3 "+OK text", IMAP
 * "* OK [CAPABILITY ...] text". text = the first line after the code (and IMAP's
 * [response code]) -> ftp_banners, smtp_banners, pop_banners, imap_banners.
 * A negative reply (FTP/SMTP 4xx/5xx, POP3 -ERR, IMAP BYE) parses with its code. */
int fp_greeting(enum fp_greeting_proto proto, const char *p, size_t n, struct fp_banner *out);

#define FP_EHLO_MAX_EXT 64
struct fp_ehlo {
	char host[256]; /* the 250 line's first word */
	size_t n_ext;
	char ext[FP_EHLO_MAX_EXT][128]; /* "PIPELINING", "SIZE 10240000", "STARTTLS" */
	bool has_starttls;
	size_t consumed;
};
/* A multi-line SMTP EHLO reply ("250-host\r\n250-EXT\r\n250 EXT\r\n"). */
int fp_smtp_ehlo(const char *p, size_t n, struct fp_ehlo *out);

/*
 * Telnet: copies p to out without IAC option negotiation (RFC 854/855): IAC IAC
 * is a data 0xFF, IAC SB ... IAC SE and three-byte WILL/WONT/DO/DONT are dropped.
 * When reply is given, writes the refusals a passive client sends (DO x -> WONT x,
 * WILL x -> DONT x) into reply (cap reply_cap, *reply_len). Returns FP_DONE, or
 * FP_NEED_MORE when p ends inside a command. text -> telnet_banners.
 */
int fp_telnet_strip(const char *p, size_t n, struct fp_banner *out, unsigned char *reply,
		    size_t reply_cap, size_t *reply_len);

/* MySQL first packet: protocol 10 handshake or an error packet. */
struct fp_mysql {
	bool is_error;
	uint8_t protocol;  /* 10 */
	char version[128]; /* "8.0.36-0ubuntu0.22.04.1" -> mysql_banners */
	uint32_t thread_id;
	uint32_t capabilities; /* lower and upper halves joined when present */
	uint8_t charset;
	char auth_plugin[64]; /* "caching_sha2_password" when present */
	uint16_t error_code;  /* error packets */
	char sql_state[6];
	char error_message[512]; /* -> mysql_error */
	size_t consumed;
};
int fp_mysql_greeting(const unsigned char *p, size_t n, struct fp_mysql *out);

/* DNS CHAOS TXT version.bind: build the query, parse the answer. */
#define FP_DNS_QUERY_MAX 64
/* Writes the query (with the 2-byte length prefix when tcp) into out; returns
 * its length, or M_ETOOBIG when cap is too small. */
int fp_dns_version_query(uint16_t id, bool tcp, unsigned char *out, size_t cap);

struct fp_dns_txt {
	uint16_t id;
	int rcode;		  /* 0 NOERROR, 5 REFUSED ... */
	size_t n_answers;	  /* TXT answers seen */
	char text[FP_BANNER_MAX]; /* first TXT answer's strings joined -> dns_versionbind */
	bool truncated;
	size_t consumed;
};
/* Parses a DNS response (tcp: with the length prefix) to the query with id.
 * Names may use compression pointers (bounded: no loops, no forward runs past
 * the message). Returns FP_DONE, FP_NEED_MORE (tcp, short), M_EPARSE. */
int fp_dns_parse_txt(const unsigned char *p, size_t n, bool tcp, uint16_t id,
		     struct fp_dns_txt *out);
/* Reads a (possibly compressed) domain name at off in msg[0..len) into out as
 * dotted text; *next is the offset after the name in place. Returns 0 or M_EPARSE. */
int fp_dns_read_name(const unsigned char *msg, size_t len, size_t off, char *out, size_t cap,
		     size_t *next);

/*
 * The text to give fp_match() for database when raw holds what the service sent:
 * ssh_banners takes the SSH ident after "SSH-x.y-", ftp/smtp/pop/imap_banners the
 * greeting after its code, telnet_banners the bytes without IAC commands. When the
 * matching parser does not accept raw (or the database has none), raw is copied as
 * it is. Writes at most cap-1 bytes and a NUL into out; returns the length.
 */
size_t fp_banner_text(const char *database, const char *raw, size_t n, char *out, size_t cap);

#endif
