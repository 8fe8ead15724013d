/*
 * sort.c - in-place radix sort of 64-bit keys with a label byte each.
 *
 * The sweep sorts scores as order-preserving 64-bit keys (see sweep.c).  It
 * sorts them in the memory that held the scores, because a second buffer of
 * n keys is what used to make a sweep of 10^7 scores need three times the
 * memory of its input.  So this is an MSD radix sort that permutes each
 * bucket in place (the "American flag" scheme).  It counts the digits and
 * moves every key straight to the next free slot of its bucket, carrying
 * the key found there on to its own bucket.  Then it sorts each bucket on
 * the next digit.
 * A digit that is the same for every key of a bucket costs one counting
 * pass and no moves, which is common for probabilities (equal sign and
 * high exponent bits).  Buckets of a few dozen keys get an insertion sort.
 */
#include "metrics_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define DIGIT_BITS 8
#define DIGIT_VALUES (1u << DIGIT_BITS)
#define DIGIT_MASK (DIGIT_VALUES - 1u)

/* Size of a huge page on x86-64 and arm64, and the array size from which
 * skm_alloc_array requests huge pages (smaller arrays fault in quickly). */
#define HUGE_PAGE ((size_t)2 << 20)
#define LARGE_ARRAY ((size_t)4 << 20)

/* Below this count an insertion sort beats counting the digits. */
#define SMALL_SORT 48

void *skm_alloc_array(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    size_t bytes = count * size;
    if (bytes < LARGE_ARRAY)
        return malloc(bytes == 0 ? 1 : bytes);
    void *block = NULL;
    if (posix_memalign(&block, HUGE_PAGE, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    /* A hint only, so the array works without transparent huge pages. */
    (void)madvise(block, bytes, MADV_HUGEPAGE);
#endif
    return block;
}

static void insertion_sort(uint64_t *keys, unsigned char *labels, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t key = keys[i];
        unsigned char label = labels[i];
        size_t j = i;
        while (j > 0 && keys[j - 1] > key) {
            keys[j] = keys[j - 1];
            labels[j] = labels[j - 1];
            j--;
        }
        keys[j] = key;
        labels[j] = label;
    }
}

/* Sorts keys whose bits above shift + DIGIT_BITS are all equal. */
static void sort_bucket(uint64_t *keys, unsigned char *labels, size_t n, unsigned shift)
{
    size_t count[DIGIT_VALUES];
    for (;;) {
        if (n < SMALL_SORT) {
            insertion_sort(keys, labels, n);
            return;
        }
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[(keys[i] >> shift) & DIGIT_MASK]++;
        if (count[(keys[0] >> shift) & DIGIT_MASK] < n)
            break;
        /* One digit for all: nothing moves, go on to the next digit. */
        if (shift == 0)
            return;
        shift -= DIGIT_BITS;
    }

    size_t next[DIGIT_VALUES];
    size_t end[DIGIT_VALUES];
    size_t offset = 0;
    for (unsigned d = 0; d < DIGIT_VALUES; d++) {
        next[d] = offset;
        offset += count[d];
        end[d] = offset;
    }

    /* Every slot from next[d] to end[d] still contains a key that has not
     * moved, and each swap puts one key in its final bucket. */
    for (unsigned d = 0; d < DIGIT_VALUES; d++) {
        while (next[d] < end[d]) {
            uint64_t key = keys[next[d]];
            unsigned char label = labels[next[d]];
            unsigned digit = (unsigned)(key >> shift) & DIGIT_MASK;
            while (digit != d) {
                size_t slot = next[digit]++;
                uint64_t displaced = keys[slot];
                unsigned char displaced_label = labels[slot];
                keys[slot] = key;
                labels[slot] = label;
                key = displaced;
                label = displaced_label;
                digit = (unsigned)(key >> shift) & DIGIT_MASK;
            }
            keys[next[d]] = key;
            labels[next[d]] = label;
            next[d]++;
        }
    }

    if (shift == 0)
        return;
    size_t start = 0;
    for (unsigned d = 0; d < DIGIT_VALUES; d++) {
        if (count[d] > 1)
            sort_bucket(keys + start, labels + start, count[d], shift - DIGIT_BITS);
        start += count[d];
    }
}

void skm_sort_pairs(uint64_t *keys, unsigned char *labels, size_t n)
{
    sort_bucket(keys, labels, n, 64 - DIGIT_BITS);
}
