/* kafka-go README, "Compatibility with other clients": the Hash balancer places keys as Sarama
 * does, CRC32 as librdkafka does and Murmur2 as the Java client does. Writes keys to a topic with
 * 6 partitions and prints where each landed. Usage: writer_balancer <hash|crc32|murmur2> [topic] */
#include <string.h>

#include "common.h"

struct placed {
    int n;
    int32_t partition[8];
};

static void on_delivery(void *userdata, const kafka_delivery_report_t *const *reports, size_t count) {
    struct placed *p = userdata;
    for (size_t i = 0; i < count; i++) {
        if (reports[i]->err != KAFKA_OK) {
            fprintf(stderr, "delivery failed: %s\n", kafka_err_name(reports[i]->err));
            exit(1);
        }
        p->partition[(intptr_t)reports[i]->opaque] = reports[i]->partition;
        p->n++;
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <hash|crc32|murmur2> [topic]\n", argv[0]);
        return 2;
    }
    const char *balancer = argv[1];
    char topic[128];
    snprintf(topic, sizeof topic, "%s", argc > 2 ? argv[2] : "balanced");
    kafka_config_t *cfg;
    kafka_conn_t *conn;
    kafka_new_topic_t *nt;

    /* A topic with 6 partitions, so the balancers have a choice. */
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_conn_dial(cfg, broker_addr(), 10000, NULL, &conn));
    CHECK(kafka_new_topic_new(topic, 6, 1, &nt));
    CHECK(kafka_conn_create_topics(conn, (const kafka_new_topic_t *const *)&nt, 1, 30000, NULL));
    kafka_new_topic_free(nt);
    kafka_conn_close(conn);

    kafka_writer_t *w;
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "writer.topic", topic));
    CHECK(kafka_config_set(cfg, "balancer", balancer));
    CHECK(kafka_writer_new(cfg, &w));
    kafka_config_free(cfg);

    struct placed placed = {0, {0}};
    CHECK(kafka_writer_set_delivery_cb(w, on_delivery, &placed));
    const char *keys[] = {"foo", "bar", "baz", "kafka", "sarama", "librdkafka"};
    kafka_msg_t msgs[6];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < 6; i++) {
        msgs[i].partition = -1;
        msgs[i].key = (const uint8_t *)keys[i];
        msgs[i].key_len = strlen(keys[i]);
        msgs[i].value = (const uint8_t *)"v";
        msgs[i].value_len = 1;
        msgs[i].opaque = (void *)(intptr_t)i;
    }
    CHECK(kafka_writer_produce(w, msgs, 6));
    CHECK(kafka_writer_flush(w, 20000, NULL));
    for (int i = 0; i < 6; i++)
        printf("%s %s -> %d\n", balancer, keys[i], placed.partition[i]);
    CHECK(kafka_writer_close(w, 10000, NULL));
    return placed.n == 6 ? 0 : 1;
}
