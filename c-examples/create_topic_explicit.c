/* kafka-go README, "To create topics when auto.create.topics.enable='false'": ask any broker for
 * the controller, connect to it and create the topic explicitly.
 * Usage: create_topic_explicit [topic] [partitions] [replication factor] */
#include "common.h"

int main(int argc, char **argv) {
    const char *topic = argc > 1 ? argv[1] : "my-topic";
    int partitions = argc > 2 ? atoi(argv[2]) : 1;
    int replication = argc > 3 ? atoi(argv[3]) : 1;
    kafka_config_t *cfg;
    kafka_conn_t *conn, *controller_conn;
    kafka_broker_list_t *controller;
    kafka_new_topic_t *new_topic;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "allow.auto.create.topics", "false"));
    CHECK(kafka_conn_dial(cfg, broker_addr(), 10000, NULL, &conn));
    CHECK(kafka_conn_controller(conn, 10000, NULL, &controller));
    CHECK(kafka_conn_dial(cfg, kafka_broker_list_addr(controller, 0), 10000, NULL, &controller_conn));
    kafka_broker_list_free(controller);
    kafka_conn_close(conn);

    CHECK(kafka_new_topic_new(topic, partitions, replication, &new_topic));
    CHECK(kafka_conn_create_topics(controller_conn, (const kafka_new_topic_t *const *)&new_topic, 1, 30000, NULL));
    kafka_new_topic_free(new_topic);
    printf("created topic %s (%d partitions, replication factor %d)\n", topic, partitions, replication);

    kafka_conn_close(controller_conn);
    kafka_config_free(cfg);
    return 0;
}
