/* kafka-go README, "To create topics when auto.create.topics.enable='false'": ask any broker for
 * the controller, connect to it and create the topic explicitly.
 * Usage: create_topic_explicit [topic] [partitions] [replication factor] */
#include <unistd.h>

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

    CHECK(kafka_new_topic_new(topic, partitions, replication, &new_topic));
    CHECK(kafka_conn_create_topics(controller_conn, (const kafka_new_topic_t *const *)&new_topic, 1, 30000, NULL));
    kafka_new_topic_free(new_topic);

    /* The controller answers once the topic is created; every other broker learns of it a
     * moment later. Wait (up to 10 s) until the broker first dialed knows it too. */
    for (int i = 0;; i++) {
        kafka_partition_list_t *parts;
        kafka_err_t err = kafka_conn_read_partitions(conn, &topic, 1, 10000, NULL, &parts);
        if (err == KAFKA_OK) {
            kafka_partition_list_free(parts);
            break;
        }
        if ((err != KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION && err != KAFKA_ERR_LEADER_NOT_AVAILABLE) || i == 100) {
            fprintf(stderr, "topic %s not visible: %s\n", topic, kafka_last_error_message());
            return 1;
        }
        usleep(100 * 1000);
    }
    kafka_conn_close(conn);
    printf("created topic %s (%d partitions, replication factor %d)\n", topic, partitions, replication);

    kafka_conn_close(controller_conn);
    kafka_config_free(cfg);
    return 0;
}
