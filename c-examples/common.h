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

/* The path of a file of the local test broker's TLS material (ca.pem, client.pem, client.key)
 * in `buf`: $KAFKA_TLS_DIR, else $KAFKA_RS_RUN/single/tls, else the default run dir's. */
static inline const char *tls_file(char *buf, size_t size, const char *name) {
    const char *dir = getenv("KAFKA_TLS_DIR");
    const char *run = getenv("KAFKA_RS_RUN");
    if (dir)
        snprintf(buf, size, "%s/%s", dir, name);
    else
        snprintf(buf, size, "%s/single/tls/%s", run ? run : "/tmp/libkafka_rs-kafka", name);
    return buf;
}

/* SASL credentials: $KAFKA_SASL_USER / $KAFKA_SASL_PASSWORD, else the local test broker's user. */
static inline const char *sasl_user(void) {
    const char *u = getenv("KAFKA_SASL_USER");
    return u ? u : "kafkars";
}
static inline const char *sasl_password(void) {
    const char *p = getenv("KAFKA_SASL_PASSWORD");
    return p ? p : "kafkars-secret";
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
