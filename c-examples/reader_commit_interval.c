/* kafka-go README, "Managing Commits": with a commit interval, commits are gathered and sent
 * periodically (and when the reader closes) instead of once per message.
 * Usage: reader_commit_interval <topic> <group> */
#include "common.h"

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s <topic> <group>\n", argv[0]);
        return 2;
    }
    kafka_config_t *cfg;
    kafka_reader_t *r;
    kafka_message_t *batch[256];
    size_t n;
    int total = 0;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "group.id", argv[2]));
    CHECK(kafka_config_set(cfg, "reader.topic", argv[1]));
    CHECK(kafka_config_set(cfg, "auto.commit.interval.ms", "1000")); /* flushes commits every second */
    CHECK(kafka_reader_new(cfg, &r));
    kafka_config_free(cfg);

    while (kafka_reader_read_batch(r, 256, 3000, NULL, batch, &n) == KAFKA_OK) {
        for (size_t i = 0; i < n; i++)
            kafka_message_free(batch[i]);
        total += (int)n;
    }
    printf("read %d messages; commits flushed on close\n", total);
    CHECK(kafka_reader_close(r, 10000, NULL));
    return 0;
}
