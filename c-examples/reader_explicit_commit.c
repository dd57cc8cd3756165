/* kafka-go README, "Explicit Commits": fetch messages without committing, process them, then
 * commit (kafka-go's FetchMessage + CommitMessages). Usage: reader_explicit_commit <topic> <group>
 * [max messages] */
#include "common.h"

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s <topic> <group> [max]\n", argv[0]);
        return 2;
    }
    int max = argc > 3 ? atoi(argv[3]) : 1000000;
    kafka_config_t *cfg;
    kafka_reader_t *r;
    kafka_message_t *m;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "group.id", argv[2]));
    CHECK(kafka_config_set(cfg, "reader.topic", argv[1]));
    CHECK(kafka_reader_new(cfg, &r));
    kafka_config_free(cfg);

    int n = 0;
    while (n < max && kafka_reader_fetch(r, 3000, NULL, &m) == KAFKA_OK) {
        /* ... process the message ... then commit it. */
        CHECK(kafka_reader_commit(r, (const kafka_message_t *const *)&m, 1, 10000, NULL));
        kafka_message_free(m);
        n++;
    }
    printf("fetched and committed %d messages\n", n);
    CHECK(kafka_reader_close(r, 10000, NULL));
    return 0;
}
