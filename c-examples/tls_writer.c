/* kafka-go README, "TLS Support" / "Writer": a Writer whose Transport has a tls.Config, with the
 * hash balancer. Every connection the writer opens (bootstrap, leaders) uses TLS.
 * Usage: tls_writer <topic>   (KAFKA_BOOTSTRAP = the SSL listener) */
#include <string.h>

#include "common.h"

int main(int argc, char **argv) {
    const char *topic = argc > 1 ? argv[1] : "topic-A";
    char ca[512], cert[512], key[512];
    kafka_config_t *cfg;
    kafka_writer_t *w;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "security.protocol", "ssl"));
    CHECK(kafka_config_set(cfg, "ssl.ca.location", tls_file(ca, sizeof ca, "ca.pem")));
    CHECK(kafka_config_set(cfg, "ssl.certificate.location", tls_file(cert, sizeof cert, "client.pem")));
    CHECK(kafka_config_set(cfg, "ssl.key.location", tls_file(key, sizeof key, "client.key")));
    CHECK(kafka_config_set(cfg, "writer.topic", topic));
    CHECK(kafka_config_set(cfg, "balancer", "hash"));
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
    CHECK(kafka_writer_write(w, msgs, 3, 20000, NULL, NULL, NULL));
    printf("wrote 3 messages to %s over TLS\n", topic);
    CHECK(kafka_writer_close(w, 10000, NULL));
    return 0;
}
