/* kafka-go README, "To list topics": read the partitions of every topic and print each topic
 * name once. Usage: list_topics */
#include <string.h>

#include "common.h"

int main(void) {
    kafka_config_t *cfg;
    kafka_conn_t *conn;
    kafka_partition_list_t *parts;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_conn_dial(cfg, broker_addr(), 10000, NULL, &conn));
    kafka_config_free(cfg);
    CHECK(kafka_conn_read_partitions(conn, NULL, 0, 10000, NULL, &parts));

    size_t n = kafka_partition_list_count(parts);
    for (size_t i = 0; i < n; i++) {
        const char *topic;
        int seen = 0;
        CHECK(kafka_partition_list_get(parts, i, &topic, NULL, NULL));
        for (size_t j = 0; j < i && !seen; j++) {
            const char *other;
            CHECK(kafka_partition_list_get(parts, j, &other, NULL, NULL));
            seen = strcmp(topic, other) == 0;
        }
        if (!seen)
            printf("%s\n", topic);
    }
    kafka_partition_list_free(parts);
    kafka_conn_close(conn);
    return 0;
}
