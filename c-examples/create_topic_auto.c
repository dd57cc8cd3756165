/* kafka-go README, "To create topics" with auto.create.topics.enable='true' on the broker:
 * dialing the leader of a topic that does not exist yet creates it. Usage: create_topic_auto
 * [topic] */
#include "common.h"

int main(int argc, char **argv) {
    const char *topic = argc > 1 ? argv[1] : "my-topic";
    kafka_config_t *cfg;
    kafka_conn_t *conn;
    kafka_partition_list_t *parts;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_conn_dial_leader(cfg, broker_addr(), topic, 0, 15000, NULL, &conn));
    kafka_config_free(cfg);

    CHECK(kafka_conn_read_partitions(conn, &topic, 1, 10000, NULL, &parts));
    printf("topic %s exists with %zu partition(s)\n", topic, kafka_partition_list_count(parts));
    kafka_partition_list_free(parts);
    kafka_conn_close(conn);
    return 0;
}
