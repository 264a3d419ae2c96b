/*
 * banned.h - calls that are easy to misuse (unbounded copies, static buffers,
 * silent number parsing) are made compile errors, as git's banned.h does.
 * Use buf_*(), snprintf, strtol/strtoull with end checks, gmtime_r, localtime_r.
 */
#ifndef MAMORI_BANNED_H
#define MAMORI_BANNED_H

#define BANNED(func) sorry_##func##_is_banned_in_mamori

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gets
#define gets(x) BANNED(gets)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef gmtime
#define gmtime(x) BANNED(gmtime)
#undef localtime
#define localtime(x) BANNED(localtime)
#undef ctime
#define ctime(x) BANNED(ctime)
#undef asctime
#define asctime(x) BANNED(asctime)

#endif
