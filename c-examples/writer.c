/* kafka-go README, "Writer": a writer for one topic with the least-bytes balancer writes three
 * keyed messages synchronously. Usage: writer [topic] */
#include <string.h>

#include "common.h"

int main(int argc, char **argv) {
    const char *topic = argc > 1 ? argv[1] : "topic-A";
    kafka_config_t *cfg;
    kafka_writer_t *w;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "writer.topic", topic));
    CHECK(kafka_config_set(cfg, "balancer", "least_bytes"));
    CHECK(kafka_config_set(cfg, "allow.auto.create.topics", "true"));
    CHECK(kafka_writer_new(cfg, &w));
    kafka_config_free(cfg);

    const char *keys[] = {"Key-A", "Key-B", "Key-C"};
    const char *values[] = {"Hello World!", "One!", "Two!"};
    kafka_msg_t msgs[3];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < 3; i++) {
        msgs[i].partition = -1;
        msgs[i].key = (const uint8_t *)keys[i];
        msgs[i].key_len = strlen(keys[i]);
        msgs[i].value = (const uint8_t *)values[i];
        msgs[i].value_len = strlen(values[i]);
    }
    int64_t offsets[3];
    CHECK(kafka_writer_write(w, msgs, 3, 10000, NULL, NULL, offsets));
    printf("wrote 3 messages to %s at offsets %lld, %lld, %lld\n", topic, (long long)offsets[0],
           (long long)offsets[1], (long long)offsets[2]);
    CHECK(kafka_writer_close(w, 10000, NULL));
    return 0;
}
