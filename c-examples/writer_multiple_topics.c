/* kafka-go README, "Writing to multiple topics": a writer without a topic; every message names
 * its own. Usage: writer_multiple_topics [topic prefix] */
#include <string.h>

#include "common.h"

int main(int argc, char **argv) {
    const char *prefix = argc > 1 ? argv[1] : "topic";
    char topics[3][128];
    kafka_config_t *cfg;
    kafka_writer_t *w;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "allow.auto.create.topics", "true"));
    CHECK(kafka_writer_new(cfg, &w));
    kafka_config_free(cfg);

    const char *values[] = {"Hello World!", "One!", "Two!"};
    kafka_msg_t msgs[3];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < 3; i++) {
        snprintf(topics[i], sizeof topics[i], "%s-%c", prefix, 'A' + i);
        msgs[i].topic = topics[i];
        msgs[i].partition = -1;
        msgs[i].value = (const uint8_t *)values[i];
        msgs[i].value_len = strlen(values[i]);
    }
    kafka_err_t errors[3];
    CHECK(kafka_writer_write(w, msgs, 3, 20000, NULL, errors, NULL));
    for (int i = 0; i < 3; i++)
        printf("%s: %s\n", topics[i], kafka_err_name(errors[i]));
    CHECK(kafka_writer_close(w, 10000, NULL));
    return 0;
}
