/* C API tests of kafka_client_t (kafka-go's Client) against the real broker: every call's
 * per-item results (content, not just codes), argument checks that name the argument,
 * out-of-range accessors, and cancellation. Usage: test_client <topic prefix> */
#include <string.h>

#include "check.h"

static char name_buf[8][128];

static const char *name(int slot, const char *prefix, const char *suffix) {
    snprintf(name_buf[slot], sizeof name_buf[slot], "%s-%s", prefix, suffix);
    return name_buf[slot];
}

static void produce(const char *topic, int n) {
    kafka_config_t *cfg;
    kafka_writer_t *w;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "writer.topic", topic));
    CHECK(kafka_writer_new(cfg, &w));
    kafka_config_free(cfg);
    kafka_msg_t msgs[16];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < n; i++) {
        msgs[i].partition = 0;
        msgs[i].flags = KAFKA_MSG_F_PARTITION;
        msgs[i].value = (const uint8_t *)"v";
        msgs[i].value_len = 1;
    }
    CHECK(kafka_writer_write(w, msgs, (size_t)n, 30000, NULL, NULL, NULL));
    CHECK(kafka_writer_close(w, 10000, NULL));
}

static void test_topics(kafka_client_t *c, const char *prefix) {
    const char *a = name(0, prefix, "a"), *b = name(1, prefix, "b"), *missing = name(2, prefix, "missing");
    kafka_new_topic_t *ta, *tb;
    CHECK(kafka_new_topic_new(a, 2, 1, &ta));
    CHECK(kafka_new_topic_set_config(ta, "retention.ms", "123456"));
    CHECK(kafka_new_topic_new(b, 1, 1, &tb));
    kafka_topic_results_t *r;

    /* validate_only: accepted, nothing created (b is created for real below). */
    const kafka_new_topic_t *only_b[] = {tb};
    CHECK(kafka_client_create_topics(c, only_b, 1, true, 30000, NULL, &r));
    EXPECT(kafka_topic_results_count(r) == 1 && kafka_topic_results_error(r, 0) == KAFKA_OK);
    kafka_topic_results_free(r);

    const kafka_new_topic_t *first[] = {ta};
    CHECK(kafka_client_create_topics(c, first, 1, false, 30000, NULL, &r));
    EXPECT(kafka_topic_results_error(r, 0) == KAFKA_OK);
    kafka_topic_results_free(r);

    /* a exists, b is new: one error, one success, in the order given. */
    const kafka_new_topic_t *both[] = {ta, tb};
    CHECK(kafka_client_create_topics(c, both, 2, false, 30000, NULL, &r));
    EXPECT(kafka_topic_results_count(r) == 2);
    EXPECT(strcmp(kafka_topic_results_name(r, 0), a) == 0 && strcmp(kafka_topic_results_name(r, 1), b) == 0);
    EXPECT(kafka_topic_results_error(r, 0) == KAFKA_ERR_TOPIC_ALREADY_EXISTS);
    EXPECT(kafka_topic_results_error_message(r, 0) != NULL && strstr(kafka_topic_results_error_message(r, 0), a));
    EXPECT(kafka_topic_results_error(r, 1) == KAFKA_OK && kafka_topic_results_error_message(r, 1) == NULL);
    /* Out of range. */
    EXPECT(kafka_topic_results_name(r, 2) == NULL && kafka_topic_results_error(r, 2) == KAFKA_ERR_INVALID_ARG);
    kafka_topic_results_free(r);
    kafka_new_topic_free(ta);
    kafka_new_topic_free(tb);

    kafka_new_partitions_t grow[] = {{a, 4}, {missing, 2}};
    CHECK(kafka_client_create_partitions(c, grow, 2, false, 30000, NULL, &r));
    EXPECT(kafka_topic_results_error(r, 0) == KAFKA_OK);
    EXPECT(kafka_topic_results_error(r, 1) == KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    kafka_topic_results_free(r);

    /* Configs: the topic's own value, and the broker's. */
    kafka_config_resource_t res[] = {{KAFKA_RESOURCE_TOPIC, a}, {KAFKA_RESOURCE_BROKER, "1"}, {KAFKA_RESOURCE_TOPIC, missing}};
    kafka_config_results_t *cr;
    /* A topic the broker's metadata does not have yet is UNKNOWN_TOPIC_OR_PARTITION (final, as in
     * the Java client): the new topic becomes visible a moment after CreateTopics answered. */
    for (int tries = 0;; tries++) {
        CHECK(kafka_client_describe_configs(c, res, 3, NULL, 0, 30000, NULL, &cr));
        if (kafka_config_results_error(cr, 0) != KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION || tries == 100)
            break;
        kafka_config_results_free(cr);
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    EXPECT(kafka_config_results_count(cr) == 3);
    EXPECT(kafka_config_results_error(cr, 0) == KAFKA_OK);
    EXPECT(kafka_config_results_resource_type(cr, 0) == KAFKA_RESOURCE_TOPIC);
    const char *ret = kafka_config_results_value(cr, 0, "retention.ms");
    EXPECT(ret != NULL && strcmp(ret, "123456") == 0);
    int found = 0;
    for (size_t j = 0; j < kafka_config_results_entry_count(cr, 0); j++)
        if (strcmp(kafka_config_results_entry_name(cr, 0, j), "retention.ms") == 0) {
            found = 1;
            EXPECT(kafka_config_results_entry_source(cr, 0, j) == KAFKA_CONFIG_SOURCE_TOPIC);
            EXPECT(!kafka_config_results_entry_is_read_only(cr, 0, j));
            EXPECT(!kafka_config_results_entry_is_sensitive(cr, 0, j));
        }
    EXPECT(found);
    EXPECT(kafka_config_results_error(cr, 1) == KAFKA_OK && strcmp(kafka_config_results_name(cr, 1), "1") == 0);
    EXPECT(kafka_config_results_value(cr, 1, "num.partitions") != NULL);
    EXPECT(kafka_config_results_error(cr, 2) == KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    EXPECT(kafka_config_results_entry_count(cr, 2) == 0);
    EXPECT(kafka_config_results_entry_name(cr, 0, 100000) == NULL && kafka_config_results_entry_source(cr, 9, 0) == -1);
    kafka_config_results_free(cr);

    kafka_config_op_t ops[] = {
        {KAFKA_RESOURCE_TOPIC, a, "retention.ms", NULL, KAFKA_CONFIG_OP_DELETE},
        {KAFKA_RESOURCE_TOPIC, a, "max.message.bytes", "300000", KAFKA_CONFIG_OP_SET},
        {KAFKA_RESOURCE_TOPIC, missing, "retention.ms", "1", KAFKA_CONFIG_OP_SET},
    };
    CHECK(kafka_client_incremental_alter_configs(c, ops, 3, false, 30000, NULL, &cr));
    EXPECT(kafka_config_results_count(cr) == 2);
    EXPECT(kafka_config_results_error(cr, 0) == KAFKA_OK);
    EXPECT(strcmp(kafka_config_results_name(cr, 1), missing) == 0);
    EXPECT(kafka_config_results_error(cr, 1) == KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    kafka_config_results_free(cr);
    const char *keys[] = {"max.message.bytes", "retention.ms"};
    CHECK(kafka_client_describe_configs(c, res, 1, keys, 2, 30000, NULL, &cr));
    EXPECT(kafka_config_results_entry_count(cr, 0) == 2);
    EXPECT(strcmp(kafka_config_results_value(cr, 0, "max.message.bytes"), "300000") == 0);
    EXPECT(strcmp(kafka_config_results_value(cr, 0, "retention.ms"), "123456") != 0);
    kafka_config_results_free(cr);

    /* Argument checks name the argument. */
    kafka_config_op_t bad_op[] = {{KAFKA_RESOURCE_TOPIC, a, "x", "1", 9}};
    EXPECT(kafka_client_incremental_alter_configs(c, bad_op, 1, false, 1000, NULL, &cr) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "ops[0].op") != NULL);
    kafka_config_resource_t bad_res[] = {{7, a}};
    EXPECT(kafka_client_describe_configs(c, bad_res, 1, NULL, 0, 1000, NULL, &cr) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "resources[0].resource_type") != NULL);

    const char *del[] = {b, missing};
    CHECK(kafka_client_delete_topics(c, del, 2, 30000, NULL, &r));
    EXPECT(kafka_topic_results_error(r, 0) == KAFKA_OK);
    EXPECT(kafka_topic_results_error(r, 1) == KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    kafka_topic_results_free(r);
}

static void test_groups_and_offsets(kafka_client_t *c, const char *prefix) {
    const char *topic = name(3, prefix, "g"), *group = name(4, prefix, "group"), *nogroup = name(5, prefix, "nogroup");
    kafka_new_topic_t *t;
    kafka_topic_results_t *tr;
    CHECK(kafka_new_topic_new(topic, 1, 1, &t));
    const kafka_new_topic_t *ts[] = {t};
    CHECK(kafka_client_create_topics(c, ts, 1, false, 30000, NULL, &tr));
    EXPECT(kafka_topic_results_error(tr, 0) == KAFKA_OK);
    kafka_topic_results_free(tr);
    kafka_new_topic_free(t);
    int64_t before = now_ms();
    produce(topic, 10);

    /* A member that consumed 3 messages and committed them. */
    kafka_config_t *cfg;
    kafka_reader_t *rd;
    kafka_message_t *m[3];
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "group.id", group));
    CHECK(kafka_config_set(cfg, "reader.topic", topic));
    CHECK(kafka_config_set(cfg, "client.id", "c-lag-reader"));
    CHECK(kafka_reader_new(cfg, &rd));
    kafka_config_free(cfg);
    for (int i = 0; i < 3; i++)
        CHECK(kafka_reader_fetch(rd, 30000, NULL, &m[i]));
    CHECK(kafka_reader_commit(rd, (const kafka_message_t *const *)&m[2], 1, 10000, NULL));
    for (int i = 0; i < 3; i++)
        kafka_message_free(m[i]);

    kafka_group_list_t *gl;
    CHECK(kafka_client_list_groups(c, 30000, NULL, &gl));
    int listed = 0;
    for (size_t i = 0; i < kafka_group_list_count(gl); i++)
        if (strcmp(kafka_group_list_group_id(gl, i), group) == 0) {
            listed = 1;
            EXPECT(strcmp(kafka_group_list_protocol_type(gl, i), "consumer") == 0);
            EXPECT(strcmp(kafka_group_list_state(gl, i), "Stable") == 0);
            EXPECT(kafka_group_list_coordinator(gl, i) >= 0);
        }
    EXPECT(listed);
    kafka_group_list_free(gl);

    const char *groups[] = {group, nogroup};
    kafka_group_descriptions_t *gd;
    CHECK(kafka_client_describe_groups(c, groups, 2, 30000, NULL, &gd));
    EXPECT(kafka_group_descriptions_count(gd) == 2);
    EXPECT(kafka_group_descriptions_error(gd, 0) == KAFKA_OK);
    EXPECT(strcmp(kafka_group_descriptions_state(gd, 0), "Stable") == 0);
    EXPECT(strcmp(kafka_group_descriptions_protocol_type(gd, 0), "consumer") == 0);
    EXPECT(kafka_group_descriptions_member_count(gd, 0) == 1);
    EXPECT(strcmp(kafka_group_descriptions_member_client_id(gd, 0, 0), "c-lag-reader") == 0);
    EXPECT(strlen(kafka_group_descriptions_member_host(gd, 0, 0)) > 0);
    EXPECT(kafka_group_descriptions_member_instance_id(gd, 0, 0) == NULL);
    EXPECT(kafka_group_descriptions_member_topic_count(gd, 0, 0) == 1);
    EXPECT(strcmp(kafka_group_descriptions_member_topic(gd, 0, 0, 0), topic) == 0);
    EXPECT(kafka_group_descriptions_member_assignment_count(gd, 0, 0) == 1);
    const char *at;
    int32_t p = -1;
    CHECK(kafka_group_descriptions_member_assignment(gd, 0, 0, 0, &at, &p));
    EXPECT(strcmp(at, topic) == 0 && p == 0);
    EXPECT(kafka_group_descriptions_member_assignment(gd, 0, 0, 1, &at, &p) == KAFKA_ERR_NOT_FOUND);
    EXPECT(kafka_group_descriptions_error(gd, 1) == KAFKA_ERR_GROUP_ID_NOT_FOUND);
    EXPECT(kafka_group_descriptions_error_message(gd, 1) != NULL);
    kafka_group_descriptions_free(gd);

    kafka_offset_results_t *or;
    CHECK(kafka_client_offset_fetch(c, group, NULL, 0, 30000, NULL, &or));
    EXPECT(kafka_offset_results_count(or) == 1);
    EXPECT(strcmp(kafka_offset_results_topic(or, 0), topic) == 0);
    EXPECT(kafka_offset_results_partition(or, 0) == 0 && kafka_offset_results_offset(or, 0) == 3);
    EXPECT(kafka_offset_results_error(or, 0) == KAFKA_OK);
    kafka_offset_results_free(or);

    kafka_offset_query_t qs[] = {{topic, 0, KAFKA_OFFSET_FIRST}, {topic, 0, KAFKA_OFFSET_LAST},
                                 {topic, 0, before - 60000}, {topic, 0, KAFKA_OFFSET_MAX_TIMESTAMP}, {topic, 5, KAFKA_OFFSET_LAST}};
    CHECK(kafka_client_list_offsets(c, qs, 5, 30000, NULL, &or));
    EXPECT(kafka_offset_results_offset(or, 0) == 0);
    EXPECT(kafka_offset_results_offset(or, 1) == 10);
    EXPECT(kafka_offset_results_offset(or, 2) == 0);
    /* All 10 went in one batch with one timestamp: any of them may be "the" latest. */
    EXPECT(kafka_offset_results_offset(or, 3) >= 0 && kafka_offset_results_offset(or, 3) < 10);
    EXPECT(kafka_offset_results_timestamp(or, 3) >= before);
    EXPECT(kafka_offset_results_error(or, 4) == KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    EXPECT(kafka_offset_results_offset(or, 4) == -1);
    kafka_offset_results_free(or);

    kafka_group_lag_t *lag;
    CHECK(kafka_client_group_lag(c, group, 30000, NULL, &lag));
    EXPECT(kafka_group_lag_count(lag) == 1);
    EXPECT(strcmp(kafka_group_lag_topic(lag, 0), topic) == 0 && kafka_group_lag_partition(lag, 0) == 0);
    EXPECT(kafka_group_lag_committed(lag, 0) == 3 && kafka_group_lag_end_offset(lag, 0) == 10);
    EXPECT(kafka_group_lag_lag(lag, 0) == 7 && kafka_group_lag_error(lag, 0) == KAFKA_OK);
    EXPECT(kafka_group_lag_lag(lag, 1) == -1);
    kafka_group_lag_free(lag);

    /* A group with a member cannot be deleted; once it left, it can. */
    kafka_group_results_t *gr;
    CHECK(kafka_client_delete_groups(c, groups, 2, 30000, NULL, &gr));
    EXPECT(kafka_group_results_error(gr, 0) == KAFKA_ERR_NON_EMPTY_GROUP);
    EXPECT(kafka_group_results_error(gr, 1) == KAFKA_ERR_GROUP_ID_NOT_FOUND);
    kafka_group_results_free(gr);
    CHECK(kafka_reader_close(rd, 10000, NULL));
    CHECK(kafka_client_delete_groups(c, groups, 1, 30000, NULL, &gr));
    EXPECT(strcmp(kafka_group_results_group_id(gr, 0), group) == 0);
    EXPECT(kafka_group_results_error(gr, 0) == KAFKA_OK && kafka_group_results_error_message(gr, 0) == NULL);
    kafka_group_results_free(gr);
}

static void test_arguments_and_cancel(kafka_client_t *c) {
    kafka_client_t *none = NULL;
    kafka_config_t *cfg;
    CHECK(kafka_config_new(&cfg));
    EXPECT(kafka_client_new(cfg, &none) == KAFKA_ERR_CONFIG && none == NULL); /* no bootstrap.servers */
    EXPECT(strstr(kafka_last_error_message(), "bootstrap.servers") != NULL);
    EXPECT(kafka_client_new(NULL, &none) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "kafka_client_new: cfg is NULL") != NULL);
    kafka_config_free(cfg);

    kafka_topic_results_t *r = NULL;
    EXPECT(kafka_client_delete_topics(c, NULL, 0, 1000, NULL, &r) == KAFKA_ERR_INVALID_ARG && r == NULL);
    EXPECT(strstr(kafka_last_error_message(), "kafka_client_delete_topics: count is 0") != NULL);
    const char *one[] = {"x"};
    EXPECT(kafka_client_delete_topics(c, one, 1, 1000, NULL, NULL) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "out is NULL") != NULL);
    EXPECT(kafka_client_list_groups(NULL, 1000, NULL, NULL) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "client is NULL") != NULL);
    EXPECT(kafka_client_group_lag(c, NULL, 1000, NULL, NULL) == KAFKA_ERR_INVALID_ARG);
    EXPECT(kafka_topic_results_count(NULL) == 0 && kafka_group_lag_lag(NULL, 0) == -1);
    kafka_topic_results_free(NULL);
    kafka_client_close(NULL);

    /* A fired token stops a call at once. */
    kafka_cancel_t *cancel;
    CHECK(kafka_cancel_new(&cancel));
    CHECK(kafka_cancel_fire(cancel));
    kafka_group_list_t *gl = NULL;
    EXPECT(kafka_client_list_groups(c, 10000, cancel, &gl) == KAFKA_ERR_CANCELLED && gl == NULL);
    kafka_cancel_free(cancel);

    /* An unreachable cluster: the call ends with its timeout. */
    kafka_client_t *dead;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", "127.0.0.1:1"));
    CHECK(kafka_client_new(cfg, &dead));
    kafka_config_free(cfg);
    int64_t start = now_ms();
    kafka_err_t e = kafka_client_list_groups(dead, 500, NULL, &gl);
    EXPECT(e == KAFKA_ERR_TIMED_OUT || e == KAFKA_ERR_TRANSPORT);
    EXPECT(now_ms() - start < 5000);
    kafka_client_close(dead);
}

int main(int argc, char **argv) {
    char prefix[96];
    snprintf(prefix, sizeof prefix, "%s", argc > 1 ? argv[1] : "c-client");
    kafka_config_t *cfg;
    kafka_client_t *c;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "client.id", "c-admin-test"));
    CHECK(kafka_client_new(cfg, &c));
    kafka_config_free(cfg);

    test_topics(c, prefix);
    test_groups_and_offsets(c, prefix);
    test_arguments_and_cancel(c);
    kafka_client_close(c);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("all client C API checks passed\n");
    return 0;
}
