/* C API tests of kafka_writer_* against the real broker: configuration validated as a whole,
 * NULL safety, delivery reports only on the polling thread, a custom partitioner, stats, a
 * synchronous write cancelled from another thread, and close reporting everything. */
#include <string.h>

#include "check.h"

static kafka_config_t *base_config(const char *topic) {
    kafka_config_t *cfg;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    if (topic)
        CHECK(kafka_config_set(cfg, "writer.topic", topic));
    CHECK(kafka_config_set(cfg, "allow.auto.create.topics", "true"));
    return cfg;
}

static void test_config_is_validated_as_a_whole(void) {
    kafka_config_t *cfg;
    kafka_writer_t *w = NULL;
    CHECK(kafka_config_new(&cfg));
    EXPECT(kafka_writer_new(cfg, &w) == KAFKA_ERR_CONFIG); /* no bootstrap.servers */
    EXPECT(strstr(kafka_last_error_message(), "bootstrap.servers") != NULL);
    EXPECT(kafka_config_set(cfg, "acks", "most") == KAFKA_ERR_CONFIG);
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "acks", "1"));
    CHECK(kafka_config_set(cfg, "enable.idempotence", "true"));
    EXPECT(kafka_writer_new(cfg, &w) == KAFKA_ERR_CONFIG);
    EXPECT(strstr(kafka_last_error_message(), "acks=all") != NULL);
    EXPECT(w == NULL);
    EXPECT(kafka_writer_new(NULL, &w) == KAFKA_ERR_INVALID_ARG);
    EXPECT(kafka_writer_produce(NULL, NULL, 0) == KAFKA_ERR_INVALID_ARG);
    EXPECT(kafka_writer_flush(NULL, 0, NULL) == KAFKA_ERR_INVALID_ARG);
    EXPECT(kafka_writer_pending(NULL) == 0);
    EXPECT(kafka_writer_close(NULL, 0, NULL) == KAFKA_OK);
    kafka_config_free(cfg);
}

struct reports {
    pthread_t poller;
    int on_poller;
    int ok;
    int64_t last_offset[8];
    int32_t partition_of[64];
};

static void on_delivery(void *ud, const kafka_delivery_report_t *const *r, size_t n) {
    struct reports *rep = ud;
    rep->on_poller += pthread_equal(pthread_self(), rep->poller) ? (int)n : 0;
    for (size_t i = 0; i < n; i++) {
        EXPECT(r[i]->size == sizeof(kafka_delivery_report_t));
        if (r[i]->err == KAFKA_OK)
            rep->ok++;
        intptr_t idx = (intptr_t)r[i]->opaque;
        if (idx >= 0 && idx < 64)
            rep->partition_of[idx] = r[i]->partition;
    }
}

/* Sends keys "k<n>" to partition n % count. */
static int32_t by_key_number(void *ud, const uint8_t *key, size_t key_len, const int32_t *parts, size_t count) {
    (void)ud;
    if (!key || key_len < 2)
        return parts[0];
    int n = 0;
    for (size_t i = 1; i < key_len; i++) /* keys are not NUL-terminated */
        n = n * 10 + (key[i] - '0');
    return parts[n % (int)count];
}

static void test_async_reports_come_on_the_polling_thread(void) {
    char topic[96];
    snprintf(topic, sizeof topic, "c-writer-async-%lld-%d", (long long)now_ms(), (int)getpid());
    kafka_config_t *cfg;
    kafka_conn_t *conn;
    kafka_new_topic_t *nt;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_conn_dial(cfg, broker_addr(), 10000, NULL, &conn));
    CHECK(kafka_new_topic_new(topic, 4, 1, &nt));
    CHECK(kafka_conn_create_topics(conn, (const kafka_new_topic_t *const *)&nt, 1, 30000, NULL));
    kafka_new_topic_free(nt);
    kafka_conn_close(conn);
    kafka_config_free(cfg);

    cfg = base_config(topic);
    kafka_writer_t *w;
    CHECK(kafka_writer_new_with_partitioner(cfg, by_key_number, NULL, &w));
    kafka_config_free(cfg);
    struct reports rep;
    memset(&rep, 0, sizeof rep);
    rep.poller = pthread_self();
    CHECK(kafka_writer_set_delivery_cb(w, on_delivery, &rep));

    char keys[64][8];
    kafka_msg_t msgs[64];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < 64; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        msgs[i].partition = -1;
        msgs[i].key = (const uint8_t *)keys[i];
        msgs[i].key_len = strlen(keys[i]);
        msgs[i].value = (const uint8_t *)"value";
        msgs[i].value_len = 5;
        msgs[i].opaque = (void *)(intptr_t)i;
    }
    CHECK(kafka_writer_produce(w, msgs, 64));
    EXPECT(kafka_writer_pending(w) <= 64);
    /* No callback runs until this thread polls or flushes. */
    usleep(300 * 1000);
    EXPECT(rep.ok == 0);
    CHECK(kafka_writer_flush(w, 20000, NULL));
    EXPECT(rep.ok == 64);
    EXPECT(rep.on_poller == 64);
    for (int i = 0; i < 64; i++)
        EXPECT(rep.partition_of[i] == i % 4);
    EXPECT(kafka_writer_pending(w) == 0);

    char stats[4096];
    size_t size = 4;
    EXPECT(kafka_writer_stats(w, stats, &size) == KAFKA_ERR_BUFFER_TOO_SMALL);
    EXPECT(size > 4);
    size = sizeof stats;
    CHECK(kafka_writer_stats(w, stats, &size));
    EXPECT(strstr(stats, "\"messages_delivered\":64") != NULL);

    /* Messages without a topic while the writer has one are refused, all or nothing. */
    msgs[0].topic = "other";
    EXPECT(kafka_writer_produce(w, msgs, 2) == KAFKA_ERR_INVALID_ARG);
    msgs[0].topic = NULL;
    CHECK(kafka_writer_produce(w, msgs, 8));
    CHECK(kafka_writer_close(w, 20000, NULL)); /* serves the last 8 reports */
    EXPECT(rep.ok == 72);
}

/* Messages zero-initialised with `= {0}` (no flags, partition 0) go through the balancer, as
 * kafka-go's zero-value Message does: with murmur2 on 6 partitions each key lands at
 * (murmur2(key) & 0x7fffffff) % 6. A partition only counts with KAFKA_MSG_F_PARTITION. */
static void test_zeroed_messages_go_through_the_balancer(void) {
    char topic[96];
    snprintf(topic, sizeof topic, "c-writer-zeroed-%lld-%d", (long long)now_ms(), (int)getpid());
    kafka_config_t *cfg;
    kafka_conn_t *conn;
    kafka_new_topic_t *nt;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_conn_dial(cfg, broker_addr(), 10000, NULL, &conn));
    CHECK(kafka_new_topic_new(topic, 6, 1, &nt));
    CHECK(kafka_conn_create_topics(conn, (const kafka_new_topic_t *const *)&nt, 1, 30000, NULL));
    kafka_new_topic_free(nt);
    kafka_conn_close(conn);
    kafka_config_free(cfg);

    cfg = base_config(topic);
    CHECK(kafka_config_set(cfg, "balancer", "murmur2"));
    kafka_writer_t *w;
    CHECK(kafka_writer_new(cfg, &w));
    kafka_config_free(cfg);
    struct reports rep;
    memset(&rep, 0, sizeof rep);
    rep.poller = pthread_self();
    CHECK(kafka_writer_set_delivery_cb(w, on_delivery, &rep));

    enum { N = 12 };
    const char *keys[N] = {"foo", "bar", "baz", "kafka", "sarama", "librdkafka", "a", "bc", "def", "ghij", "k1", "k2"};
    kafka_msg_t msgs[N];
    int32_t want[N];
    int nonzero = 0;
    for (int i = 0; i < N; i++) {
        kafka_msg_t zero = {0};
        msgs[i] = zero;
        msgs[i].key = (const uint8_t *)keys[i];
        msgs[i].key_len = strlen(keys[i]);
        msgs[i].value = (const uint8_t *)"v";
        msgs[i].value_len = 1;
        msgs[i].opaque = (void *)(intptr_t)i;
        want[i] = (int32_t)((murmur2(msgs[i].key, msgs[i].key_len) & 0x7fffffff) % 6);
        nonzero += want[i] != 0;
    }
    EXPECT(nonzero > 0); /* otherwise partition 0 would pass unnoticed */
    CHECK(kafka_writer_produce(w, msgs, N));
    CHECK(kafka_writer_flush(w, 20000, NULL));
    EXPECT(rep.ok == N);
    for (int i = 0; i < N; i++) {
        if (rep.partition_of[i] != want[i])
            fprintf(stderr, "key %s: partition %d, murmur2 says %d\n", keys[i], (int)rep.partition_of[i], (int)want[i]);
        EXPECT(rep.partition_of[i] == want[i]);
    }

    /* KAFKA_MSG_INIT sets `size`; the flag makes `partition` count; KAFKA_PARTITION_ANY with the
     * flag still means the balancer; a partition without the flag is refused, nothing sent. */
    kafka_msg_t m[3] = {KAFKA_MSG_INIT, KAFKA_MSG_INIT, KAFKA_MSG_INIT};
    for (int i = 0; i < 3; i++) {
        m[i].key = (const uint8_t *)keys[0];
        m[i].key_len = strlen(keys[0]);
        m[i].opaque = (void *)(intptr_t)(N + i);
    }
    int32_t other = (want[0] + 1) % 6;
    m[0].flags = KAFKA_MSG_F_PARTITION;
    m[0].partition = other;
    m[1].flags = KAFKA_MSG_F_PARTITION;
    m[1].partition = KAFKA_PARTITION_ANY;
    m[2].partition = other == 0 ? 1 : other; /* no flag */
    EXPECT(kafka_writer_produce(w, m, 3) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "msgs[2].partition") != NULL);
    EXPECT(kafka_writer_pending(w) == 0);
    /* A NULL value with a length is not a tombstone. */
    m[2].partition = 0;
    m[2].value_len = 3;
    EXPECT(kafka_writer_produce(w, m, 3) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "msgs[2].value") != NULL);
    m[2].value_len = 0;
    CHECK(kafka_writer_produce(w, m, 3));
    CHECK(kafka_writer_flush(w, 20000, NULL));
    EXPECT(rep.ok == N + 3);
    EXPECT(rep.partition_of[N] == other);
    EXPECT(rep.partition_of[N + 1] == want[0]);
    EXPECT(rep.partition_of[N + 2] == want[0]);
    CHECK(kafka_writer_close(w, 20000, NULL));
}

static void test_sync_write_cancelled_from_another_thread(void) {
    /* Nothing listens on port 1, so the write cannot complete; another thread cancels it. */
    kafka_config_t *cfg;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", "127.0.0.1:1"));
    CHECK(kafka_config_set(cfg, "writer.topic", "t"));
    kafka_writer_t *w;
    CHECK(kafka_writer_new(cfg, &w));
    kafka_config_free(cfg);
    kafka_cancel_t *cancel;
    CHECK(kafka_cancel_new(&cancel));
    struct fire_args args = {cancel, 200};
    pthread_t th;
    pthread_create(&th, NULL, fire_later, &args);
    kafka_msg_t m;
    memset(&m, 0, sizeof m);
    m.partition = -1;
    kafka_err_t errors[1];
    int64_t t0 = now_ms();
    EXPECT(kafka_writer_write(w, &m, 1, -1, cancel, errors, NULL) == KAFKA_ERR_CANCELLED);
    EXPECT(errors[0] == KAFKA_ERR_CANCELLED);
    EXPECT(now_ms() - t0 < 3000);
    pthread_join(th, NULL);
    kafka_cancel_free(cancel);
    /* Close gives up on the queued message and says so. */
    EXPECT(kafka_writer_close(w, 200, NULL) == KAFKA_ERR_TIMED_OUT);
}

int main(void) {
    test_config_is_validated_as_a_whole();
    test_async_reports_come_on_the_polling_thread();
    test_zeroed_messages_go_through_the_balancer();
    test_sync_write_cancelled_from_another_thread();
    if (failures) {
        fprintf(stderr, "%d expectation(s) failed\n", failures);
        return 1;
    }
    printf("all writer C API checks passed\n");
    return 0;
}
