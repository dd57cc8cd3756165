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

#endif
