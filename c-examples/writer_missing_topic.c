/* kafka-go README, "Missing topic creation before publication": the writer may create its
 * topic, and the write is retried while the new topic has no leader yet. Works even when the
 * broker has auto.create.topics.enable=false. Usage: writer_missing_topic [topic] */
#include <string.h>
#include <unistd.h>

#include "common.h"

int main(int argc, char **argv) {
    char default_topic[64];
    snprintf(default_topic, sizeof default_topic, "topic-created-%lld", (long long)now_ms());
    const char *topic = argc > 1 ? argv[1] : default_topic;
    kafka_config_t *cfg;
    kafka_writer_t *w;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "writer.topic", topic));
    CHECK(kafka_config_set(cfg, "allow.auto.create.topics", "true"));
    CHECK(kafka_writer_new(cfg, &w));
    kafka_config_free(cfg);

    const char *values[] = {"Hello World!", "One!", "Two!"};
    kafka_msg_t msgs[3];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < 3; i++) {
        msgs[i].partition = -1;
        msgs[i].value = (const uint8_t *)values[i];
        msgs[i].value_len = strlen(values[i]);
    }
    kafka_err_t err = KAFKA_OK;
    const int retries = 3;
    for (int i = 0; i < retries; i++) {
        err = kafka_writer_write(w, msgs, 3, 10000, NULL, NULL, NULL);
        if (err == KAFKA_ERR_LEADER_NOT_AVAILABLE || err == KAFKA_ERR_TIMED_OUT) {
            usleep(250 * 1000);
            continue;
        }
        break;
    }
    if (err != KAFKA_OK) {
        fprintf(stderr, "unexpected error %s: %s\n", kafka_err_name(err), kafka_last_error_message());
        return 1;
    }
    printf("wrote 3 messages to the new topic %s\n", topic);
    CHECK(kafka_writer_close(w, 10000, NULL));
    return 0;
}
