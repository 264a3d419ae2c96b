/*
 * err.h - library error codes and the error context that carries the detail
 * a person needs to fix bad input: file, line or byte offset, field, message.
 */
#ifndef MAMORI_ERR_H
#define MAMORI_ERR_H

#include "base/compat.h"

/*
 * The one error list (libuv's UV_ERRNO_MAP is the model). Every library call returns 0 or
 * one of these codes (negative); the enum, the names, both messages, the CLI's exit
 * statuses (src/cli/exitcodes.c) and the web's HTTP statuses (src/web/dispatch.c) are all
 * generated from these rows, so they cannot drift apart. Values, names, exit and HTTP
 * statuses are stable (scripts and API clients read them): never renumber, only append.
 *
 * XX(suffix, value, name for JSON, exit status, HTTP status, English, Japanese)
 */
/* clang-format off */
#define MAMORI_ERR_MAP(XX)                                                                     \
	XX(OK,            0, "ok",                 0,   200, "success", "成功")                     \
	XX(ENOMEM,       -1, "no_memory",          8,   500, "out of memory", "メモリ不足")         \
	XX(EINVAL,       -2, "invalid",            2,   400, "invalid argument", "引数が不正です")  \
	XX(EIO,          -3, "io",                 6,   500, "input/output error", "入出力エラー")  \
	XX(EPARSE,       -4, "parse",              3,   400, "malformed input", "入力の形式が不正です") \
	XX(ENOTFOUND,    -5, "not_found",          4,   404, "not found", "見つかりません")         \
	XX(EEXIST,       -6, "exists",             9,   409, "already exists", "すでに存在します")  \
	XX(ESTORE,       -7, "store",              7,   500, "database error", "データベースのエラー") \
	XX(ESCOPE,       -8, "out_of_scope",       5,   403, "refused: outside authorised scope",     \
	   "拒否: 認可された範囲の外です")                                                          \
	XX(ETOOBIG,      -9, "too_big",            10,  413, "size limit exceeded", "サイズの上限を超えています") \
	XX(ETIMEOUT,    -10, "timeout",            11,  429, "timed out", "時間切れです")           \
	XX(EPERM,       -11, "forbidden",          12,  403, "not permitted", "許可されていません") \
	XX(ENET,        -12, "network",            13,  502, "network error", "ネットワークのエラー") \
	XX(EINTR,       -13, "interrupted",        130, 503, "interrupted", "中断されました")       \
	XX(EUNSUPPORTED, -14, "unsupported",       14,  501, "not supported", "対応していません")   \
	XX(ECONFIRM,    -15, "needs_confirmation", 15,  409, "needs confirmation (--yes)",           \
	   "確認が必要です (--yes)")
/* clang-format on */

enum mamori_err {
#define MAMORI_ERR_ENUM(suffix, value, name, exit_status, http_status, en, ja) M_##suffix = value,
	MAMORI_ERR_MAP(MAMORI_ERR_ENUM)
#undef MAMORI_ERR_ENUM
	    M_ERR_MIN = M_ECONFIRM /* the most negative code */
};

/* Returns a static English description of code; never NULL ("unknown error"). */
const char *mamori_strerror(int code);
/* The same in Japanese; never NULL ("不明なエラー"). */
const char *mamori_strerror_ja(int code);

/* Returns a short stable identifier ("parse", "not_found") for JSON errors. */
const char *mamori_errname(int code);

/* The process exit status for code (1 when unknown) and the HTTP status (500 when
 * unknown), from the same list; the front ends' tables are these. */
int mamori_err_exit_status(int code);
int mamori_err_http_status(int code);

/*
 * Error context, filled by the first failure (later ones do not overwrite it,
 * so the root cause survives). Callers may pass NULL when they do not care.
 * line and offset are -1 when unknown; file and field empty when unknown.
 */
struct merr {
	int code;
	long line;
	long long offset;
	char file[256];
	char field[96];
	char msg[512];
};

void merr_init(struct merr *e);

/* Records code with a printf-style message; returns code so callers can
 * write `return merr_set(e, M_EPARSE, "...")`. */
int merr_set(struct merr *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* As merr_set, with the place the bad input was found. file/field may be NULL;
 * line or offset may be -1. */
int merr_at(struct merr *e, int code, const char *file, long line, long long offset,
	    const char *field, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Fills in the file name when the error has none yet (a parser of a memory
 * buffer does not know it; its caller does). */
void merr_set_file(struct merr *e, const char *file);

/* Writes "FILE:LINE: field: message" (parts omitted when unknown) into out. */
void merr_format(const struct merr *e, char *out, size_t out_len);

#endif
