/* fuzz_jvn_status.c - the MyJVN status:Status reader (paging numbers) on arbitrary bytes. */
#include "base/compat.h"

#include "feeds/feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feeds_jvn_status st;
	if (feeds_jvn_status_parse((const char *)data, size, &st, NULL) == 0) {
		/* The numbers the pager trusts are bounded and consistent. */
		if (st.total_res < 0 || st.total_res_ret < 0 || st.first_res < 0 ||
		    st.total_res_ret > st.total_res)
			abort();
	}
	return 0;
}
