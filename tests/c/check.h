/* Shared by the C tests: a non-fatal expectation and a thread that fires a cancel token. */
#ifndef KAFKA_TESTS_CHECK_H
#define KAFKA_TESTS_CHECK_H

#include <pthread.h>
#include <unistd.h>

#include "../../c-examples/common.h"

static int failures;

#define EXPECT(cond)                                                            \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                         \
        }                                                                       \
    } while (0)

struct fire_args {
    kafka_cancel_t *cancel;
    int delay_ms;
};

/* pthread body: waits delay_ms, then fires the token. */
static inline void *fire_later(void *arg) {
    struct fire_args *a = arg;
    usleep((useconds_t)a->delay_ms * 1000);
    kafka_cancel_fire(a->cancel);
    return NULL;
}

/* The Java client's murmur2 (seed 0x9747b28c), written here independently of the library, so the
 * test says where a key must land rather than asking the library. */
static inline uint32_t murmur2(const uint8_t *data, size_t len) {
    const uint32_t m = 0x5bd1e995;
    uint32_t h = 0x9747b28c ^ (uint32_t)len;
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t k = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8 | (uint32_t)data[i + 2] << 16 |
                     (uint32_t)data[i + 3] << 24;
        k *= m;
        k ^= k >> 24;
        k *= m;
        h *= m;
        h ^= k;
    }
    switch (len - i) {
    case 3:
        h ^= (uint32_t)data[i + 2] << 16;
        /* fall through */
    case 2:
        h ^= (uint32_t)data[i + 1] << 8;
        /* fall through */
    case 1:
        h ^= data[i];
        h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return h;
}

#endif
