/*
 * verify.h - `migrate --verify N`: read a sample of the written keys back from Fluss with
 * Lookup and compare them with the last value the bridge wrote for each.
 *
 * The sample is N distinct keys chosen uniformly from every key written (a bottom-k
 * sketch: the N keys whose 64-bit hash is smallest), so a key's later writes keep its
 * entry up to date and the check costs one compare per record for the others. A key whose
 * last write was a delete must be absent. Rows of mappings with partial_update are only
 * checked for presence (Fluss merges them with what was there).
 */
#ifndef KFB_VERIFY_H
#define KFB_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct kfb_verify kfb_verify_t;
struct kfb_bridge;

kfb_verify_t *kfb_verify_new(size_t n);
void kfb_verify_destroy(kfb_verify_t *v);

/* Looks at every record of a built KV batch about to be sent for (mapping, partition,
 * bucket); mapping is the bridge's mapping_rt_t. */
void kfb_verify_observe(kfb_verify_t *v, void *mapping, const char *partition, int32_t bucket,
                        const uint8_t *batch, size_t len);

/* Reads the sample back; prints the result to out. 0 when every key matched, 1 when any
 * differed or could not be read. */
int kfb_verify_run(kfb_verify_t *v, struct kfb_bridge *b, FILE *out);

#endif
