/* C API tests against the real broker (KAFKA_BOOTSTRAP, default 127.0.0.1:9092): argument and
 * error handling, produce and fetch of every field with every codec, offsets, seeking,
 * timeouts, deadlines and cancellation from another thread. */
#include <string.h>

#include "check.h"

static void test_version_and_errors(void) {
    EXPECT(kafka_version() == ((KAFKA_RS_VERSION_MAJOR << 16) | (KAFKA_RS_VERSION_MINOR << 8) | KAFKA_RS_VERSION_PATCH));
    EXPECT(strcmp(kafka_err_name(3), "UNKNOWN_TOPIC_OR_PARTITION") == 0);
    EXPECT(strcmp(kafka_err_name(KAFKA_ERR_TIMED_OUT), "TIMED_OUT") == 0);
    EXPECT(strcmp(kafka_err_str(KAFKA_ERR_CANCELLED), "Local: operation cancelled") == 0);
    EXPECT(strcmp(kafka_err_name(12345), "UNKNOWN") == 0);
}

static void test_config(void) {
    kafka_config_t *cfg;
    char buf[8];
    size_t size = sizeof buf;
    CHECK(kafka_config_new(&cfg));
    EXPECT(kafka_config_set(cfg, "bootstrap.server", "x") == KAFKA_ERR_CONFIG);
    EXPECT(strstr(kafka_last_error_message(), "bootstrap.server") != NULL);
    EXPECT(kafka_config_set(cfg, "socket.timeout.ms", "soon") == KAFKA_ERR_CONFIG);
    EXPECT(kafka_config_set(cfg, NULL, "x") == KAFKA_ERR_INVALID_ARG);
    CHECK(kafka_config_set(cfg, "client.id", "a-rather-long-client-id"));
    EXPECT(kafka_config_get(cfg, "client.id", buf, &size) == KAFKA_ERR_BUFFER_TOO_SMALL);
    EXPECT(size == strlen("a-rather-long-client-id") + 1);
    char big[64];
    size = sizeof big;
    CHECK(kafka_config_get(cfg, "client.id", big, &size));
    EXPECT(strcmp(big, "a-rather-long-client-id") == 0);
    EXPECT(kafka_last_error_code() == KAFKA_OK);
    kafka_config_free(cfg);
    kafka_config_free(NULL);
}

static void test_null_and_bad_addresses(void) {
    kafka_config_t *cfg;
    kafka_conn_t *conn = NULL;
    CHECK(kafka_config_new(&cfg));
    EXPECT(kafka_conn_dial(NULL, broker_addr(), 1000, NULL, &conn) == KAFKA_ERR_INVALID_ARG);
    EXPECT(kafka_conn_dial(cfg, NULL, 1000, NULL, &conn) == KAFKA_ERR_INVALID_ARG);
    EXPECT(kafka_conn_dial(cfg, broker_addr(), 1000, NULL, NULL) == KAFKA_ERR_INVALID_ARG);
    /* Nothing listens on port 1: a transport error that says where it tried. */
    EXPECT(kafka_conn_dial(cfg, "127.0.0.1:1", 5000, NULL, &conn) == KAFKA_ERR_TRANSPORT);
    EXPECT(strstr(kafka_last_error_message(), "127.0.0.1:1") != NULL);
    EXPECT(conn == NULL);
    EXPECT(kafka_batch_next(NULL, NULL) == KAFKA_ERR_INVALID_ARG);
    EXPECT(kafka_message_offset(NULL) == -1);
    kafka_conn_close(NULL);
    kafka_config_free(cfg);
}

static kafka_conn_t *dial_topic(const char *topic) {
    kafka_config_t *cfg;
    kafka_conn_t *conn;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_conn_dial_leader(cfg, broker_addr(), topic, 0, 20000, NULL, &conn));
    kafka_config_free(cfg);
    return conn;
}

static void test_round_trip(int codec) {
    char topic[96];
    snprintf(topic, sizeof topic, "c-test-rt-%d-%lld-%d", codec, (long long)now_ms(), (int)getpid());
    kafka_conn_t *conn = dial_topic(topic);

    kafka_header_t headers[3] = {
        {sizeof(kafka_header_t), "h", 1, (const uint8_t *)"1", 1},
        {sizeof(kafka_header_t), "h", 1, (const uint8_t *)"2", 1}, /* duplicate keys keep their order */
        {sizeof(kafka_header_t), "nul", 3, NULL, 0},               /* null header value */
    };
    kafka_msg_t msgs[3];
    memset(msgs, 0, sizeof msgs);
    msgs[0].key = (const uint8_t *)"k0";
    msgs[0].key_len = 2;
    msgs[0].value = (const uint8_t *)"v0";
    msgs[0].value_len = 2;
    msgs[0].headers = headers;
    msgs[0].header_count = 3;
    msgs[0].timestamp_ms = 1700000000000LL;
    msgs[1].value = (const uint8_t *)""; /* empty, not null */
    msgs[1].value_len = 0;
    msgs[1].timestamp_ms = 1700000000500LL;
    /* msgs[2]: null key and null value (a tombstone), timestamp "now". */
    int64_t base = -2;
    CHECK(kafka_conn_write_messages(conn, msgs, 3, codec, 10000, NULL, &base));
    EXPECT(base == 0);

    int64_t first, last;
    CHECK(kafka_conn_offsets(conn, 10000, NULL, &first, &last));
    EXPECT(first == 0 && last == 3);
    int64_t at;
    CHECK(kafka_conn_offset_at(conn, 1700000000200LL, 10000, NULL, &at));
    EXPECT(at == 1);
    CHECK(kafka_conn_offset_at(conn, now_ms() + 3600000, 10000, NULL, &at));
    EXPECT(at == 3);

    kafka_batch_t *batch;
    kafka_message_t *m[3];
    CHECK(kafka_conn_read_batch(conn, 1, 1 << 20, 1000, 10000, NULL, &batch));
    EXPECT(kafka_batch_high_water_mark(batch) == 3);
    for (int i = 0; i < 3; i++)
        CHECK(kafka_batch_next(batch, &m[i]));
    kafka_message_t *extra;
    EXPECT(kafka_batch_next(batch, &extra) == KAFKA_ERR_END_OF_BATCH);
    kafka_batch_close(batch); /* messages outlive their batch */

    size_t len;
    const uint8_t *p = kafka_message_key(m[0], &len);
    EXPECT(len == 2 && memcmp(p, "k0", 2) == 0);
    p = kafka_message_value(m[0], &len);
    EXPECT(len == 2 && memcmp(p, "v0", 2) == 0);
    EXPECT(kafka_message_timestamp(m[0]) == 1700000000000LL);
    EXPECT(strcmp(kafka_message_topic(m[0]), topic) == 0);
    EXPECT(kafka_message_partition(m[0]) == 0);
    EXPECT(kafka_message_header_count(m[0]) == 3);
    const char *hk;
    size_t hkl, hvl;
    const uint8_t *hv;
    CHECK(kafka_message_header(m[0], 1, &hk, &hkl, &hv, &hvl));
    EXPECT(hkl == 1 && hk[0] == 'h' && hvl == 1 && hv[0] == '2');
    CHECK(kafka_message_header(m[0], 2, &hk, &hkl, &hv, &hvl));
    EXPECT(hkl == 3 && hv == NULL);
    EXPECT(kafka_message_header(m[0], 3, &hk, &hkl, &hv, &hvl) == KAFKA_ERR_NOT_FOUND);

    EXPECT(kafka_message_key(m[1], &len) == NULL && len == 0);
    p = kafka_message_value(m[1], &len);
    EXPECT(p != NULL && len == 0);
    EXPECT(kafka_message_offset(m[1]) == 1);
    EXPECT(kafka_message_value(m[2], &len) == NULL && len == 0);
    EXPECT(kafka_message_timestamp(m[2]) > 1700000000500LL);
    for (int i = 0; i < 3; i++)
        kafka_message_free(m[i]);

    /* The offset moved past what was read; seeking is checked against the partition. */
    int64_t off;
    int whence;
    CHECK(kafka_conn_offset(conn, &off, &whence));
    EXPECT(off == 3 && whence == KAFKA_SEEK_ABSOLUTE);
    int64_t now_at;
    CHECK(kafka_conn_seek(conn, 1, KAFKA_SEEK_START, 10000, NULL, &now_at));
    EXPECT(now_at == 1);
    CHECK(kafka_conn_seek(conn, -1, KAFKA_SEEK_END, 10000, NULL, &now_at));
    EXPECT(now_at == 2);
    EXPECT(kafka_conn_seek(conn, 99, KAFKA_SEEK_ABSOLUTE, 10000, NULL, NULL) == KAFKA_ERR_OFFSET_OUT_OF_RANGE);
    CHECK(kafka_conn_seek(conn, 99, KAFKA_SEEK_ABSOLUTE | KAFKA_SEEK_DONT_CHECK, 10000, NULL, &now_at));
    EXPECT(now_at == 99);
    kafka_conn_close(conn);
}

static void test_timeouts_deadlines_and_cancel(void) {
    char topic[96];
    snprintf(topic, sizeof topic, "c-test-wait-%lld-%d", (long long)now_ms(), (int)getpid());
    kafka_conn_t *conn = dial_topic(topic);
    kafka_message_t *msg;
    kafka_batch_t *batch;

    /* An empty partition: a read with a 300 ms timeout times out. */
    int64_t t0 = now_ms();
    EXPECT(kafka_conn_read_message(conn, 1 << 20, 300, NULL, &msg) == KAFKA_ERR_TIMED_OUT);
    EXPECT(now_ms() - t0 < 5000);

    /* A read deadline bounds a call that has no timeout of its own. */
    CHECK(kafka_conn_set_read_deadline(conn, now_ms() + 300));
    t0 = now_ms();
    EXPECT(kafka_conn_read_batch(conn, 1, 1 << 20, 3000, -1, NULL, &batch) == KAFKA_ERR_TIMED_OUT);
    EXPECT(now_ms() - t0 < 2000);
    CHECK(kafka_conn_set_read_deadline(conn, 0));

    /* Another thread cancels a fetch that would wait 3 s (queued behind the one above). */
    kafka_cancel_t *cancel;
    CHECK(kafka_cancel_new(&cancel));
    struct fire_args args = {cancel, 200};
    pthread_t th;
    pthread_create(&th, NULL, fire_later, &args);
    t0 = now_ms();
    EXPECT(kafka_conn_read_batch(conn, 1, 1 << 20, 3000, -1, cancel, &batch) == KAFKA_ERR_CANCELLED);
    EXPECT(now_ms() - t0 < 2000);
    pthread_join(th, NULL);
    EXPECT(kafka_cancel_is_fired(cancel) == 1);
    /* A fired token fails later calls at once. */
    EXPECT(kafka_conn_read_batch(conn, 1, 1 << 20, 20000, -1, cancel, &batch) == KAFKA_ERR_CANCELLED);
    kafka_cancel_free(cancel);

    /* The connection still works after the cancelled requests. The broker answers requests on
     * one connection in order, so this waits until the abandoned fetches have run out. */
    int64_t last;
    CHECK(kafka_conn_last_offset(conn, 15000, NULL, &last));
    EXPECT(last == 0);
    kafka_conn_close(conn);
}

int main(void) {
    test_version_and_errors();
    test_config();
    test_null_and_bad_addresses();
    test_round_trip(KAFKA_COMPRESSION_NONE);
    test_round_trip(KAFKA_COMPRESSION_GZIP);
    test_round_trip(KAFKA_COMPRESSION_SNAPPY);
    test_round_trip(KAFKA_COMPRESSION_LZ4);
    test_round_trip(KAFKA_COMPRESSION_ZSTD);
    test_timeouts_deadlines_and_cancel();
    if (failures) {
        fprintf(stderr, "%d expectation(s) failed\n", failures);
        return 1;
    }
    printf("all C API checks passed\n");
    return 0;
}
