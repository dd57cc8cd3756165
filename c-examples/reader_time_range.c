/* kafka-go README, "Reading all messages within a time range": seek to the first message at or
 * after the start time, read until a message is later than the end time.
 * Usage: reader_time_range <topic> <start_unix_ms> <end_unix_ms> */
#include "common.h"

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s <topic> <start_unix_ms> <end_unix_ms>\n", argv[0]);
        return 2;
    }
    const char *topic = argv[1];
    int64_t start = atoll(argv[2]), end = atoll(argv[3]);
    kafka_config_t *cfg;
    kafka_reader_t *r;
    kafka_message_t *m;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "reader.topic", topic));
    CHECK(kafka_reader_new(cfg, &r));
    kafka_config_free(cfg);

    int64_t first;
    CHECK(kafka_reader_set_offset_at(r, start, 10000, NULL, &first));
    int n = 0;
    for (;;) {
        kafka_err_t err = kafka_reader_read(r, 5000, NULL, &m);
        if (err == KAFKA_ERR_TIMED_OUT)
            break; /* nothing later than the range was written yet */
        CHECK(err);
        int64_t ts = kafka_message_timestamp(m), offset = kafka_message_offset(m);
        kafka_message_free(m);
        if (ts > end)
            break;
        printf("%lld at %lld\n", (long long)offset, (long long)ts);
        n++;
    }
    printf("%d messages between %lld and %lld, starting at offset %lld\n", n, (long long)start, (long long)end,
           (long long)first);
    CHECK(kafka_reader_close(r, 5000, NULL));
    return 0;
}
