/* kafka-go README, "SASL Support" / "Writer": a Writer whose Transport carries a SASL mechanism
 * (the README uses SCRAM; PLAIN works the same), with the hash balancer.
 * Usage: sasl_writer <topic> [mechanism] [sasl_plaintext|sasl_ssl]
 * (KAFKA_BOOTSTRAP = that listener) */
#include <string.h>

#include "common.h"

int main(int argc, char **argv) {
    const char *topic = argc > 1 ? argv[1] : "topic-A";
    const char *mechanism = argc > 2 ? argv[2] : "SCRAM-SHA-512";
    const char *protocol = argc > 3 ? argv[3] : "sasl_plaintext";
    char ca[512];
    kafka_config_t *cfg;
    kafka_writer_t *w;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "security.protocol", protocol));
    CHECK(kafka_config_set(cfg, "sasl.mechanism", mechanism));
    CHECK(kafka_config_set(cfg, "sasl.username", sasl_user()));
    CHECK(kafka_config_set(cfg, "sasl.password", sasl_password()));
    if (strcmp(protocol, "sasl_ssl") == 0)
        CHECK(kafka_config_set(cfg, "ssl.ca.location", tls_file(ca, sizeof ca, "ca.pem")));
    CHECK(kafka_config_set(cfg, "writer.topic", topic));
    CHECK(kafka_config_set(cfg, "balancer", "hash"));
    CHECK(kafka_config_set(cfg, "allow.auto.create.topics", "true"));
    CHECK(kafka_writer_new(cfg, &w));
    kafka_config_free(cfg);

    const char *values[] = {"one", "two", "three"};
    kafka_msg_t msgs[3];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < 3; i++) {
        msgs[i].partition = -1;
        msgs[i].value = (const uint8_t *)values[i];
        msgs[i].value_len = strlen(values[i]);
    }
    CHECK(kafka_writer_write(w, msgs, 3, 20000, NULL, NULL, NULL));
    printf("wrote 3 messages to %s with %s over %s\n", topic, mechanism, protocol);
    CHECK(kafka_writer_close(w, 10000, NULL));
    return 0;
}
