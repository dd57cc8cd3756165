/* kafka_perf: a benchmark on libkafka_rs's C API, in the spirit of librdkafka's
 * rdkafka_performance. bench/rdkafka_perf.c (librdkafka) and bench/go-peers (kafka-go,
 * franz-go) take the same options and print the same line, so bench/run_matrix.sh can run
 * them side by side.
 *
 *   kafka_perf -T -t topic -p partitions [-b brokers]
 *       create the topic with that many partitions (replication factor 1).
 *   kafka_perf -X -t topic [-b brokers]
 *       delete the topic.
 *   kafka_perf -P -t topic [-b brokers] [-n count] [-s size] [-p partitions] [-a acks]
 *              [-z codec] [-l linger_ms] [-B batch_messages] [-I]
 *       produce count messages of size bytes asynchronously (the topic is created with the
 *       given partitions if missing; -E and -L likewise), wait for every acknowledgement; throughput and CPU.
 *       -I turns idempotence off (the matrix does, for every client: acks=1 needs it off).
 *   kafka_perf -C -t topic [-b brokers] [-n count] [-G group]
 *       consume count messages from the earliest offset: partition 0 with a partition
 *       reader, or every partition of the topic as a member of consumer group `group`
 *       (offsets committed every second). Time and CPU count from creating the reader
 *       (connecting and joining included) to the last message.
 *   kafka_perf -E -t topic [-b brokers] [-n count] [-s size] [-r rate] [-a acks]
 *       end-to-end latency: a thread produces count messages at rate msgs/s (default 10000)
 *       to partition 0, each carrying its send time; a reader in the same process reads
 *       them; p50/p99/max of receive time - send time. linger.ms is 1 ms, as in the peers.
 *   kafka_perf -L -t topic [-b brokers] [-n count] [-s size] [-d seconds]
 *       latency of synchronous single-message writes with default settings (acks=all,
 *       idempotent): p50/p99/max; stops after count writes or -d seconds (default 10).
 *
 * Output: one line of key=value pairs on stdout, for scripts (msgs_per_s, mb_per_s, cpu_s and
 * cpu_s_per_million from getrusage over the measured part, max_rss_mb, p50_us, p99_us).
 * Payload bytes: "abc..xyz0..9"[i % 36] ^ (i / 36 % 3), the same in every peer. */
#include <pthread.h>
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

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double max_rss_mb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts lat[0..n) and prints p50/p99/max. */
static void print_percentiles(double *lat, long n) {
    if (n <= 0) {
        printf(" p50_us=0 p99_us=0 max_us=0");
        return;
    }
    qsort(lat, n, sizeof(double), cmp_double);
    printf(" p50_us=%.0f p99_us=%.0f max_us=%.0f", lat[n / 2], lat[(long)(n * 0.99)], lat[n - 1]);
}

static uint8_t *make_payload(long size) {
    uint8_t *p = malloc(size > 8 ? size : 8);
    if (!p)
        exit(1);
    memset(p, 0, size > 8 ? size : 8);
    for (long i = 0; i < size; i++)
        p[i] = (uint8_t)("abcdefghijklmnopqrstuvwxyz0123456789"[i % 36] ^ (i / 36 % 3));
    return p;
}

static kafka_conn_t *dial_first(const char *brokers) {
    kafka_config_t *cfg;
    kafka_conn_t *conn;
    char first[256];
    snprintf(first, sizeof first, "%s", brokers);
    char *comma = strchr(first, ',');
    if (comma)
        *comma = 0;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_conn_dial(cfg, first, 10000, NULL, &conn));
    kafka_config_free(cfg);
    return conn;
}

static void delete_topic(const char *brokers, const char *topic) {
    kafka_conn_t *conn = dial_first(brokers);
    CHECK(kafka_conn_delete_topics(conn, &topic, 1, 30000, NULL));
    kafka_conn_close(conn);
}

static void create_topic(const char *brokers, const char *topic, int partitions, int must_create) {
    kafka_conn_t *conn = dial_first(brokers);
    kafka_new_topic_t *nt;
    CHECK(kafka_new_topic_new(topic, partitions, 1, &nt));
    kafka_err_t err = kafka_conn_create_topics(conn, (const kafka_new_topic_t *const *)&nt, 1, 30000, NULL);
    if (err != KAFKA_OK && (must_create || err != KAFKA_ERR_TOPIC_ALREADY_EXISTS)) {
        fprintf(stderr, "create topic %s: %s: %s\n", topic, kafka_err_name(err), kafka_last_error_message());
        exit(1);
    }
    kafka_new_topic_free(nt);
    /* Wait until the broker's metadata has every partition with a leader: some clients
     * (kafka-go) fail at once on a topic the broker does not know yet. */
    for (int tries = 0;; tries++) {
        kafka_partition_list_t *list = NULL;
        size_t led = 0;
        if (kafka_conn_read_partitions(conn, &topic, 1, 10000, NULL, &list) == KAFKA_OK) {
            for (size_t i = 0; i < kafka_partition_list_count(list); i++) {
                int32_t leader = -1;
                if (kafka_partition_list_get(list, i, NULL, NULL, &leader) == KAFKA_OK && leader >= 0)
                    led++;
            }
            kafka_partition_list_free(list);
        }
        if (led >= (size_t)partitions)
            break;
        if (tries == 200) {
            fprintf(stderr, "topic %s: %zu of %d partitions have a leader after 10 s\n", topic, led, partitions);
            exit(1);
        }
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    kafka_conn_close(conn);
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

struct opts {
    const char *brokers, *topic, *acks, *codec, *linger, *batch, *group;
    long count, size, rate;
    int partitions, partition, no_idempotence;
    double max_secs;
};

static kafka_writer_t *new_writer(const struct opts *o, int defaults) {
    kafka_config_t *cfg;
    kafka_writer_t *w;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", o->brokers));
    CHECK(kafka_config_set(cfg, "writer.topic", o->topic));
    if (!defaults) {
        CHECK(kafka_config_set(cfg, "acks", o->acks));
        CHECK(kafka_config_set(cfg, "compression.type", o->codec));
        if (o->no_idempotence)
            CHECK(kafka_config_set(cfg, "enable.idempotence", "false"));
        if (o->linger)
            CHECK(kafka_config_set(cfg, "linger.ms", o->linger));
        if (o->batch)
            CHECK(kafka_config_set(cfg, "batch.num.messages", o->batch));
    }
    CHECK(kafka_writer_new(cfg, &w));
    kafka_config_free(cfg);
    return w;
}

static int run_produce(const struct opts *o) {
    kafka_writer_t *w = new_writer(o, 0);
    uint8_t *payload = make_payload(o->size);
    CHECK(kafka_writer_set_delivery_cb(w, on_delivery, NULL));
    enum { CHUNK = 1000 };
    static kafka_msg_t msgs[CHUNK];
    for (int i = 0; i < CHUNK; i++) {
        msgs[i].partition = -1;
        msgs[i].value = payload;
        msgs[i].value_len = o->size;
    }
    double cpu0 = cpu_s(), t0 = now_s();
    for (long sent = 0; sent < o->count;) {
        size_t n = o->count - sent < CHUNK ? (size_t)(o->count - sent) : CHUNK;
        kafka_err_t err = kafka_writer_produce(w, msgs, n);
        if (err == KAFKA_ERR_QUEUE_FULL) {
            CHECK(kafka_writer_poll(w, 10, NULL, NULL));
            continue;
        }
        CHECK(err);
        sent += n;
        CHECK(kafka_writer_poll(w, 0, NULL, NULL));
    }
    CHECK(kafka_writer_flush(w, 120000, NULL));
    double secs = now_s() - t0, cpu = cpu_s() - cpu0;
    char stats[4096];
    size_t ss = sizeof stats;
    CHECK(kafka_writer_stats(w, stats, &ss));
    char *bm = strstr(stats, "\"batch_messages\":{");
    double avg_batch = 0;
    if (bm && (bm = strstr(bm, "\"avg\":")))
        avg_batch = atof(bm + 6);
    printf("mode=produce client=kafka_rs count=%ld size=%ld acks=%s codec=%s delivered=%ld failed=%ld "
           "secs=%.3f msgs_per_s=%.0f mb_per_s=%.2f cpu_s=%.3f cpu_s_per_million=%.3f max_rss_mb=%.1f "
           "avg_batch=%.0f\n",
           o->count, o->size, o->acks, o->codec, delivered, failed, secs, o->count / secs,
           o->count * (double)o->size / secs / 1e6, cpu, cpu / o->count * 1e6, max_rss_mb(), avg_batch);
    CHECK(kafka_writer_close(w, 30000, NULL));
    free(payload);
    return failed ? 1 : 0;
}

static kafka_reader_t *new_reader(const struct opts *o, int partition) {
    kafka_config_t *cfg;
    kafka_reader_t *r;
    char part[16];
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", o->brokers));
    CHECK(kafka_config_set(cfg, "reader.topic", o->topic));
    CHECK(kafka_config_set(cfg, "auto.offset.reset", "earliest"));
    if (o->group) {
        CHECK(kafka_config_set(cfg, "group.id", o->group));
        CHECK(kafka_config_set(cfg, "auto.commit.interval.ms", "1000"));
    } else {
        snprintf(part, sizeof part, "%d", partition);
        CHECK(kafka_config_set(cfg, "reader.partition", part));
    }
    CHECK(kafka_reader_new(cfg, &r));
    kafka_config_free(cfg);
    return r;
}

static int run_consume(const struct opts *o) {
    enum { MAX = 1000 };
    static kafka_message_t *msgs[MAX];
    long got = 0;
    double bytes = 0, first = 0, start = now_s(), cpu0 = cpu_s();
    kafka_reader_t *r = new_reader(o, o->partition);
    while (got < o->count) {
        size_t n = 0;
        kafka_err_t err = kafka_reader_read_batch(r, MAX, 30000, NULL, msgs, &n);
        if (err == KAFKA_ERR_TIMED_OUT) {
            fprintf(stderr, "consume: only %ld of %ld messages within 30 s of silence\n", got, o->count);
            return 1;
        }
        CHECK(err);
        if (got == 0 && n > 0)
            first = now_s();
        for (size_t i = 0; i < n; i++) {
            size_t len;
            kafka_message_value(msgs[i], &len);
            bytes += len;
            kafka_message_free(msgs[i]);
        }
        got += n;
    }
    double secs = now_s() - start, cpu = cpu_s() - cpu0;
    printf("mode=consume client=kafka_rs count=%ld group=%s secs=%.3f first_msg_after_s=%.3f msgs_per_s=%.0f "
           "mb_per_s=%.2f cpu_s=%.3f cpu_s_per_million=%.3f max_rss_mb=%.1f\n",
           got, o->group ? o->group : "-", secs, first - start, got / secs, bytes / secs / 1e6, cpu, cpu / got * 1e6,
           max_rss_mb());
    kafka_reader_close(r, 10000, NULL);
    return 0;
}

struct e2e {
    const struct opts *o;
    kafka_writer_t *w;
    volatile int warm; /* the consumer saw the warm-up message */
};

static void *e2e_producer(void *arg) {
    struct e2e *e = arg;
    const struct opts *o = e->o;
    uint8_t *payload = make_payload(o->size);
    kafka_msg_t m;
    memset(&m, 0, sizeof m);
    m.flags = KAFKA_MSG_F_PARTITION;
    m.partition = 0;
    m.value = payload;
    m.value_len = o->size;
    long long t = -1;
    memcpy(payload, &t, 8); /* warm-up: resent until the consumer has seen one */
    while (!__atomic_load_n(&e->warm, __ATOMIC_ACQUIRE)) {
        CHECK(kafka_writer_produce(e->w, &m, 1));
        CHECK(kafka_writer_poll(e->w, 200, NULL, NULL));
    }
    long long start = now_ns(), interval = 1000000000LL / o->rate;
    for (long i = 0; i < o->count; i++) {
        long long due = start + i * interval;
        if (now_ns() < due) {
            struct timespec ts = {due / 1000000000LL, due % 1000000000LL};
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        }
        t = now_ns();
        memcpy(payload, &t, 8);
        kafka_err_t err;
        while ((err = kafka_writer_produce(e->w, &m, 1)) == KAFKA_ERR_QUEUE_FULL)
            CHECK(kafka_writer_poll(e->w, 1, NULL, NULL));
        CHECK(err);
        CHECK(kafka_writer_poll(e->w, 0, NULL, NULL));
    }
    CHECK(kafka_writer_flush(e->w, 60000, NULL));
    free(payload);
    return NULL;
}

static int run_e2e(const struct opts *o) {
    struct opts po = *o;
    po.linger = "1";
    po.codec = "none";
    kafka_writer_t *w = new_writer(&po, 0);
    kafka_reader_t *r = new_reader(o, 0);
    struct e2e e = {o, w, 0};
    double *lat = malloc(sizeof(double) * o->count);
    pthread_t th;
    double cpu0 = cpu_s(), t0 = now_s();
    if (pthread_create(&th, NULL, e2e_producer, &e) != 0)
        return 1;
    long got = 0;
    enum { MAX = 1000 };
    static kafka_message_t *msgs[MAX];
    while (got < o->count) {
        size_t n = 0;
        CHECK(kafka_reader_read_batch(r, MAX, 30000, NULL, msgs, &n));
        long long now = now_ns();
        for (size_t i = 0; i < n; i++) {
            size_t len;
            const uint8_t *v = kafka_message_value(msgs[i], &len);
            long long sent;
            if (len >= 8) {
                memcpy(&sent, v, 8);
                if (sent < 0)
                    __atomic_store_n(&e.warm, 1, __ATOMIC_RELEASE);
                else if (got < o->count)
                    lat[got++] = (now - sent) / 1e3;
            }
            kafka_message_free(msgs[i]);
        }
    }
    pthread_join(th, NULL);
    double secs = now_s() - t0, cpu = cpu_s() - cpu0;
    printf("mode=e2e client=kafka_rs count=%ld size=%ld rate=%ld secs=%.3f msgs_per_s=%.0f cpu_s=%.3f "
           "cpu_s_per_million=%.3f max_rss_mb=%.1f",
           got, o->size, o->rate, secs, got / secs, cpu, cpu / got * 1e6, max_rss_mb());
    print_percentiles(lat, got);
    printf("\n");
    free(lat);
    kafka_reader_close(r, 5000, NULL);
    CHECK(kafka_writer_close(w, 30000, NULL));
    return 0;
}

static int run_sync(const struct opts *o) {
    kafka_writer_t *w = new_writer(o, 1);
    uint8_t *payload = make_payload(o->size);
    double *lat = malloc(sizeof(double) * o->count);
    kafka_msg_t m;
    memset(&m, 0, sizeof m);
    m.partition = -1;
    m.value = payload;
    m.value_len = o->size;
    CHECK(kafka_writer_write(w, &m, 1, 10000, NULL, NULL, NULL)); /* warm up */
    double cpu0 = cpu_s(), t0 = now_s();
    long n = 0;
    while (n < o->count && now_s() - t0 < o->max_secs) {
        double t = now_s();
        CHECK(kafka_writer_write(w, &m, 1, 10000, NULL, NULL, NULL));
        lat[n++] = (now_s() - t) * 1e6;
    }
    double secs = now_s() - t0, cpu = cpu_s() - cpu0;
    printf("mode=sync client=kafka_rs count=%ld size=%ld secs=%.3f msgs_per_s=%.0f cpu_s=%.3f "
           "cpu_s_per_million=%.3f max_rss_mb=%.1f",
           n, o->size, secs, n / secs, cpu, cpu / n * 1e6, max_rss_mb());
    print_percentiles(lat, n);
    printf("\n");
    free(lat);
    free(payload);
    CHECK(kafka_writer_close(w, 30000, NULL));
    return 0;
}

int main(int argc, char **argv) {
    struct opts o = {"127.0.0.1:9092", NULL, "all", "none", NULL, NULL, NULL, 1000000, 100, 10000, 1, 0, 0, 10};
    int mode = 'P', opt;
    while ((opt = getopt(argc, argv, "TXPCELt:b:n:s:p:a:z:l:B:G:r:d:I")) != -1) {
        switch (opt) {
        case 'T': case 'X': case 'P': case 'C': case 'E': case 'L': mode = opt; break;
        case 't': o.topic = optarg; break;
        case 'b': o.brokers = optarg; break;
        case 'n': o.count = atol(optarg); break;
        case 's': o.size = atol(optarg); break;
        case 'p': o.partitions = atoi(optarg); break;
        case 'a': o.acks = optarg; break;
        case 'z': o.codec = optarg; break;
        case 'l': o.linger = optarg; break;
        case 'B': o.batch = optarg; break;
        case 'G': o.group = optarg; break;
        case 'r': o.rate = atol(optarg); break;
        case 'd': o.max_secs = atof(optarg); break;
        case 'I': o.no_idempotence = 1; break;
        default: fprintf(stderr, "see the comment at the top of kafka_perf.c\n"); return 2;
        }
    }
    if (!o.topic || o.count <= 0 || o.size < 0 || o.rate <= 0 || (mode == 'E' && o.size < 8)) {
        fprintf(stderr, "usage: %s -T|-X|-P|-C|-E|-L -t topic [-b brokers] [-n count] [-s size] ...\n"
                        "(see the comment at the top of kafka_perf.c)\n", argv[0]);
        return 2;
    }
    if (mode == 'P' || mode == 'E' || mode == 'L')
        create_topic(o.brokers, o.topic, o.partitions, 0);
    switch (mode) {
    case 'T': create_topic(o.brokers, o.topic, o.partitions, 1); return 0;
    case 'X': delete_topic(o.brokers, o.topic); return 0;
    case 'P': return run_produce(&o);
    case 'C': return run_consume(&o);
    case 'E': return run_e2e(&o);
    default: return run_sync(&o);
    }
}
