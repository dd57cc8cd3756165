/* kafka-go README, "Compression": a writer that compresses its batches (snappy by default).
 * Usage: writer_compression [topic] [codec] */
#include <string.h>

#include "common.h"

int main(int argc, char **argv) {
    const char *topic = argc > 1 ? argv[1] : "topic-A";
    const char *codec = argc > 2 ? argv[2] : "snappy";
    kafka_config_t *cfg;
    kafka_writer_t *w;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "writer.topic", topic));
    CHECK(kafka_config_set(cfg, "compression.type", codec));
    CHECK(kafka_config_set(cfg, "allow.auto.create.topics", "true"));
    CHECK(kafka_writer_new(cfg, &w));
    kafka_config_free(cfg);

    char value[256];
    kafka_msg_t msgs[100];
    memset(msgs, 0, sizeof msgs);
    memset(value, 'x', sizeof value);
    for (int i = 0; i < 100; i++) {
        msgs[i].partition = -1;
        msgs[i].value = (const uint8_t *)value;
        msgs[i].value_len = sizeof value;
    }
    CHECK(kafka_writer_write(w, msgs, 100, 20000, NULL, NULL, NULL));
    char stats[2048];
    size_t size = sizeof stats;
    CHECK(kafka_writer_stats(w, stats, &size));
    printf("wrote 100 messages with %s: %s\n", codec, stats);
    CHECK(kafka_writer_close(w, 10000, NULL));
    return 0;
}
