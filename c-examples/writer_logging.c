/* kafka-go README, "Logging": the writer's log lines go to a callback, with their level. A
 * topic that does not exist (and may not be created) produces an error line. Usage:
 * writer_logging [topic] */
#include <string.h>

#include "common.h"

static void on_log(void *userdata, int level, const char *message) {
    (void)userdata;
    printf("log level %d: %s\n", level, message);
}

int main(int argc, char **argv) {
    const char *topic = argc > 1 ? argv[1] : "no-such-topic";
    kafka_config_t *cfg;
    kafka_writer_t *w;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "writer.topic", topic));
    CHECK(kafka_config_set(cfg, "allow.auto.create.topics", "false"));
    CHECK(kafka_config_set(cfg, "log_level", "7"));
    CHECK(kafka_writer_new(cfg, &w));
    kafka_config_free(cfg);
    CHECK(kafka_writer_set_log_cb(w, on_log, NULL));

    kafka_msg_t msg;
    memset(&msg, 0, sizeof msg);
    msg.partition = -1;
    msg.value = (const uint8_t *)"hello";
    msg.value_len = 5;
    kafka_err_t err = kafka_writer_write(w, &msg, 1, 20000, NULL, NULL, NULL);
    printf("write: %s\n", kafka_err_name(err));
    CHECK(kafka_writer_poll(w, 0, NULL, NULL)); /* log callbacks run here, on this thread */
    CHECK(kafka_writer_close(w, 10000, NULL));
    return err == KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION ? 0 : 1;
}
