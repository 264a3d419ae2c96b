/* hex.h - the value of one hexadecimal digit, for the decoders of %XX, \uXXXX and hex keys. */
#ifndef MAMORI_HEX_H
#define MAMORI_HEX_H

/* 0..15 for '0'-'9', 'a'-'f', 'A'-'F'; -1 for any other byte (a negative char too). */
static inline int hex_value(int c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

#endif
