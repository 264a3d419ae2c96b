/*
 * fuzz_sns_jsonl.c - one record of the SNS ingest format SNS_FMT_JSONL (src/sns/parse.c) over arbitrary
 * bytes: no crash, no leak, every post handed over has an id, valid UTF-8 text and a raw hash.
 */
#include "fuzz_sns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_sns_record(SNS_FMT_JSONL, data, size);
}
