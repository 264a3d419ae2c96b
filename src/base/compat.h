/*
 * compat.h - the first include of every mamori source file: feature macros,
 * common system headers, and the unsafe C calls banned at compile time.
 */
#ifndef MAMORI_COMPAT_H
#define MAMORI_COMPAT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* memmem, timegm, strcasestr, SOCK_NONBLOCK */
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
