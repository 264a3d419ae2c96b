/*
 * fuzz_split.c - the streaming record splitter over arbitrary bytes (plain, gzip or xz by
 * magic): every record it yields lies inside the decompressed stream, no crash, no leak.
 *
 * Records must move forward: an empty record that consumed nothing (a '}' where an element
 * belongs) was once returned for ever, which this target hid behind its loop bound and ran at
 * 21 inputs a second. Each input also stops after 1 MiB of decompressed output (a 64 KB gzip
 * or xz input can expand a thousandfold); the splitter reads 64 KiB chunks, so 1 MiB still
 * crosses many chunk boundaries, where its state machine could go wrong.
 */
#include "base/compat.h"

#include "feeds/split.h"

static void run(const uint8_t *data, size_t size, enum split_mode mode)
{
	struct split *sp = NULL;
	struct split_rec r;
	long long last = -1;
	int rc, n = 0;

	if (split_open_mem(data, size, mode, NULL, 4096, &sp, NULL))
		return;
	while (split_offset(sp) < (1 << 20) && (rc = split_next(sp, &r, NULL)) != 0 &&
	       n++ < 100000) {
		if (rc == 1 && (r.len > 4096 || r.offset < 0 || strlen(r.p) > r.len))
			abort(); /* a record over the cap or with a bad offset is a bug */
		if (rc == 1 && mode == SPLIT_ARRAY && r.offset <= last)
			abort(); /* no progress: the caller's loop would never end */
		if (rc == 1)
			last = r.offset;
		if (rc < 0 && split_fatal(sp))
			break;
	}
	split_free(sp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, SPLIT_ARRAY);
	run(data, size, SPLIT_LINES);
	return 0;
}
