/* kafka-go README, "SASL Support" / "Reader": a Reader in a consumer group whose Dialer carries
 * a SASL mechanism. Reads until nothing arrives for 3 seconds.
 * Usage: sasl_reader <topic> <group> [mechanism] [sasl_plaintext|sasl_ssl]
 * (KAFKA_BOOTSTRAP = that listener) */
#include <string.h>

#include "common.h"

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s <topic> <group> [mechanism] [protocol]\n", argv[0]);
        return 2;
    }
    const char *mechanism = argc > 3 ? argv[3] : "SCRAM-SHA-512";
    const char *protocol = argc > 4 ? argv[4] : "sasl_plaintext";
    char ca[512];
    kafka_config_t *cfg;
    kafka_reader_t *r;
    kafka_message_t *m;
    kafka_err_t err;
    int n = 0;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "security.protocol", protocol));
    CHECK(kafka_config_set(cfg, "sasl.mechanism", mechanism));
    CHECK(kafka_config_set(cfg, "sasl.username", sasl_user()));
    CHECK(kafka_config_set(cfg, "sasl.password", sasl_password()));
    if (strcmp(protocol, "sasl_ssl") == 0)
        CHECK(kafka_config_set(cfg, "ssl.ca.location", tls_file(ca, sizeof ca, "ca.pem")));
    CHECK(kafka_config_set(cfg, "group.id", argv[2]));
    CHECK(kafka_config_set(cfg, "reader.topic", argv[1]));
    CHECK(kafka_reader_new(cfg, &r));
    kafka_config_free(cfg);

    while ((err = kafka_reader_read(r, 3000, NULL, &m)) == KAFKA_OK) {
        size_t vlen;
        const uint8_t *v = kafka_message_value(m, &vlen);
        printf("message at offset %lld: %.*s\n", (long long)kafka_message_offset(m), (int)vlen,
               (const char *)v);
        n++;
        kafka_message_free(m);
    }
    if (err != KAFKA_ERR_TIMED_OUT)
        CHECK(err);
    printf("read %d messages with %s over %s\n", n, mechanism, protocol);
    CHECK(kafka_reader_close(r, 10000, NULL));
    return 0;
}
