/* rdkafka_perf: the peer of kafka_perf.c on librdkafka (Debian's librdkafka-dev), with the same
 * options and the same output line, so bench/run_matrix.sh runs both side by side. Written
 * here for the comparison; see the top of kafka_perf.c for the options. librdkafka settings:
 *
 *   -P  acks, compression.codec, linger.ms (-l), batch.num.messages (-B), enable.idempotence
 *       false with -I, queue.buffering.max.messages 1000000 (kafka_perf's default queue),
 *       messages copied (RD_KAFKA_MSG_F_COPY) to the unassigned partition, poll on queue full.
 *   -C  rd_kafka_consumer_poll: partition 0 via rd_kafka_assign from the beginning, or
 *       rd_kafka_subscribe in group -G (auto commit every second).
 *   -E  a producer thread at -r msgs/s to partition 0 (linger.ms 1), the consumer in main.
 *   -L  default settings, rd_kafka_flush after every message.
 *
 * Build: cc -O2 -Wall -Wextra -Werror rdkafka_perf.c -lrdkafka -lpthread */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

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

static void print_percentiles(double *lat, long n) {
    if (n <= 0) {
        printf(" p50_us=0 p99_us=0 max_us=0");
        return;
    }
    qsort(lat, n, sizeof(double), cmp_double);
    printf(" p50_us=%.0f p99_us=%.0f max_us=%.0f", lat[n / 2], lat[(long)(n * 0.99)], lat[n - 1]);
}

static uint8_t *make_payload(long size) {
    uint8_t *p = calloc(1, size > 8 ? size : 8);
    if (!p)
        exit(1);
    for (long i = 0; i < size; i++)
        p[i] = (uint8_t)("abcdefghijklmnopqrstuvwxyz0123456789"[i % 36] ^ (i / 36 % 3));
    return p;
}

static void die(const char *what, const char *why) {
    fprintf(stderr, "%s: %s\n", what, why);
    exit(1);
}

static void set(rd_kafka_conf_t *conf, const char *k, const char *v) {
    char err[512];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK)
        die(k, err);
}

struct opts {
    const char *brokers, *topic, *acks, *codec, *linger, *batch, *group;
    long count, size, rate;
    int partitions, no_idempotence;
    double max_secs;
};

static long delivered, failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
        delivered++;
    else if (failed++ == 0)
        fprintf(stderr, "delivery failed: %s\n", rd_kafka_err2str(m->err));
}

static rd_kafka_t *new_producer(const struct opts *o, int defaults) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", o->brokers);
    if (!defaults) {
        set(conf, "acks", o->acks);
        set(conf, "compression.codec", o->codec);
        set(conf, "queue.buffering.max.messages", "1000000");
        if (o->no_idempotence)
            set(conf, "enable.idempotence", "false");
        if (o->linger)
            set(conf, "linger.ms", o->linger);
        if (o->batch)
            set(conf, "batch.num.messages", o->batch);
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk)
        die("rd_kafka_new", err);
    return rk;
}

static rd_kafka_t *new_consumer(const struct opts *o) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", o->brokers);
    set(conf, "auto.offset.reset", "earliest");
    if (o->group) {
        set(conf, "group.id", o->group);
        set(conf, "auto.commit.interval.ms", "1000");
    } else {
        /* librdkafka wants a group.id even for rd_kafka_assign; nothing is committed. */
        char g[64];
        snprintf(g, sizeof g, "rdkafka-perf-%ld", (long)getpid());
        set(conf, "group.id", g);
        set(conf, "enable.auto.commit", "false");
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk)
        die("rd_kafka_new", err);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    if (o->group) {
        rd_kafka_topic_partition_list_add(l, o->topic, RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, l);
        if (e)
            die("rd_kafka_subscribe", rd_kafka_err2str(e));
    } else {
        rd_kafka_topic_partition_list_add(l, o->topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_resp_err_t e = rd_kafka_assign(rk, l);
        if (e)
            die("rd_kafka_assign", rd_kafka_err2str(e));
    }
    rd_kafka_topic_partition_list_destroy(l);
    return rk;
}

static void produce_one(rd_kafka_t *rk, const struct opts *o, int32_t partition, const void *payload) {
    for (;;) {
        rd_kafka_resp_err_t e =
            rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(o->topic), RD_KAFKA_V_PARTITION(partition),
                              RD_KAFKA_V_VALUE((void *)payload, (size_t)o->size),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(rk, 10);
            continue;
        }
        if (e)
            die("rd_kafka_producev", rd_kafka_err2str(e));
        return;
    }
}

static int run_produce(const struct opts *o) {
    rd_kafka_t *rk = new_producer(o, 0);
    uint8_t *payload = make_payload(o->size);
    double cpu0 = cpu_s(), t0 = now_s();
    for (long i = 0; i < o->count; i++) {
        produce_one(rk, o, RD_KAFKA_PARTITION_UA, payload);
        if ((i & 1023) == 0)
            rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 120000);
    double secs = now_s() - t0, cpu = cpu_s() - cpu0;
    printf("mode=produce client=librdkafka count=%ld size=%ld acks=%s codec=%s delivered=%ld failed=%ld "
           "secs=%.3f msgs_per_s=%.0f mb_per_s=%.2f cpu_s=%.3f cpu_s_per_million=%.3f max_rss_mb=%.1f\n",
           o->count, o->size, o->acks, o->codec, delivered, failed, secs, o->count / secs,
           o->count * (double)o->size / secs / 1e6, cpu, cpu / o->count * 1e6, max_rss_mb());
    rd_kafka_destroy(rk);
    free(payload);
    return failed || delivered != o->count ? 1 : 0;
}

static int run_consume(const struct opts *o) {
    long got = 0;
    double bytes = 0, first = 0, start = now_s(), cpu0 = cpu_s(), last = now_s();
    rd_kafka_t *rk = new_consumer(o);
    while (got < o->count) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1000);
        if (!m) {
            if (now_s() - last > 30) {
                fprintf(stderr, "consume: only %ld of %ld messages within 30 s of silence\n", got, o->count);
                return 1;
            }
            continue;
        }
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                fprintf(stderr, "consume: %s\n", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        if (got == 0)
            first = now_s();
        last = now_s();
        bytes += m->len;
        got++;
        rd_kafka_message_destroy(m);
    }
    double secs = now_s() - start, cpu = cpu_s() - cpu0;
    printf("mode=consume client=librdkafka count=%ld group=%s secs=%.3f first_msg_after_s=%.3f msgs_per_s=%.0f "
           "mb_per_s=%.2f cpu_s=%.3f cpu_s_per_million=%.3f max_rss_mb=%.1f\n",
           got, o->group ? o->group : "-", secs, first - start, got / secs, bytes / secs / 1e6, cpu, cpu / got * 1e6,
           max_rss_mb());
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}

struct e2e {
    const struct opts *o;
    rd_kafka_t *p;
    int warm;
};

static void *e2e_producer(void *arg) {
    struct e2e *e = arg;
    const struct opts *o = e->o;
    uint8_t *payload = make_payload(o->size);
    long long t = -1;
    memcpy(payload, &t, 8);
    while (!__atomic_load_n(&e->warm, __ATOMIC_ACQUIRE)) {
        produce_one(e->p, o, 0, payload);
        rd_kafka_poll(e->p, 200);
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
        produce_one(e->p, o, 0, payload);
        rd_kafka_poll(e->p, 0);
    }
    rd_kafka_flush(e->p, 60000);
    free(payload);
    return NULL;
}

static int run_e2e(const struct opts *o) {
    struct opts po = *o;
    po.linger = "1";
    po.codec = "none";
    struct e2e e = {o, new_producer(&po, 0), 0};
    rd_kafka_t *c = new_consumer(o);
    double *lat = malloc(sizeof(double) * o->count);
    pthread_t th;
    double cpu0 = cpu_s(), t0 = now_s();
    if (pthread_create(&th, NULL, e2e_producer, &e) != 0)
        return 1;
    long got = 0;
    while (got < o->count) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 1000);
        if (!m)
            continue;
        long long now = now_ns(), sent;
        if (!m->err && m->len >= 8) {
            memcpy(&sent, m->payload, 8);
            if (sent < 0)
                __atomic_store_n(&e.warm, 1, __ATOMIC_RELEASE);
            else
                lat[got++] = (now - sent) / 1e3;
        }
        rd_kafka_message_destroy(m);
    }
    pthread_join(th, NULL);
    double secs = now_s() - t0, cpu = cpu_s() - cpu0;
    printf("mode=e2e client=librdkafka count=%ld size=%ld rate=%ld secs=%.3f msgs_per_s=%.0f cpu_s=%.3f "
           "cpu_s_per_million=%.3f max_rss_mb=%.1f",
           got, o->size, o->rate, secs, got / secs, cpu, cpu / got * 1e6, max_rss_mb());
    print_percentiles(lat, got);
    printf("\n");
    free(lat);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    rd_kafka_destroy(e.p);
    return 0;
}

static int run_sync(const struct opts *o) {
    rd_kafka_t *rk = new_producer(o, 1);
    uint8_t *payload = make_payload(o->size);
    double *lat = malloc(sizeof(double) * o->count);
    produce_one(rk, o, RD_KAFKA_PARTITION_UA, payload); /* warm up */
    rd_kafka_flush(rk, 10000);
    double cpu0 = cpu_s(), t0 = now_s();
    long n = 0;
    while (n < o->count && now_s() - t0 < o->max_secs) {
        double t = now_s();
        long before = delivered;
        produce_one(rk, o, RD_KAFKA_PARTITION_UA, payload);
        rd_kafka_flush(rk, 10000);
        if (delivered != before + 1)
            die("sync write", "not delivered");
        lat[n++] = (now_s() - t) * 1e6;
    }
    double secs = now_s() - t0, cpu = cpu_s() - cpu0;
    printf("mode=sync client=librdkafka count=%ld size=%ld secs=%.3f msgs_per_s=%.0f cpu_s=%.3f "
           "cpu_s_per_million=%.3f max_rss_mb=%.1f",
           n, o->size, secs, n / secs, cpu, cpu / n * 1e6, max_rss_mb());
    print_percentiles(lat, n);
    printf("\n");
    free(lat);
    free(payload);
    rd_kafka_destroy(rk);
    return 0;
}

int main(int argc, char **argv) {
    struct opts o = {"127.0.0.1:9092", NULL, "all", "none", NULL, NULL, NULL, 1000000, 100, 10000, 1, 0, 10};
    int mode = 'P', opt;
    while ((opt = getopt(argc, argv, "PCELt:b:n:s:p:a:z:l:B:G:r:d:I")) != -1) {
        switch (opt) {
        case 'P': case 'C': case 'E': case 'L': mode = opt; break;
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
        fprintf(stderr, "usage: %s -P|-C|-E|-L -t topic [-b brokers] [-n count] [-s size] ...\n", argv[0]);
        return 2;
    }
    switch (mode) {
    case 'P': return run_produce(&o);
    case 'C': return run_consume(&o);
    case 'E': return run_e2e(&o);
    default: return run_sync(&o);
    }
}
