/* Close against the real broker (run it under AddressSanitizer too):
 * - a writer's delivery callback calls the writer's functions while kafka_writer_close serves
 *   the last reports, and its close from inside the callback is KAFKA_ERR_STATE;
 * - a group reader's rebalance callback commits on KAFKA_REBALANCE_REVOKED during
 *   kafka_reader_close (the member is still in the group, so the commit succeeds), and the
 *   committed offset is where the next member of the group starts;
 * - a second thread closes a group reader blocked in kafka_reader_read: the read returns
 *   KAFKA_ERR_WOKEN within a second. */
#include <string.h>

#include "check.h"

struct writer_cb {
    kafka_writer_t *w;
    int delivered;
    int calls;
    kafka_err_t produce_err;
    kafka_err_t close_err;
    int closing;
    kafka_err_t first_err;
};

static void on_delivery(void *ud, const kafka_delivery_report_t *const *reports, size_t n) {
    struct writer_cb *s = ud;
    for (size_t i = 0; i < n; i++) {
        if (reports[i]->err == KAFKA_OK)
            s->delivered++;
        else if (s->first_err == KAFKA_OK)
            s->first_err = reports[i]->err;
    }
    if (!s->closing)
        return;
    s->calls++;
    (void)kafka_writer_pending(s->w);
    kafka_msg_t m;
    memset(&m, 0, sizeof m);
    m.partition = -1;
    m.value = (const uint8_t *)"late";
    m.value_len = 4;
    if (s->calls == 1) /* once: every late message brings another report */
        s->produce_err = kafka_writer_produce(s->w, &m, 1);
    s->close_err = kafka_writer_close(s->w, 0, NULL);
}

static void write_messages(const char *topic, int n) {
    kafka_config_t *cfg;
    kafka_conn_t *conn;
    kafka_new_topic_t *nt;
    struct writer_cb s;
    memset(&s, 0, sizeof s);
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_conn_dial(cfg, broker_addr(), 10000, NULL, &conn));
    CHECK(kafka_new_topic_new(topic, 1, 1, &nt));
    CHECK(kafka_conn_create_topics(conn, (const kafka_new_topic_t *const *)&nt, 1, 30000, NULL));
    kafka_new_topic_free(nt);
    kafka_conn_close(conn);
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "writer.topic", topic));
    CHECK(kafka_config_set(cfg, "linger.ms", "50"));
    CHECK(kafka_writer_new(cfg, &s.w));
    kafka_config_free(cfg);
    CHECK(kafka_writer_set_delivery_cb(s.w, on_delivery, &s));
    for (int i = 0; i < n; i++) {
        char v[32];
        kafka_msg_t m;
        memset(&m, 0, sizeof m);
        m.flags = KAFKA_MSG_F_PARTITION;
        m.partition = 0;
        snprintf(v, sizeof v, "m%d", i);
        m.value = (const uint8_t *)v;
        m.value_len = strlen(v);
        CHECK(kafka_writer_produce(s.w, &m, 1));
    }
    s.closing = 1;
    kafka_err_t err = kafka_writer_close(s.w, 30000, NULL);
    printf("writer close: %s, %d delivered, %d callbacks during close (produce %s, close %s), first failure %s\n",
           kafka_err_name(err), s.delivered, s.calls, kafka_err_name(s.produce_err), kafka_err_name(s.close_err),
           kafka_err_name(s.first_err));
    EXPECT(err == KAFKA_OK);
    EXPECT(s.delivered == n + (s.produce_err == KAFKA_OK));
    EXPECT(s.calls > 0);
    EXPECT(s.close_err == KAFKA_ERR_STATE);
    /* Produced from the callback while the writer flushed (OK, then delivered) or after it
     * closed (CLOSED): never a crash. */
    EXPECT(s.produce_err == KAFKA_OK || s.produce_err == KAFKA_ERR_CLOSED);
}

struct group_cb {
    kafka_reader_t *r;
    const kafka_message_t *keep;
    int closing;
    int revoked_in_close;
    kafka_err_t commit_err;
    kafka_err_t close_err;
};

static void on_rebalance(void *ud, int32_t event, const kafka_topic_partition_list_t *parts) {
    struct group_cb *s = ud;
    size_t n = kafka_topic_partition_list_count(parts);
    if (!s->closing || event != KAFKA_REBALANCE_REVOKED || n == 0)
        return;
    s->revoked_in_close++;
    s->commit_err = kafka_reader_commit(s->r, &s->keep, 1, 10000, NULL);
    s->close_err = kafka_reader_close(s->r, 0, NULL);
    (void)kafka_reader_lag(s->r);
}

static kafka_reader_t *group_reader(const char *topic, const char *group) {
    kafka_config_t *cfg;
    kafka_reader_t *r;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "reader.topic", topic));
    CHECK(kafka_config_set(cfg, "group.id", group));
    CHECK(kafka_config_set(cfg, "heartbeat.interval.ms", "300"));
    CHECK(kafka_config_set(cfg, "fetch.wait.max.ms", "100"));
    CHECK(kafka_reader_new(cfg, &r));
    kafka_config_free(cfg);
    return r;
}

struct blocked_read {
    kafka_reader_t *r;
    kafka_err_t err;
    int64_t returned_ms;
};

static void *read_forever(void *arg) {
    struct blocked_read *b = arg;
    kafka_message_t *m = NULL;
    do {
        b->err = kafka_reader_read(b->r, -1, NULL, &m);
        if (b->err == KAFKA_OK)
            kafka_message_free(m);
    } while (b->err == KAFKA_OK);
    b->returned_ms = now_ms();
    return NULL;
}

int main(void) {
    char topic[96], group[96];
    long long t = now_ms();
    snprintf(topic, sizeof topic, "c-close-%lld-%d", t, (int)getpid());
    snprintf(group, sizeof group, "c-close-grp-%lld-%d", t, (int)getpid());

    write_messages(topic, 10);

    /* Fetch (no commit) messages 0..2, keep message 2; commit it on REVOKED during close. */
    struct group_cb s;
    memset(&s, 0, sizeof s);
    s.r = group_reader(topic, group);
    CHECK(kafka_reader_set_rebalance_cb(s.r, on_rebalance, &s));
    kafka_message_t *msgs[3];
    for (int i = 0; i < 3; i++)
        CHECK(kafka_reader_fetch(s.r, 30000, NULL, &msgs[i]));
    EXPECT(kafka_message_offset(msgs[2]) == 2);
    s.keep = msgs[2];
    s.closing = 1;
    kafka_err_t err = kafka_reader_close(s.r, 10000, NULL);
    printf("reader close: %s; REVOKED in close: %d, commit there: %s, close there: %s\n", kafka_err_name(err),
           s.revoked_in_close, kafka_err_name(s.commit_err), kafka_err_name(s.close_err));
    EXPECT(err == KAFKA_OK);
    EXPECT(s.revoked_in_close == 1);
    EXPECT(s.commit_err == KAFKA_OK);
    EXPECT(s.close_err == KAFKA_ERR_STATE);
    /* Messages outlive their reader. */
    EXPECT(kafka_message_offset(msgs[0]) == 0);
    for (int i = 0; i < 3; i++)
        kafka_message_free(msgs[i]);

    /* The next member starts after the commit made in the callback, then a second thread
     * closes it while it is blocked in kafka_reader_read. */
    struct blocked_read b = {group_reader(topic, group), KAFKA_OK, 0};
    kafka_message_t *m;
    CHECK(kafka_reader_fetch(b.r, 30000, NULL, &m));
    printf("next member starts at offset %lld\n", (long long)kafka_message_offset(m));
    EXPECT(kafka_message_offset(m) == 3);
    kafka_message_free(m);
    pthread_t th;
    pthread_create(&th, NULL, read_forever, &b);
    usleep(1500 * 1000); /* it has read the rest and blocks for more */
    int64_t t0 = now_ms();
    err = kafka_reader_close(b.r, 10000, NULL);
    pthread_join(th, NULL);
    printf("blocked read returned %s %lld ms after close began (close: %s)\n", kafka_err_name(b.err),
           (long long)(b.returned_ms - t0), kafka_err_name(err));
    EXPECT(b.err == KAFKA_ERR_WOKEN);
    EXPECT(b.returned_ms - t0 < 1000);
    EXPECT(err == KAFKA_OK);

    if (failures) {
        fprintf(stderr, "%d close checks failed\n", failures);
        return 1;
    }
    printf("all broker close checks passed\n");
    return 0;
}
