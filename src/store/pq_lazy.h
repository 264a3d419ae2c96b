/*
 * store/pq_lazy.h - libpq, loaded on first use by src/store/postgres.c: a command on an
 * SQLite store never loads libpq (nor its OpenSSL/GSSAPI/LDAP dependencies).
 *
 * Include this instead of <libpq-fe.h>. Every function the project calls is listed below
 * and resolved through lazy.h on first call; libpq is not on the link line, so a call to
 * a function missing from this list fails at link time - add it here.
 */
#ifndef MAMORI_STORE_PQ_LAZY_H
#define MAMORI_STORE_PQ_LAZY_H

#include <libpq-fe.h>

#include "base/lazy.h"

#define PQclear(...) LAZY(lazy_pq, PQclear)(__VA_ARGS__)
#define PQcmdTuples(...) LAZY(lazy_pq, PQcmdTuples)(__VA_ARGS__)
#define PQconnectdbParams(...) LAZY(lazy_pq, PQconnectdbParams)(__VA_ARGS__)
#define PQerrorMessage(...) LAZY(lazy_pq, PQerrorMessage)(__VA_ARGS__)
#define PQexec(...) LAZY(lazy_pq, PQexec)(__VA_ARGS__)
#define PQexecPrepared(...) LAZY(lazy_pq, PQexecPrepared)(__VA_ARGS__)
#define PQfinish(...) LAZY(lazy_pq, PQfinish)(__VA_ARGS__)
#define PQftype(...) LAZY(lazy_pq, PQftype)(__VA_ARGS__)
#define PQgetisnull(...) LAZY(lazy_pq, PQgetisnull)(__VA_ARGS__)
#define PQgetvalue(...) LAZY(lazy_pq, PQgetvalue)(__VA_ARGS__)
#define PQnfields(...) LAZY(lazy_pq, PQnfields)(__VA_ARGS__)
#define PQntuples(...) LAZY(lazy_pq, PQntuples)(__VA_ARGS__)
#define PQprepare(...) LAZY(lazy_pq, PQprepare)(__VA_ARGS__)
#define PQresultErrorField(...) LAZY(lazy_pq, PQresultErrorField)(__VA_ARGS__)
#define PQresultErrorMessage(...) LAZY(lazy_pq, PQresultErrorMessage)(__VA_ARGS__)
#define PQresultStatus(...) LAZY(lazy_pq, PQresultStatus)(__VA_ARGS__)
#define PQserverVersion(...) LAZY(lazy_pq, PQserverVersion)(__VA_ARGS__)
#define PQsetNoticeProcessor(...) LAZY(lazy_pq, PQsetNoticeProcessor)(__VA_ARGS__)
#define PQstatus(...) LAZY(lazy_pq, PQstatus)(__VA_ARGS__)
#define PQunescapeBytea(...) LAZY(lazy_pq, PQunescapeBytea)(__VA_ARGS__)
#define PQfreemem(...) LAZY(lazy_pq, PQfreemem)(__VA_ARGS__)
#define PQconsumeInput(...) LAZY(lazy_pq, PQconsumeInput)(__VA_ARGS__)
#define PQnotifies(...) LAZY(lazy_pq, PQnotifies)(__VA_ARGS__)
#define PQsocket(...) LAZY(lazy_pq, PQsocket)(__VA_ARGS__)
#define PQputCopyData(...) LAZY(lazy_pq, PQputCopyData)(__VA_ARGS__)
#define PQputCopyEnd(...) LAZY(lazy_pq, PQputCopyEnd)(__VA_ARGS__)
#define PQgetResult(...) LAZY(lazy_pq, PQgetResult)(__VA_ARGS__)
#define PQreset(...) LAZY(lazy_pq, PQreset)(__VA_ARGS__)
#define PQtransactionStatus(...) LAZY(lazy_pq, PQtransactionStatus)(__VA_ARGS__)

#endif
