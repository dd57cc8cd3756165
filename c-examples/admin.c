/* kafka-go's Client from C: create a topic (and see the per-topic error when it exists),
 * describe its configs, then list every consumer group with its lag per partition.
 * Usage: admin <topic> */
#include <string.h>

#include "common.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <topic>\n", argv[0]);
        return 2;
    }
    kafka_config_t *cfg;
    kafka_client_t *c;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_client_new(cfg, &c));
    kafka_config_free(cfg);

    /* Create the topic twice: the second time its result says TOPIC_ALREADY_EXISTS. */
    kafka_new_topic_t *t;
    CHECK(kafka_new_topic_new(argv[1], 3, 1, &t));
    CHECK(kafka_new_topic_set_config(t, "retention.ms", "86400000"));
    const kafka_new_topic_t *topics[] = {t};
    for (int round = 0; round < 2; round++) {
        kafka_topic_results_t *r;
        CHECK(kafka_client_create_topics(c, topics, 1, false, 30000, NULL, &r));
        for (size_t i = 0; i < kafka_topic_results_count(r); i++)
            printf("create %s: %s\n", kafka_topic_results_name(r, i), kafka_err_name(kafka_topic_results_error(r, i)));
        kafka_topic_results_free(r);
    }
    kafka_new_topic_free(t);

    /* Its configs. */
    kafka_config_resource_t res = {KAFKA_RESOURCE_TOPIC, argv[1]};
    kafka_config_results_t *cr;
    CHECK(kafka_client_describe_configs(c, &res, 1, NULL, 0, 30000, NULL, &cr));
    if (kafka_config_results_error(cr, 0) == KAFKA_OK) {
        printf("%s: retention.ms=%s cleanup.policy=%s (%zu configs)\n", argv[1],
               kafka_config_results_value(cr, 0, "retention.ms"), kafka_config_results_value(cr, 0, "cleanup.policy"),
               kafka_config_results_entry_count(cr, 0));
    }
    kafka_config_results_free(cr);

    /* Every consumer group with its lag. */
    kafka_group_list_t *groups;
    CHECK(kafka_client_list_groups(c, 30000, NULL, &groups));
    for (size_t g = 0; g < kafka_group_list_count(groups); g++) {
        const char *id = kafka_group_list_group_id(groups, g);
        if (strcmp(kafka_group_list_protocol_type(groups, g), "consumer") != 0)
            continue;
        kafka_group_lag_t *lag;
        CHECK(kafka_client_group_lag(c, id, 30000, NULL, &lag));
        printf("group %s (%s):\n", id, kafka_group_list_state(groups, g));
        for (size_t i = 0; i < kafka_group_lag_count(lag); i++) {
            if (kafka_group_lag_error(lag, i) != KAFKA_OK)
                printf("  %s/%d: %s\n", kafka_group_lag_topic(lag, i), kafka_group_lag_partition(lag, i),
                       kafka_group_lag_error_message(lag, i));
            else
                printf("  %s/%d committed %lld end %lld lag %lld\n", kafka_group_lag_topic(lag, i),
                       kafka_group_lag_partition(lag, i), (long long)kafka_group_lag_committed(lag, i),
                       (long long)kafka_group_lag_end_offset(lag, i), (long long)kafka_group_lag_lag(lag, i));
        }
        kafka_group_lag_free(lag);
    }
    kafka_group_list_free(groups);
    kafka_client_close(c);
    return 0;
}
