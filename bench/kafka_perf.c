/* kafka_perf: a producer benchmark on libkafka_rs's C API, in the spirit of librdkafka's
 * rdkafka_performance.
 *
 *   kafka_perf -P -t topic [-b brokers] [-n count] [-s size] [-p partitions] [-a acks]
 *              [-z codec] [-l linger_ms] [-B batch_messages]
 *       produce count messages of size bytes asynchronously (topic created with the given
 *       partitions if missing), flush, and report throughput and client CPU.
 *   kafka_perf -L -t topic [-b brokers] [-n count] [-s size]
 *       latency of synchronous single-message writes with default settings: p50/p99/max.
 *
 * Output: one line of key=value pairs, for scripts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "kafka_rs.h"

#define CHECK(call)                                                                            \
    do {                                                                                       \
        kafka_err_t e_ = (call);                                                               \
        if (e_ != KAFKA_OK) {                                                                  \
            fprintf(stderr, "%s: %s: %s\n", #call, kafka_err_name(e_), kafka_last_error_message()); \
            exit(1);                                                                           \
        }                                                                                      \
    } while (0)

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(long *max_rss_kb) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    if (max_rss_kb)
        *max_rss_kb = ru.ru_maxrss;
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static long delivered, failed;

static void on_delivery(void *ud, const kafka_delivery_report_t *const *r, size_t n) {
    (void)ud;
    for (size_t i = 0; i < n; i++) {
        if (r[i]->err == KAFKA_OK)
            delivered++;
        else if (failed++ == 0)
            fprintf(stderr, "delivery failed: %s\n", kafka_err_name(r[i]->err));
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void ensure_topic(const char *brokers, const char *topic, int partitions) {
    kafka_config_t *cfg;
    kafka_conn_t *conn;
    kafka_new_topic_t *nt;
    char first[256];
    snprintf(first, sizeof first, "%s", brokers);
    char *comma = strchr(first, ',');
    if (comma)
        *comma = 0;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_conn_dial(cfg, first, 10000, NULL, &conn));
    CHECK(kafka_new_topic_new(topic, partitions, 1, &nt));
    CHECK(kafka_conn_create_topics(conn, (const kafka_new_topic_t *const *)&nt, 1, 30000, NULL));
    kafka_new_topic_free(nt);
    kafka_conn_close(conn);
    kafka_config_free(cfg);
}

int main(int argc, char **argv) {
    const char *brokers = "127.0.0.1:9092", *topic = NULL, *acks = "all", *codec = "none";
    const char *linger = NULL, *batch = NULL;
    long count = 1000000, size = 100;
    int partitions = 1, mode = 'P', opt;
    while ((opt = getopt(argc, argv, "PLt:b:n:s:p:a:z:l:B:")) != -1) {
        switch (opt) {
        case 'P': case 'L': mode = opt; break;
        case 't': topic = optarg; break;
        case 'b': brokers = optarg; break;
        case 'n': count = atol(optarg); break;
        case 's': size = atol(optarg); break;
        case 'p': partitions = atoi(optarg); break;
        case 'a': acks = optarg; break;
        case 'z': codec = optarg; break;
        case 'l': linger = optarg; break;
        case 'B': batch = optarg; break;
        default: fprintf(stderr, "see the comment at the top of kafka_perf.c\n"); return 2;
        }
    }
    if (!topic || count <= 0 || size < 0) {
        fprintf(stderr, "usage: %s -P|-L -t topic [-b brokers] [-n count] [-s size] ...\n", argv[0]);
        return 2;
    }
    ensure_topic(brokers, topic, partitions);

    kafka_config_t *cfg;
    kafka_writer_t *w;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", brokers));
    CHECK(kafka_config_set(cfg, "writer.topic", topic));
    if (mode == 'P') {
        CHECK(kafka_config_set(cfg, "acks", acks));
        CHECK(kafka_config_set(cfg, "compression.type", codec));
        if (linger)
            CHECK(kafka_config_set(cfg, "linger.ms", linger));
        if (batch)
            CHECK(kafka_config_set(cfg, "batch.num.messages", batch));
    }
    CHECK(kafka_writer_new(cfg, &w));
    kafka_config_free(cfg);

    /* Compressible but not trivially so: a repeating pattern with a counter. */
    uint8_t *payload = malloc(size ? size : 1);
    for (long i = 0; i < size; i++)
        payload[i] = (uint8_t)("abcdefghijklmnopqrstuvwxyz0123456789"[i % 36] ^ (i / 36 % 3));

    long max_rss;
    if (mode == 'L') {
        double *lat = malloc(sizeof(double) * count);
        kafka_msg_t m;
        memset(&m, 0, sizeof m);
        m.partition = -1;
        m.value = payload;
        m.value_len = size;
        CHECK(kafka_writer_write(w, &m, 1, 10000, NULL, NULL, NULL)); /* warm up */
        for (long i = 0; i < count; i++) {
            double t0 = now_s();
            CHECK(kafka_writer_write(w, &m, 1, 10000, NULL, NULL, NULL));
            lat[i] = (now_s() - t0) * 1e6;
        }
        qsort(lat, count, sizeof(double), cmp_double);
        printf("mode=sync_latency count=%ld size=%ld p50_us=%.0f p99_us=%.0f max_us=%.0f\n", count, size,
               lat[count / 2], lat[(long)(count * 0.99)], lat[count - 1]);
        free(lat);
    } else {
        CHECK(kafka_writer_set_delivery_cb(w, on_delivery, NULL));
        enum { CHUNK = 1000 };
        kafka_msg_t msgs[CHUNK];
        memset(msgs, 0, sizeof msgs);
        for (int i = 0; i < CHUNK; i++) {
            msgs[i].partition = -1;
            msgs[i].value = payload;
            msgs[i].value_len = size;
        }
        double cpu0 = cpu_s(NULL), t0 = now_s();
        for (long sent = 0; sent < count;) {
            size_t n = count - sent < CHUNK ? (size_t)(count - sent) : CHUNK;
            kafka_err_t err = kafka_writer_produce(w, msgs, n);
            if (err == KAFKA_ERR_QUEUE_FULL) {
                CHECK(kafka_writer_poll(w, 10, NULL));
                continue;
            }
            CHECK(err);
            sent += n;
            CHECK(kafka_writer_poll(w, 0, NULL));
        }
        CHECK(kafka_writer_flush(w, 120000));
        double secs = now_s() - t0, cpu = cpu_s(&max_rss) - cpu0;
        char stats[4096];
        size_t ss = sizeof stats;
        CHECK(kafka_writer_stats(w, stats, &ss));
        char *bm = strstr(stats, "\"batch_messages\":{");
        double avg_batch = 0;
        if (bm && (bm = strstr(bm, "\"avg\":")))
            avg_batch = atof(bm + 6);
        printf("mode=produce count=%ld size=%ld partitions=%d acks=%s codec=%s delivered=%ld failed=%ld "
               "secs=%.3f msgs_per_s=%.0f mb_per_s=%.2f cpu_s=%.3f cpu_s_per_million=%.3f max_rss_mb=%.1f "
               "avg_batch=%.0f\n",
               count, size, partitions, acks, codec, delivered, failed, secs, count / secs,
               count * (double)size / secs / 1e6, cpu, cpu / count * 1e6, max_rss / 1024.0, avg_batch);
    }
    CHECK(kafka_writer_close(w, 30000));
    free(payload);
    return failed ? 1 : 0;
}
