/* Shared by the examples: the broker address and a check that prints the library's error. */
#ifndef KAFKA_EXAMPLES_COMMON_H
#define KAFKA_EXAMPLES_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kafka_rs.h"

/* KAFKA_BOOTSTRAP overrides the broker address (default: the local test broker). */
static inline const char *broker_addr(void) {
    const char *addr = getenv("KAFKA_BOOTSTRAP");
    return addr ? addr : "127.0.0.1:9092";
}

/* Milliseconds since the epoch, for deadlines. */
static inline int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs a libkafka_rs call; on failure prints the code's name and the detail, and exits. */
#define CHECK(call)                                                                   \
    do {                                                                              \
        kafka_err_t err_ = (call);                                                    \
        if (err_ != KAFKA_OK) {                                                       \
            fprintf(stderr, "%s failed: %s (%s): %s\n", #call, kafka_err_name(err_), \
                    kafka_err_str(err_), kafka_last_error_message());                 \
            exit(1);                                                                  \
        }                                                                             \
    } while (0)

#endif
