/* kafka_msg_t without a broker (an in-process mock cluster): messages zero-initialised with
 * `= {0}` go where the balancer puts them, KAFKA_MSG_F_PARTITION makes `partition` count, and
 * bad messages are refused with an error naming the field, nothing sent (a NULL value with a
 * length is not a tombstone). Also the structs' size fields and the packed version macro. Run it
 * under AddressSanitizer too. */
#include <string.h>

#include "check.h"

/* The deprecation macro expands to something a C11 compiler accepts with -Wpedantic. */
KAFKA_RS_DEPRECATED("only checks that the macro compiles") static inline int deprecated_probe(void) { return 1; }

enum { N = 12, PARTS = 6 };

struct placed {
    int ok;
    int bad_size;
    int32_t partition[N + 4];
};

static void on_delivery(void *ud, const kafka_delivery_report_t *const *r, size_t n) {
    struct placed *p = ud;
    for (size_t i = 0; i < n; i++) {
        if (r[i]->size != sizeof(kafka_delivery_report_t))
            p->bad_size++;
        if (r[i]->err != KAFKA_OK)
            continue;
        p->ok++;
        intptr_t idx = (intptr_t)r[i]->opaque;
        if (idx >= 0 && idx < N + 4)
            p->partition[idx] = r[i]->partition;
    }
}

static int64_t high_watermarks(kafka_mock_cluster_t *mc) {
    int64_t sum = 0;
    for (int p = 0; p < PARTS; p++) {
        int64_t hw = 0;
        CHECK(kafka_mock_cluster_high_watermark(mc, "t", p, &hw));
        sum += hw;
    }
    return sum;
}

int main(void) {
    EXPECT(KAFKA_RS_VERSION == kafka_version());
    EXPECT(KAFKA_PARTITION_ANY - 1 == -2);

    kafka_mock_cluster_t *mc;
    char bootstrap[512];
    size_t size = sizeof bootstrap;
    CHECK(kafka_mock_cluster_new(1, &mc));
    CHECK(kafka_mock_cluster_bootstrap_servers(mc, bootstrap, &size));
    CHECK(kafka_mock_cluster_create_topic(mc, "t", PARTS));

    kafka_config_t *cfg;
    kafka_writer_t *w;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", bootstrap));
    CHECK(kafka_config_set(cfg, "writer.topic", "t"));
    CHECK(kafka_config_set(cfg, "balancer", "murmur2"));
    CHECK(kafka_writer_new(cfg, &w));
    kafka_config_free(cfg);
    struct placed placed;
    memset(&placed, 0, sizeof placed);
    CHECK(kafka_writer_set_delivery_cb(w, on_delivery, &placed));

    /* `= {0}` per element, a key: the balancer decides, not partition 0. */
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
        want[i] = (int32_t)((murmur2(msgs[i].key, msgs[i].key_len) & 0x7fffffff) % PARTS);
        nonzero += want[i] != 0;
    }
    EXPECT(nonzero > 0); /* otherwise partition 0 would pass unnoticed */

    /* Refused, all or nothing, with the field named. */
    kafka_msg_t saved = msgs[3];
    msgs[3].value = NULL; /* value_len stays 1: not a tombstone */
    EXPECT(kafka_writer_produce(w, msgs, N) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "msgs[3].value is NULL") != NULL);
    msgs[3] = saved;
    msgs[3].key = NULL;
    EXPECT(kafka_writer_produce(w, msgs, N) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "msgs[3].key is NULL") != NULL);
    msgs[3] = saved;
    kafka_header_t h = KAFKA_HEADER_INIT;
    h.key = "h";
    h.key_len = 1;
    h.value_len = 2; /* value NULL */
    msgs[3].headers = &h;
    msgs[3].header_count = 1;
    EXPECT(kafka_writer_produce(w, msgs, N) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "msgs[3].headers[0].value is NULL") != NULL);
    msgs[3] = saved;
    msgs[3].partition = -2;
    EXPECT(kafka_writer_produce(w, msgs, N) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "msgs[3].partition is -2") != NULL);
    msgs[3].partition = 4; /* without KAFKA_MSG_F_PARTITION */
    EXPECT(kafka_writer_produce(w, msgs, N) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "KAFKA_MSG_F_PARTITION") != NULL);
    msgs[3] = saved;
    msgs[3].flags = 0x100;
    EXPECT(kafka_writer_produce(w, msgs, N) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "msgs[3].flags") != NULL);
    msgs[3] = saved;
    msgs[3].size = sizeof(kafka_msg_t); /* the others say 0 */
    EXPECT(kafka_writer_produce(w, msgs, N) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "msgs[3].size") != NULL);
    msgs[3] = saved;
    EXPECT(kafka_writer_produce(w, msgs, (size_t)-1 / 2) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "too large") != NULL);
    EXPECT(kafka_writer_pending(w) == 0);
    CHECK(kafka_writer_flush(w, 5000, NULL));
    EXPECT(placed.ok == 0);
    EXPECT(high_watermarks(mc) == 0);

    CHECK(kafka_writer_produce(w, msgs, N));
    CHECK(kafka_writer_flush(w, 10000, NULL));
    EXPECT(placed.ok == N);
    for (int i = 0; i < N; i++) {
        if (placed.partition[i] != want[i])
            fprintf(stderr, "key %s: partition %d, murmur2 says %d\n", keys[i], (int)placed.partition[i], (int)want[i]);
        EXPECT(placed.partition[i] == want[i]);
    }

    /* KAFKA_MSG_INIT sets size; the flag makes partition count; ANY with the flag is the balancer. */
    kafka_msg_t m[2] = {KAFKA_MSG_INIT, KAFKA_MSG_INIT};
    int32_t other = (want[0] + 1) % PARTS;
    for (int i = 0; i < 2; i++) {
        m[i].key = (const uint8_t *)keys[0];
        m[i].key_len = strlen(keys[0]);
        m[i].flags = KAFKA_MSG_F_PARTITION;
        m[i].opaque = (void *)(intptr_t)(N + i);
    }
    m[0].partition = other;
    m[1].partition = KAFKA_PARTITION_ANY;
    CHECK(kafka_writer_produce(w, m, 2));
    CHECK(kafka_writer_flush(w, 10000, NULL));
    EXPECT(placed.ok == N + 2);
    EXPECT(placed.partition[N] == other);
    EXPECT(placed.partition[N + 1] == want[0]);
    EXPECT(placed.bad_size == 0);
    EXPECT(high_watermarks(mc) == N + 2);
    CHECK(kafka_writer_close(w, 10000, NULL));
    kafka_mock_cluster_destroy(mc);
    if (failures) {
        fprintf(stderr, "%d expectation(s) failed\n", failures);
        return 1;
    }
    printf("all message checks passed\n");
    return 0;
}
