/* The demo: produce a few messages with keys, headers and compression through the C API, then
 * read them back and print them. Usage: demo [topic] */
#include <string.h>

#include "common.h"

int main(int argc, char **argv) {
    char default_topic[64];
    snprintf(default_topic, sizeof default_topic, "demo-%lld", (long long)now_ms());
    const char *topic = argc > 1 ? argv[1] : default_topic;
    kafka_config_t *cfg;
    kafka_conn_t *conn;

    printf("libkafka_rs %s, broker %s, topic %s\n", kafka_version_str(), broker_addr(), topic);
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "client.id", "libkafka_rs-demo"));
    CHECK(kafka_conn_dial_leader(cfg, broker_addr(), topic, 0, 15000, NULL, &conn));
    kafka_config_free(cfg);

    const char *keys[] = {"alice", "bob", "carol"};
    const char *values[] = {"hello from C", "the quick brown fox", "zero-copy on the way back"};
    kafka_header_t header = {sizeof(kafka_header_t), "source", 6, (const uint8_t *)"demo.c", 6};
    kafka_msg_t msgs[3];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < 3; i++) {
        msgs[i].key = (const uint8_t *)keys[i];
        msgs[i].key_len = strlen(keys[i]);
        msgs[i].value = (const uint8_t *)values[i];
        msgs[i].value_len = strlen(values[i]);
        msgs[i].headers = &header;
        msgs[i].header_count = 1;
    }
    int64_t base;
    CHECK(kafka_conn_write_messages(conn, msgs, 3, KAFKA_COMPRESSION_LZ4, 10000, NULL, &base));
    printf("produced 3 messages (lz4) at offsets %lld..%lld\n", (long long)base, (long long)base + 2);

    CHECK(kafka_conn_seek(conn, base, KAFKA_SEEK_ABSOLUTE, 10000, NULL, NULL));
    kafka_batch_t *batch;
    kafka_message_t *msg;
    kafka_err_t err;
    int read = 0;
    CHECK(kafka_conn_read_batch(conn, 1, 1 << 20, 1000, 10000, NULL, &batch));
    while ((err = kafka_batch_next(batch, &msg)) == KAFKA_OK) {
        size_t klen, vlen, hklen, hvlen;
        const uint8_t *k = kafka_message_key(msg, &klen);
        const uint8_t *v = kafka_message_value(msg, &vlen);
        const char *hk = NULL;
        const uint8_t *hv = NULL;
        if (kafka_message_header_count(msg) > 0)
            CHECK(kafka_message_header(msg, 0, &hk, &hklen, &hv, &hvlen));
        printf("consumed %s/%d@%lld key=%.*s value=\"%.*s\" header %.*s=%.*s\n", kafka_message_topic(msg),
               kafka_message_partition(msg), (long long)kafka_message_offset(msg), (int)klen,
               (const char *)k, (int)vlen, (const char *)v, hk ? (int)hklen : 0, hk ? hk : "",
               hv ? (int)hvlen : 0, hv ? (const char *)hv : "");
        kafka_message_free(msg);
        read++;
    }
    if (err != KAFKA_ERR_END_OF_BATCH)
        CHECK(err);
    kafka_batch_close(batch);
    kafka_conn_close(conn);
    printf("demo done: %d produced, %d consumed\n", 3, read);
    return read == 3 ? 0 : 1;
}
