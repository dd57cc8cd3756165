/* C API tests of group readers against the real broker: cooperative incremental rebalancing
 * (only the partitions that move are revoked, seen through the rebalance callback), static
 * membership (a member closed and reopened with its group.instance.id gets its partitions back
 * without the other member seeing a rebalance) and fencing (a second member with the same
 * group.instance.id makes the first one's reads fail with KAFKA_ERR_FENCED_INSTANCE_ID). */
#include <string.h>

#include "check.h"

#define PARTITIONS 4

/* What a reader's rebalance callback saw: per partition, the times it was assigned/revoked. */
struct seen {
    int assigned[PARTITIONS];
    int revoked[PARTITIONS];
    int events;
};

static void on_rebalance(void *ud, int32_t event, const kafka_topic_partition_list_t *parts) {
    struct seen *s = ud;
    s->events++;
    size_t n = kafka_topic_partition_list_count(parts);
    for (size_t i = 0; i < n; i++) {
        int32_t p = -1;
        const char *topic = NULL;
        CHECK(kafka_topic_partition_list_get(parts, i, &topic, &p));
        if (topic == NULL)
            continue;
        if (p < 0 || p >= PARTITIONS)
            continue;
        if (event == KAFKA_REBALANCE_ASSIGNED)
            s->assigned[p]++;
        else
            s->revoked[p]++;
    }
}

static int owned(const struct seen *s, int p) { return s->assigned[p] > s->revoked[p]; }

static int count_owned(const struct seen *s) {
    int n = 0;
    for (int p = 0; p < PARTITIONS; p++)
        n += owned(s, p);
    return n;
}

static kafka_reader_t *member(const char *topic, const char *group, const char *instance, struct seen *s) {
    kafka_config_t *cfg;
    kafka_reader_t *r;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "reader.topic", topic));
    CHECK(kafka_config_set(cfg, "group.id", group));
    CHECK(kafka_config_set(cfg, "group.instance.id", instance));
    CHECK(kafka_config_set(cfg, "partition.assignment.strategy", "cooperative-sticky"));
    CHECK(kafka_config_set(cfg, "session.timeout.ms", "10000"));
    CHECK(kafka_config_set(cfg, "heartbeat.interval.ms", "300"));
    CHECK(kafka_config_set(cfg, "fetch.wait.max.ms", "100"));
    CHECK(kafka_reader_new(cfg, &r));
    kafka_config_free(cfg);
    CHECK(kafka_reader_set_rebalance_cb(r, on_rebalance, s));
    return r;
}

/* One short read (committing what it returns); the callback runs in here. Returns the error. */
static kafka_err_t pump(kafka_reader_t *r, int *messages) {
    kafka_message_t *batch[100];
    size_t n = 0;
    kafka_err_t err = kafka_reader_read_batch(r, 100, 100, NULL, batch, &n);
    for (size_t i = 0; i < n; i++)
        kafka_message_free(batch[i]);
    if (messages)
        *messages += (int)n;
    return err;
}

int main(void) {
    char topic[96], group[96], id_a[128], id_b[128];
    long long t = now_ms();
    snprintf(topic, sizeof topic, "c-group-%lld-%d", t, (int)getpid());
    snprintf(group, sizeof group, "c-grp-%lld-%d", t, (int)getpid());
    snprintf(id_a, sizeof id_a, "%s-a", group);
    snprintf(id_b, sizeof id_b, "%s-b", group);

    /* A topic with 4 partitions, 50 messages in each. */
    kafka_config_t *cfg;
    kafka_conn_t *conn;
    kafka_new_topic_t *nt;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_conn_dial(cfg, broker_addr(), 10000, NULL, &conn));
    CHECK(kafka_new_topic_new(topic, PARTITIONS, 1, &nt));
    CHECK(kafka_conn_create_topics(conn, (const kafka_new_topic_t *const *)&nt, 1, 30000, NULL));
    kafka_new_topic_free(nt);
    kafka_conn_close(conn);
    kafka_msg_t msgs[50];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < 50; i++) {
        msgs[i].value = (const uint8_t *)"m";
        msgs[i].value_len = 1;
    }
    for (int p = 0; p < PARTITIONS; p++) {
        /* Right after creation a partition may have no leader yet: retry for a while. */
        int64_t until = now_ms() + 30000;
        kafka_err_t err;
        do {
            err = kafka_conn_dial_leader(cfg, broker_addr(), topic, p, 15000, NULL, &conn);
            if (err == KAFKA_OK) {
                err = kafka_conn_write_messages(conn, msgs, 50, KAFKA_COMPRESSION_NONE, 10000, NULL, NULL);
                kafka_conn_close(conn);
            }
            if (err != KAFKA_OK)
                usleep(200 * 1000);
        } while (err != KAFKA_OK && now_ms() < until);
        CHECK(err);
    }
    kafka_config_free(cfg);

    /* A alone takes all four partitions and reads everything. */
    struct seen sa = {0}, sb = {0}, sb2 = {0}, sb3 = {0};
    kafka_reader_t *a = member(topic, group, id_a, &sa);
    int read_a = 0, read_b = 0;
    int64_t deadline = now_ms() + 60000;
    while ((count_owned(&sa) < PARTITIONS || read_a < 200) && now_ms() < deadline)
        pump(a, &read_a);
    EXPECT(count_owned(&sa) == PARTITIONS);
    EXPECT(read_a == 200);

    /* B joins: cooperatively, A revokes exactly the partitions B gets and keeps the others. */
    kafka_reader_t *b = member(topic, group, id_b, &sb);
    deadline = now_ms() + 60000;
    while ((count_owned(&sb) < 2 || count_owned(&sa) > 2) && now_ms() < deadline) {
        pump(a, &read_a);
        pump(b, &read_b);
    }
    EXPECT(count_owned(&sa) == 2 && count_owned(&sb) == 2);
    for (int p = 0; p < PARTITIONS; p++) {
        EXPECT(owned(&sa, p) != owned(&sb, p));
        /* Kept by A: never revoked. Moved to B: revoked once, after being assigned once. */
        EXPECT(sa.assigned[p] == 1);
        EXPECT(sa.revoked[p] == (owned(&sb, p) ? 1 : 0));
        EXPECT(sb.revoked[p] == 0);
    }
    EXPECT(read_b == 0); /* A committed everything before handing over. */
    for (int i = 0; i < 10; i++) { /* the last round's (empty) assignment reaches A too */
        pump(a, &read_a);
        pump(b, &read_b);
    }
    int a_events = sa.events;

    /* B closes (a static member does not leave the group) and comes back with the same
     * instance id: it gets its partitions again, and A sees no rebalance. */
    int b_owned[PARTITIONS];
    for (int p = 0; p < PARTITIONS; p++)
        b_owned[p] = owned(&sb, p);
    CHECK(kafka_reader_close(b, 10000, NULL));
    /* Close hands B's rebalance callback the partitions it held, as REVOKED. */
    EXPECT(count_owned(&sb) == 0);
    kafka_reader_t *b2 = member(topic, group, id_b, &sb2);
    deadline = now_ms() + 30000;
    while (count_owned(&sb2) < 2 && now_ms() < deadline) {
        pump(a, &read_a);
        pump(b2, &read_b);
    }
    for (int p = 0; p < PARTITIONS; p++)
        EXPECT(owned(&sb2, p) == b_owned[p]);
    for (int i = 0; i < 20; i++) { /* a few heartbeats more */
        pump(a, &read_a);
        pump(b2, &read_b);
    }
    EXPECT(sa.events == a_events);
    EXPECT(read_a == 200 && read_b == 0);

    /* A third reader with B's instance id: B2 is fenced, with a clear error, and stays out. */
    kafka_reader_t *b3 = member(topic, group, id_b, &sb3);
    kafka_err_t err = KAFKA_OK;
    char message[512] = "";
    deadline = now_ms() + 30000;
    while (now_ms() < deadline) {
        err = pump(b2, NULL);
        if (err == KAFKA_ERR_FENCED_INSTANCE_ID) {
            snprintf(message, sizeof message, "%s", kafka_last_error_message());
            break;
        }
        pump(b3, NULL);
        pump(a, NULL);
    }
    EXPECT(err == KAFKA_ERR_FENCED_INSTANCE_ID);
    EXPECT(strstr(message, id_b) != NULL);
    EXPECT(pump(b2, NULL) == KAFKA_ERR_FENCED_INSTANCE_ID);
    EXPECT(count_owned(&sb2) == 0); /* its partitions were revoked */
    deadline = now_ms() + 30000;
    while (count_owned(&sb3) < 2 && now_ms() < deadline)
        pump(b3, NULL);
    EXPECT(count_owned(&sb3) == 2);

    kafka_reader_close(b2, 5000, NULL);
    CHECK(kafka_reader_close(b3, 10000, NULL));
    CHECK(kafka_reader_close(a, 10000, NULL));

    if (failures) {
        fprintf(stderr, "%d expectation(s) failed\n", failures);
        return 1;
    }
    printf("all group reader C API checks passed\n");
    return 0;
}
