/* kafka-go README, "Reader": read partition 0 of a topic starting at offset 42, printing each
 * message, until nothing new arrives for 2 seconds. Usage: reader [topic] */
#include "common.h"

int main(int argc, char **argv) {
    const char *topic = argc > 1 ? argv[1] : "topic-A";
    kafka_config_t *cfg;
    kafka_reader_t *r;
    kafka_message_t *m;
    kafka_err_t err;
    int n = 0;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "reader.topic", topic));
    CHECK(kafka_config_set(cfg, "reader.partition", "0"));
    CHECK(kafka_config_set(cfg, "fetch.max.bytes", "10000000"));
    CHECK(kafka_reader_new(cfg, &r));
    kafka_config_free(cfg);

    CHECK(kafka_reader_set_offset(r, 42));
    while ((err = kafka_reader_read(r, 2000, NULL, &m)) == KAFKA_OK) {
        size_t klen, vlen;
        const uint8_t *k = kafka_message_key(m, &klen);
        const uint8_t *v = kafka_message_value(m, &vlen);
        if (n++ == 0)
            printf("message at offset %lld: %.*s = %.*s\n", (long long)kafka_message_offset(m), (int)klen,
                   k ? (const char *)k : "", (int)vlen, (const char *)v);
        kafka_message_free(m);
    }
    if (err != KAFKA_ERR_TIMED_OUT) {
        fprintf(stderr, "read failed: %s: %s\n", kafka_err_name(err), kafka_last_error_message());
        return 1;
    }
    printf("read %d messages from offset 42, lag %lld\n", n, (long long)kafka_reader_lag(r));
    CHECK(kafka_reader_close(r, 5000, NULL));
    return 0;
}
