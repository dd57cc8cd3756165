/* kafka-go README, "TLS Support" / "Reader": a Reader in a consumer group whose Dialer has a
 * tls.Config. The group coordinator and the partition leaders are reached over TLS too.
 * Reads until nothing arrives for 3 seconds. Usage: tls_reader <topic> <group>
 * (KAFKA_BOOTSTRAP = the SSL listener) */
#include "common.h"

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s <topic> <group>\n", argv[0]);
        return 2;
    }
    char ca[512], cert[512], key[512];
    kafka_config_t *cfg;
    kafka_reader_t *r;
    kafka_message_t *m;
    kafka_err_t err;
    int n = 0;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "security.protocol", "ssl"));
    CHECK(kafka_config_set(cfg, "ssl.ca.location", tls_file(ca, sizeof ca, "ca.pem")));
    CHECK(kafka_config_set(cfg, "ssl.certificate.location", tls_file(cert, sizeof cert, "client.pem")));
    CHECK(kafka_config_set(cfg, "ssl.key.location", tls_file(key, sizeof key, "client.key")));
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
    printf("read %d messages over TLS\n", n);
    CHECK(kafka_reader_close(r, 10000, NULL));
    return 0;
}
