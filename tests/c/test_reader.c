/* C API tests of kafka_reader_* against the real broker: configuration validated as a whole,
 * NULL safety, batch reads, seeking, lag and stats, read_committed, close during a long poll. */
#include <string.h>

#include "check.h"

int main(void) {
    kafka_config_t *cfg;
    kafka_reader_t *r = NULL;

    /* Configuration errors name what is missing or wrong. */
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    EXPECT(kafka_reader_new(cfg, &r) == KAFKA_ERR_CONFIG);
    EXPECT(strstr(kafka_last_error_message(), "reader.topic") != NULL);
    EXPECT(kafka_config_set(cfg, "isolation.level", "read_most") == KAFKA_ERR_CONFIG);
    EXPECT(r == NULL);
    EXPECT(kafka_reader_new(NULL, &r) == KAFKA_ERR_INVALID_ARG);
    EXPECT(kafka_reader_read(NULL, 0, NULL, NULL) == KAFKA_ERR_INVALID_ARG);
    EXPECT(kafka_reader_offset(NULL) == -3);
    EXPECT(kafka_reader_lag(NULL) == -1);
    EXPECT(kafka_reader_close(NULL, 0, NULL) == KAFKA_OK);

    /* 200 messages to read. */
    char topic[96];
    snprintf(topic, sizeof topic, "c-reader-%lld-%d", (long long)now_ms(), (int)getpid());
    kafka_conn_t *conn;
    CHECK(kafka_conn_dial_leader(cfg, broker_addr(), topic, 0, 15000, NULL, &conn));
    kafka_msg_t msgs[200];
    char values[200][8];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < 200; i++) {
        snprintf(values[i], sizeof values[i], "v%d", i);
        msgs[i].value = (const uint8_t *)values[i];
        msgs[i].value_len = strlen(values[i]);
    }
    CHECK(kafka_conn_write_messages(conn, msgs, 200, KAFKA_COMPRESSION_ZSTD, 10000, NULL, NULL));
    kafka_conn_close(conn);

    CHECK(kafka_config_set(cfg, "reader.topic", topic));
    CHECK(kafka_reader_new(cfg, &r));
    kafka_config_free(cfg);

    kafka_message_t *batch[64];
    size_t n = 0, total = 0;
    int64_t expect = 0;
    while (total < 200) {
        CHECK(kafka_reader_read_batch(r, 64, 10000, NULL, batch, &n));
        EXPECT(n >= 1 && n <= 64);
        for (size_t i = 0; i < n; i++) {
            EXPECT(kafka_message_offset(batch[i]) == expect);
            expect++;
            kafka_message_free(batch[i]);
        }
        total += n;
    }
    EXPECT(total == 200);
    EXPECT(kafka_reader_offset(r) == 200);
    EXPECT(kafka_reader_lag(r) == 0);
    int64_t lag = -1;
    CHECK(kafka_reader_read_lag(r, 10000, NULL, &lag));
    EXPECT(lag == 0);

    CHECK(kafka_reader_set_offset(r, 150));
    kafka_message_t *m;
    CHECK(kafka_reader_read(r, 10000, NULL, &m));
    size_t len;
    const uint8_t *v = kafka_message_value(m, &len);
    EXPECT(kafka_message_offset(m) == 150 && len == 4 && memcmp(v, "v150", 4) == 0);
    EXPECT(strcmp(kafka_message_topic(m), topic) == 0);
    kafka_message_free(m);
    CHECK(kafka_reader_set_offset(r, KAFKA_OFFSET_FIRST));
    CHECK(kafka_reader_fetch(r, 10000, NULL, &m));
    EXPECT(kafka_message_offset(m) == 0);
    kafka_message_free(m);
    EXPECT(kafka_reader_set_offset(r, -7) == KAFKA_ERR_INVALID_ARG);

    char stats[1024];
    size_t size = sizeof stats;
    CHECK(kafka_reader_stats(r, stats, &size));
    EXPECT(strstr(stats, "\"fetches\":") != NULL);
    int64_t t0 = now_ms();
    CHECK(kafka_reader_close(r, 5000, NULL));
    EXPECT(now_ms() - t0 < 1000);

    /* read_committed: plain (non-transactional) messages are committed data. Then, at the end,
     * a 60 s long poll is in flight and close still returns at once. */
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "reader.topic", topic));
    CHECK(kafka_config_set(cfg, "isolation.level", "read_committed"));
    CHECK(kafka_config_set(cfg, "fetch.wait.max.ms", "60000"));
    CHECK(kafka_reader_new(cfg, &r));
    kafka_config_free(cfg);
    CHECK(kafka_reader_set_offset(r, 199));
    CHECK(kafka_reader_read(r, 10000, NULL, &m));
    EXPECT(kafka_message_offset(m) == 199);
    kafka_message_free(m);
    EXPECT(kafka_reader_read(r, 1000, NULL, &m) == KAFKA_ERR_TIMED_OUT);
    t0 = now_ms();
    CHECK(kafka_reader_close(r, 5000, NULL));
    EXPECT(now_ms() - t0 < 2000);

    if (failures) {
        fprintf(stderr, "%d expectation(s) failed\n", failures);
        return 1;
    }
    printf("all reader C API checks passed\n");
    return 0;
}
