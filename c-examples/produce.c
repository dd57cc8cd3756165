/* kafka-go README, "To produce messages": dial the partition leader, set a write deadline and
 * write three messages. Usage: produce [topic] */
#include <string.h>

#include "common.h"

int main(int argc, char **argv) {
    const char *topic = argc > 1 ? argv[1] : "my-topic";
    kafka_config_t *cfg;
    kafka_conn_t *conn;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_conn_dial_leader(cfg, broker_addr(), topic, 0, 10000, NULL, &conn));
    kafka_config_free(cfg);

    CHECK(kafka_conn_set_write_deadline(conn, now_ms() + 10000));
    const char *values[] = {"one!", "two!", "three!"};
    kafka_msg_t msgs[3];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < 3; i++) {
        msgs[i].value = (const uint8_t *)values[i];
        msgs[i].value_len = strlen(values[i]);
    }
    int64_t base_offset;
    CHECK(kafka_conn_write_messages(conn, msgs, 3, KAFKA_COMPRESSION_NONE, -1, NULL, &base_offset));
    printf("wrote 3 messages to %s/0 at offset %lld\n", topic, (long long)base_offset);

    kafka_conn_close(conn);
    return 0;
}
