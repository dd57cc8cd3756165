/* kafka-go README, "Consumer Groups": a reader in a consumer group reads the partitions the
 * group assigns; kafka_reader_read commits each message (kafka-go's ReadMessage). Rebalances
 * arrive through a callback, on this thread. Reads until nothing arrives for 3 seconds.
 * Usage: reader_group <topic> <group> */
#include "common.h"

static void on_rebalance(void *ud, int32_t event, const kafka_topic_partition_list_t *parts) {
    (void)ud;
    size_t n = kafka_topic_partition_list_count(parts);
    printf("%s %zu partition(s):", event == KAFKA_REBALANCE_ASSIGNED ? "assigned" : "revoked", n);
    for (size_t i = 0; i < n; i++) {
        const char *topic;
        int32_t p;
        if (kafka_topic_partition_list_get(parts, i, &topic, &p) == KAFKA_OK)
            printf(" %s/%d", topic, (int)p);
    }
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s <topic> <group>\n", argv[0]);
        return 2;
    }
    kafka_config_t *cfg;
    kafka_reader_t *r;
    kafka_message_t *m;
    kafka_err_t err;
    int n = 0;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "group.id", argv[2]));
    CHECK(kafka_config_set(cfg, "reader.topic", argv[1]));
    CHECK(kafka_config_set(cfg, "fetch.max.bytes", "10000000"));
    CHECK(kafka_reader_new(cfg, &r));
    kafka_config_free(cfg);
    CHECK(kafka_reader_set_rebalance_cb(r, on_rebalance, NULL));

    while ((err = kafka_reader_read(r, 3000, NULL, &m)) == KAFKA_OK) {
        n++;
        kafka_message_free(m);
    }
    if (err != KAFKA_ERR_TIMED_OUT)
        CHECK(err);
    printf("read and committed %d messages\n", n);
    CHECK(kafka_reader_close(r, 10000, NULL));
    return 0;
}
