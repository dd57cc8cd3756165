/* Test a program without a broker: start a 3-broker mock cluster in-process, write with a
 * kafka_writer_t while the mock fails the first two Produce requests with
 * NOT_LEADER_OR_FOLLOWER (the writer retries through them), then read everything back.
 * Needs no Kafka. Usage: mock_cluster */
#include <string.h>

#include "common.h"

#define N 10

int main(void) {
    kafka_mock_cluster_t *mc;
    char bootstrap[512];
    size_t size = sizeof bootstrap;

    CHECK(kafka_mock_cluster_new(3, &mc));
    CHECK(kafka_mock_cluster_bootstrap_servers(mc, bootstrap, &size));
    CHECK(kafka_mock_cluster_create_topic(mc, "orders", 3));
    printf("mock cluster at %s\n", bootstrap);

    kafka_config_t *cfg;
    kafka_writer_t *w;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", bootstrap));
    CHECK(kafka_config_set(cfg, "writer.topic", "orders"));
    CHECK(kafka_config_set(cfg, "acks", "all"));
    CHECK(kafka_config_set(cfg, "retry.backoff.ms", "20"));
    CHECK(kafka_writer_new(cfg, &w));
    kafka_config_free(cfg);

    /* A transient fault: the next two Produce requests fail as if leadership had moved. */
    const kafka_err_t not_leader[2] = {KAFKA_ERR_NOT_LEADER_OR_FOLLOWER, KAFKA_ERR_NOT_LEADER_OR_FOLLOWER};
    CHECK(kafka_mock_cluster_push_request_errors(mc, KAFKA_API_PRODUCE, not_leader, 2));

    char values[N][16];
    kafka_msg_t msgs[N];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < N; i++) {
        snprintf(values[i], sizeof values[i], "order-%d", i);
        msgs[i].flags = KAFKA_MSG_F_PARTITION;
        msgs[i].partition = 0;
        msgs[i].value = (const uint8_t *)values[i];
        msgs[i].value_len = strlen(values[i]);
    }
    int64_t offsets[N];
    CHECK(kafka_writer_write(w, msgs, N, 10000, NULL, NULL, offsets));
    CHECK(kafka_writer_close(w, 10000, NULL));
    uint64_t produce_requests = 0;
    CHECK(kafka_mock_cluster_request_count(mc, KAFKA_API_PRODUCE, &produce_requests));
    printf("wrote %d messages at offsets %lld..%lld in %llu Produce requests (2 failed and were retried)\n", N,
           (long long)offsets[0], (long long)offsets[N - 1], (unsigned long long)produce_requests);
    if (produce_requests < 3 || offsets[0] != 0 || offsets[N - 1] != N - 1) {
        fprintf(stderr, "expected offsets 0..%d after at least 3 Produce requests\n", N - 1);
        return 1;
    }

    kafka_reader_t *r;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", bootstrap));
    CHECK(kafka_config_set(cfg, "reader.topic", "orders"));
    CHECK(kafka_config_set(cfg, "reader.partition", "0"));
    CHECK(kafka_config_set(cfg, "auto.offset.reset", "earliest"));
    CHECK(kafka_reader_new(cfg, &r));
    kafka_config_free(cfg);
    for (int i = 0; i < N; i++) {
        kafka_message_t *m;
        size_t len;
        CHECK(kafka_reader_read(r, 10000, NULL, &m));
        const uint8_t *v = kafka_message_value(m, &len);
        if (kafka_message_offset(m) != i || len != strlen(values[i]) || memcmp(v, values[i], len) != 0) {
            fprintf(stderr, "message %d: offset %lld value %.*s\n", i, (long long)kafka_message_offset(m), (int)len,
                    (const char *)v);
            return 1;
        }
        kafka_message_free(m);
    }
    CHECK(kafka_reader_close(r, 5000, NULL));
    printf("read back all %d messages in order\n", N);
    kafka_mock_cluster_destroy(mc);
    return 0;
}
