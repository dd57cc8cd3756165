/* kafka-go README, "To consume messages": dial the partition leader, set a read deadline, read
 * one batch of between 10 KB and 1 MB and print its messages. Usage: consume_batch [topic] */
#include "common.h"

int main(int argc, char **argv) {
    const char *topic = argc > 1 ? argv[1] : "my-topic";
    kafka_config_t *cfg;
    kafka_conn_t *conn;
    kafka_batch_t *batch;
    kafka_message_t *msg;
    kafka_err_t err;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_conn_dial_leader(cfg, broker_addr(), topic, 0, 10000, NULL, &conn));
    kafka_config_free(cfg);

    CHECK(kafka_conn_set_read_deadline(conn, now_ms() + 10000));
    /* min 10 KB, max 1 MB; the broker answers after 1 s even with less than 10 KB. */
    CHECK(kafka_conn_read_batch(conn, 10000, 1000000, 1000, -1, NULL, &batch));
    while ((err = kafka_batch_next(batch, &msg)) == KAFKA_OK) {
        size_t len;
        const uint8_t *value = kafka_message_value(msg, &len);
        printf("%lld: %.*s\n", (long long)kafka_message_offset(msg), (int)len, (const char *)value);
        kafka_message_free(msg);
    }
    if (err != KAFKA_ERR_END_OF_BATCH) {
        fprintf(stderr, "failed to read batch: %s: %s\n", kafka_err_name(err), kafka_last_error_message());
        return 1;
    }
    kafka_batch_close(batch);
    kafka_conn_close(conn);
    return 0;
}
