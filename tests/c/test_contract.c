/* The C API's contract, checked for every exported function without a broker.
 *
 * Each function of include/kafka_rs.h has one entry in `entries` below, named after it.
 * `test_contract --list` prints "contract: <name>" per entry; the ctest test
 * c_api_contract_covers_every_function compares that list with the header
 * (scripts/ffi_functions.py), so a function added to the header without an entry here
 * fails the suite.
 *
 * What an entry checks, as far as it applies to the function:
 * - a NULL handle or required pointer gives KAFKA_ERR_INVALID_ARG and a last error message
 *   naming the argument;
 * - NULL-safe functions (free/close, accessors) do not crash and return their documented
 *   "nothing" value;
 * - output parameters keep their value when the call fails (they are pre-filled with a
 *   sentinel);
 * - (buf, size*) functions follow BUFFER_TOO_SMALL: *size receives the size needed and
 *   nothing is copied;
 * - with real handles made without a broker (config, cancel token, mock cluster, a conn to
 *   the mock cluster, writer/reader/client pointed at 127.0.0.1:1), bad other arguments. */
#include <stdint.h>
#include <string.h>

#include "check.h"

#define NOWHERE "127.0.0.1:1"

/* Sentinels an output must still hold after a failed call. */
#define SENT_PTR ((void *)(uintptr_t)0x5e5e5e5eu)
#define SENT_I64 ((int64_t)0x5e5e5e5e5e5eLL)
#define SENT_I32 ((int32_t)0x5e5e5e5e)
#define SENT_SZ ((size_t)0x5e5e5e5eu)

/* A count above isize::MAX: refused before the array is touched. */
#define HUGE_COUNT ((size_t)PTRDIFF_MAX + 1)

static void inval(kafka_err_t rc, const char *arg, const char *call, int line) {
    const char *msg = kafka_last_error_message();
    if (rc != KAFKA_ERR_INVALID_ARG) {
        fprintf(stderr, "%s:%d: %s returned %d (%s), expected KAFKA_ERR_INVALID_ARG\n", __FILE__, line, call,
                (int)rc, kafka_err_name(rc));
        failures++;
        return;
    }
    if (msg == NULL || msg[0] == '\0' || strstr(msg, arg) == NULL) {
        fprintf(stderr, "%s:%d: %s: last error message \"%s\" does not name `%s`\n", __FILE__, line, call,
                msg ? msg : "(null)", arg);
        failures++;
    }
}

/* `call` must fail with KAFKA_ERR_INVALID_ARG and a message naming `arg`. */
#define INVAL(call, arg) inval((call), (arg), #call, __LINE__)

/* `call` must fail with the code `want`. */
#define FAILS_WITH(call, want)                                                                             \
    do {                                                                                                   \
        kafka_err_t rc_ = (call);                                                                          \
        if (rc_ != (want)) {                                                                               \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %s\n", __FILE__, __LINE__, #call, (int)rc_, \
                    kafka_err_name(rc_), #want);                                                           \
            failures++;                                                                                    \
        }                                                                                                  \
    } while (0)

#define OK(call) FAILS_WITH(call, KAFKA_OK)

/* Handles made once in main, without a broker. */
static kafka_config_t *cfg_nowhere;   /* bootstrap 127.0.0.1:1 */
static kafka_config_t *cfg_writer;    /* + writer.topic */
static kafka_config_t *cfg_reader;    /* + reader.topic */
static kafka_cancel_t *cancel;
static kafka_mock_cluster_t *mc;
static char mc_bootstrap[256];
static kafka_conn_t *conn;            /* to the mock cluster's broker */
static kafka_writer_t *writer;        /* to 127.0.0.1:1 */
static kafka_reader_t *reader;        /* to 127.0.0.1:1 */
static kafka_client_t *client;        /* to 127.0.0.1:1 */
static kafka_client_t *client_mc;     /* to the mock cluster */
static kafka_message_t *msg;          /* read back from topic "m": key "k", value "v", header h=1 */

/* An entry: the function it covers, by name, and its checks. */
#define ENTRY(fn) static void t_##fn(void)

/* ---- batch ---- */
ENTRY(kafka_batch_next) {
    kafka_message_t *out = SENT_PTR;
    INVAL(kafka_batch_next(NULL, &out), "batch");
    EXPECT(out == SENT_PTR);
    kafka_batch_t *b = SENT_PTR;
    OK(kafka_conn_read_batch(conn, 1, 1 << 20, 0, 2000, NULL, &b));
    EXPECT(b != SENT_PTR && b != NULL);
    INVAL(kafka_batch_next(b, NULL), "out");
    FAILS_WITH(kafka_batch_next(b, &out), KAFKA_ERR_END_OF_BATCH);
    EXPECT(out == SENT_PTR);
    kafka_batch_close(b);
}
ENTRY(kafka_batch_high_water_mark) { EXPECT(kafka_batch_high_water_mark(NULL) == -1); }
ENTRY(kafka_batch_close) { kafka_batch_close(NULL); }

/* ---- broker list ---- */
static kafka_broker_list_t *broker_list(void) {
    kafka_broker_list_t *l = SENT_PTR;
    OK(kafka_conn_brokers(conn, 2000, NULL, &l));
    return l == SENT_PTR ? NULL : l;
}
ENTRY(kafka_broker_list_count) {
    EXPECT(kafka_broker_list_count(NULL) == 0);
    kafka_broker_list_t *l = broker_list();
    EXPECT(kafka_broker_list_count(l) == 1);
    kafka_broker_list_free(l);
}
ENTRY(kafka_broker_list_get) {
    int32_t id = SENT_I32, port = SENT_I32;
    const char *host = SENT_PTR, *rack = SENT_PTR;
    INVAL(kafka_broker_list_get(NULL, 0, &id, &host, &port, &rack), "list");
    kafka_broker_list_t *l = broker_list();
    FAILS_WITH(kafka_broker_list_get(l, 1, &id, &host, &port, &rack), KAFKA_ERR_NOT_FOUND);
    EXPECT(id == SENT_I32 && port == SENT_I32 && host == SENT_PTR && rack == SENT_PTR);
    OK(kafka_broker_list_get(l, 0, NULL, NULL, NULL, NULL));
    OK(kafka_broker_list_get(l, 0, &id, &host, &port, &rack));
    EXPECT(host != SENT_PTR && port > 0);
    kafka_broker_list_free(l);
}
ENTRY(kafka_broker_list_addr) {
    EXPECT(kafka_broker_list_addr(NULL, 0) == NULL);
    kafka_broker_list_t *l = broker_list();
    EXPECT(kafka_broker_list_addr(l, 1) == NULL);
    EXPECT(kafka_broker_list_addr(l, 0) != NULL);
    kafka_broker_list_free(l);
}
ENTRY(kafka_broker_list_free) { kafka_broker_list_free(NULL); }

/* ---- cancel ---- */
ENTRY(kafka_cancel_new) { INVAL(kafka_cancel_new(NULL), "out"); }
ENTRY(kafka_cancel_fire) {
    INVAL(kafka_cancel_fire(NULL), "cancel");
    INVAL(kafka_cancel_fire((const kafka_cancel_t *)(const void *)cfg_nowhere), "cancel");
}
ENTRY(kafka_cancel_reset) {
    INVAL(kafka_cancel_reset(NULL), "cancel");
    kafka_cancel_t *c = SENT_PTR;
    OK(kafka_cancel_new(&c));
    OK(kafka_cancel_fire(c));
    EXPECT(kafka_cancel_is_fired(c) == 1);
    OK(kafka_cancel_reset(c));
    EXPECT(kafka_cancel_is_fired(c) == 0);
    kafka_cancel_free(c);
}
ENTRY(kafka_cancel_is_fired) { EXPECT(kafka_cancel_is_fired(NULL) == 0); }
ENTRY(kafka_cancel_free) { kafka_cancel_free(NULL); }

/* ---- client ---- */
ENTRY(kafka_client_new) {
    kafka_client_t *out = SENT_PTR;
    INVAL(kafka_client_new(NULL, &out), "cfg");
    EXPECT(out == SENT_PTR);
    INVAL(kafka_client_new(cfg_nowhere, NULL), "out");
}
ENTRY(kafka_client_close) { kafka_client_close(NULL); }
ENTRY(kafka_client_create_topics) {
    kafka_topic_results_t *out = SENT_PTR;
    INVAL(kafka_client_create_topics(NULL, NULL, 0, false, 100, NULL, &out), "client");
    INVAL(kafka_client_create_topics(client, NULL, 1, false, 100, NULL, &out), "topics");
    const kafka_new_topic_t *one[1] = {NULL};
    INVAL(kafka_client_create_topics(client, one, 1, false, 100, NULL, &out), "topics[0]");
    INVAL(kafka_client_create_topics(client, one, HUGE_COUNT, false, 100, NULL, &out), "count");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_client_delete_topics) {
    kafka_topic_results_t *out = SENT_PTR;
    const char *names[1] = {"t"};
    INVAL(kafka_client_delete_topics(NULL, names, 1, 100, NULL, &out), "client");
    INVAL(kafka_client_delete_topics(client, NULL, 1, 100, NULL, &out), "topics");
    INVAL(kafka_client_delete_topics(client, names, 1, 100, NULL, NULL), "out");
    INVAL(kafka_client_delete_topics(client, names, HUGE_COUNT, 100, NULL, &out), "count");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_client_create_partitions) {
    kafka_topic_results_t *out = SENT_PTR;
    INVAL(kafka_client_create_partitions(NULL, NULL, 0, false, 100, NULL, &out), "client");
    INVAL(kafka_client_create_partitions(client, NULL, 1, false, 100, NULL, &out), "topics");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_client_describe_configs) {
    kafka_config_results_t *out = SENT_PTR;
    INVAL(kafka_client_describe_configs(NULL, NULL, 0, NULL, 0, 100, NULL, &out), "client");
    INVAL(kafka_client_describe_configs(client, NULL, 1, NULL, 0, 100, NULL, &out), "resources");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_client_incremental_alter_configs) {
    kafka_config_results_t *out = SENT_PTR;
    INVAL(kafka_client_incremental_alter_configs(NULL, NULL, 0, false, 100, NULL, &out), "client");
    INVAL(kafka_client_incremental_alter_configs(client, NULL, 1, false, 100, NULL, &out), "ops");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_client_list_groups) {
    kafka_group_list_t *out = SENT_PTR;
    INVAL(kafka_client_list_groups(NULL, 100, NULL, &out), "client");
    INVAL(kafka_client_list_groups(client, 100, NULL, NULL), "out");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_client_describe_groups) {
    kafka_group_descriptions_t *out = SENT_PTR;
    const char *g[1] = {"g"};
    INVAL(kafka_client_describe_groups(NULL, g, 1, 100, NULL, &out), "client");
    INVAL(kafka_client_describe_groups(client, NULL, 1, 100, NULL, &out), "groups");
    INVAL(kafka_client_describe_groups(client, g, 1, 100, NULL, NULL), "out");
    INVAL(kafka_client_describe_groups(client, g, HUGE_COUNT, 100, NULL, &out), "count");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_client_delete_groups) {
    kafka_group_results_t *out = SENT_PTR;
    const char *g[1] = {"g"};
    INVAL(kafka_client_delete_groups(NULL, g, 1, 100, NULL, &out), "client");
    INVAL(kafka_client_delete_groups(client, NULL, 1, 100, NULL, &out), "groups");
    INVAL(kafka_client_delete_groups(client, g, 1, 100, NULL, NULL), "out");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_client_list_offsets) {
    kafka_offset_results_t *out = SENT_PTR;
    INVAL(kafka_client_list_offsets(NULL, NULL, 0, 100, NULL, &out), "client");
    INVAL(kafka_client_list_offsets(client, NULL, 1, 100, NULL, &out), "queries");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_client_offset_fetch) {
    kafka_offset_results_t *out = SENT_PTR;
    INVAL(kafka_client_offset_fetch(NULL, "g", NULL, 0, 100, NULL, &out), "client");
    INVAL(kafka_client_offset_fetch(client, NULL, NULL, 0, 100, NULL, &out), "group");
    INVAL(kafka_client_offset_fetch(client, "g", NULL, 1, 100, NULL, &out), "topics");
    INVAL(kafka_client_offset_fetch(client, "g", NULL, 0, 100, NULL, NULL), "out");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_client_group_lag) {
    kafka_group_lag_t *out = SENT_PTR;
    INVAL(kafka_client_group_lag(NULL, "g", 100, NULL, &out), "client");
    INVAL(kafka_client_group_lag(client, NULL, 100, NULL, &out), "group");
    INVAL(kafka_client_group_lag(client, "g", 100, NULL, NULL), "out");
    EXPECT(out == SENT_PTR);
}

/* ---- result lists of the client: NULL-safe accessors, and an index past the end of a real list ---- */

/* Creating the existing topic "t" on the mock cluster: one result, TOPIC_ALREADY_EXISTS. */
static kafka_topic_results_t *topic_results(void) {
    kafka_new_topic_t *t = NULL;
    OK(kafka_new_topic_new("t", 1, 1, &t));
    const kafka_new_topic_t *topics[1] = {t};
    kafka_topic_results_t *res = SENT_PTR;
    OK(kafka_client_create_topics(client_mc, topics, 1, false, 5000, NULL, &res));
    kafka_new_topic_free(t);
    return res == SENT_PTR ? NULL : res;
}
ENTRY(kafka_topic_results_count) {
    EXPECT(kafka_topic_results_count(NULL) == 0);
    kafka_topic_results_t *r = topic_results();
    EXPECT(kafka_topic_results_count(r) == 1);
    kafka_topic_results_free(r);
}
ENTRY(kafka_topic_results_name) {
    EXPECT(kafka_topic_results_name(NULL, 0) == NULL);
    kafka_topic_results_t *r = topic_results();
    EXPECT(kafka_topic_results_name(r, 1) == NULL);
    EXPECT(kafka_topic_results_name(r, 0) != NULL && strcmp(kafka_topic_results_name(r, 0), "t") == 0);
    kafka_topic_results_free(r);
}
ENTRY(kafka_topic_results_error) {
    EXPECT(kafka_topic_results_error(NULL, 0) == KAFKA_ERR_INVALID_ARG);
    kafka_topic_results_t *r = topic_results();
    EXPECT(kafka_topic_results_error(r, 1) == KAFKA_ERR_INVALID_ARG);
    EXPECT(kafka_topic_results_error(r, 0) == KAFKA_ERR_TOPIC_ALREADY_EXISTS);
    kafka_topic_results_free(r);
}
ENTRY(kafka_topic_results_error_message) {
    EXPECT(kafka_topic_results_error_message(NULL, 0) == NULL);
    kafka_topic_results_t *r = topic_results();
    EXPECT(kafka_topic_results_error_message(r, 1) == NULL);
    EXPECT(kafka_topic_results_error_message(r, 0) != NULL);
    kafka_topic_results_free(r);
}
ENTRY(kafka_topic_results_free) { kafka_topic_results_free(NULL); }
ENTRY(kafka_config_results_count) { EXPECT(kafka_config_results_count(NULL) == 0); }
ENTRY(kafka_config_results_resource_type) { EXPECT(kafka_config_results_resource_type(NULL, 0) == -1); }
ENTRY(kafka_config_results_name) { EXPECT(kafka_config_results_name(NULL, 0) == NULL); }
ENTRY(kafka_config_results_error) { EXPECT(kafka_config_results_error(NULL, 0) == KAFKA_ERR_INVALID_ARG); }
ENTRY(kafka_config_results_error_message) { EXPECT(kafka_config_results_error_message(NULL, 0) == NULL); }
ENTRY(kafka_config_results_entry_count) { EXPECT(kafka_config_results_entry_count(NULL, 0) == 0); }
ENTRY(kafka_config_results_entry_name) { EXPECT(kafka_config_results_entry_name(NULL, 0, 0) == NULL); }
ENTRY(kafka_config_results_entry_value) { EXPECT(kafka_config_results_entry_value(NULL, 0, 0) == NULL); }
ENTRY(kafka_config_results_entry_source) { EXPECT(kafka_config_results_entry_source(NULL, 0, 0) == -1); }
ENTRY(kafka_config_results_entry_is_read_only) { EXPECT(!kafka_config_results_entry_is_read_only(NULL, 0, 0)); }
ENTRY(kafka_config_results_entry_is_sensitive) { EXPECT(!kafka_config_results_entry_is_sensitive(NULL, 0, 0)); }
ENTRY(kafka_config_results_value) {
    EXPECT(kafka_config_results_value(NULL, 0, "x") == NULL);
    EXPECT(kafka_config_results_value(NULL, 0, NULL) == NULL);
}
ENTRY(kafka_config_results_free) { kafka_config_results_free(NULL); }
ENTRY(kafka_group_list_count) { EXPECT(kafka_group_list_count(NULL) == 0); }
ENTRY(kafka_group_list_group_id) { EXPECT(kafka_group_list_group_id(NULL, 0) == NULL); }
ENTRY(kafka_group_list_protocol_type) { EXPECT(kafka_group_list_protocol_type(NULL, 0) == NULL); }
ENTRY(kafka_group_list_state) { EXPECT(kafka_group_list_state(NULL, 0) == NULL); }
ENTRY(kafka_group_list_type) { EXPECT(kafka_group_list_type(NULL, 0) == NULL); }
ENTRY(kafka_group_list_coordinator) { EXPECT(kafka_group_list_coordinator(NULL, 0) == -1); }
ENTRY(kafka_group_list_free) { kafka_group_list_free(NULL); }
ENTRY(kafka_group_descriptions_count) { EXPECT(kafka_group_descriptions_count(NULL) == 0); }
ENTRY(kafka_group_descriptions_group_id) { EXPECT(kafka_group_descriptions_group_id(NULL, 0) == NULL); }
ENTRY(kafka_group_descriptions_error) {
    EXPECT(kafka_group_descriptions_error(NULL, 0) == KAFKA_ERR_INVALID_ARG);
}
ENTRY(kafka_group_descriptions_error_message) { EXPECT(kafka_group_descriptions_error_message(NULL, 0) == NULL); }
ENTRY(kafka_group_descriptions_state) { EXPECT(kafka_group_descriptions_state(NULL, 0) == NULL); }
ENTRY(kafka_group_descriptions_protocol_type) { EXPECT(kafka_group_descriptions_protocol_type(NULL, 0) == NULL); }
ENTRY(kafka_group_descriptions_protocol) { EXPECT(kafka_group_descriptions_protocol(NULL, 0) == NULL); }
ENTRY(kafka_group_descriptions_member_count) { EXPECT(kafka_group_descriptions_member_count(NULL, 0) == 0); }
ENTRY(kafka_group_descriptions_member_id) { EXPECT(kafka_group_descriptions_member_id(NULL, 0, 0) == NULL); }
ENTRY(kafka_group_descriptions_member_instance_id) {
    EXPECT(kafka_group_descriptions_member_instance_id(NULL, 0, 0) == NULL);
}
ENTRY(kafka_group_descriptions_member_client_id) {
    EXPECT(kafka_group_descriptions_member_client_id(NULL, 0, 0) == NULL);
}
ENTRY(kafka_group_descriptions_member_host) { EXPECT(kafka_group_descriptions_member_host(NULL, 0, 0) == NULL); }
ENTRY(kafka_group_descriptions_member_topic_count) {
    EXPECT(kafka_group_descriptions_member_topic_count(NULL, 0, 0) == 0);
}
ENTRY(kafka_group_descriptions_member_topic) {
    EXPECT(kafka_group_descriptions_member_topic(NULL, 0, 0, 0) == NULL);
}
ENTRY(kafka_group_descriptions_member_assignment_count) {
    EXPECT(kafka_group_descriptions_member_assignment_count(NULL, 0, 0) == 0);
}
ENTRY(kafka_group_descriptions_member_assignment) {
    const char *topic = SENT_PTR;
    int32_t partition = SENT_I32;
    INVAL(kafka_group_descriptions_member_assignment(NULL, 0, 0, 0, &topic, &partition), "groups");
    EXPECT(topic == SENT_PTR && partition == SENT_I32);
}
ENTRY(kafka_group_descriptions_free) { kafka_group_descriptions_free(NULL); }
ENTRY(kafka_group_results_count) { EXPECT(kafka_group_results_count(NULL) == 0); }
ENTRY(kafka_group_results_group_id) { EXPECT(kafka_group_results_group_id(NULL, 0) == NULL); }
ENTRY(kafka_group_results_error) { EXPECT(kafka_group_results_error(NULL, 0) == KAFKA_ERR_INVALID_ARG); }
ENTRY(kafka_group_results_error_message) { EXPECT(kafka_group_results_error_message(NULL, 0) == NULL); }
ENTRY(kafka_group_results_free) { kafka_group_results_free(NULL); }
/* ListOffsets of "t"/0 at its end on the mock cluster: one entry, offset 0. */
static kafka_offset_results_t *offset_results(void) {
    kafka_offset_query_t q = {"t", 0, KAFKA_OFFSET_LAST};
    kafka_offset_results_t *res = SENT_PTR;
    OK(kafka_client_list_offsets(client_mc, &q, 1, 5000, NULL, &res));
    return res == SENT_PTR ? NULL : res;
}
ENTRY(kafka_offset_results_count) {
    EXPECT(kafka_offset_results_count(NULL) == 0);
    kafka_offset_results_t *r = offset_results();
    EXPECT(kafka_offset_results_count(r) == 1);
    kafka_offset_results_free(r);
}
ENTRY(kafka_offset_results_topic) {
    EXPECT(kafka_offset_results_topic(NULL, 0) == NULL);
    kafka_offset_results_t *r = offset_results();
    EXPECT(kafka_offset_results_topic(r, 1) == NULL);
    EXPECT(kafka_offset_results_topic(r, 0) != NULL);
    kafka_offset_results_free(r);
}
ENTRY(kafka_offset_results_partition) {
    EXPECT(kafka_offset_results_partition(NULL, 0) == -1);
    kafka_offset_results_t *r = offset_results();
    EXPECT(kafka_offset_results_partition(r, 1) == -1);
    EXPECT(kafka_offset_results_partition(r, 0) == 0);
    kafka_offset_results_free(r);
}
ENTRY(kafka_offset_results_offset) {
    EXPECT(kafka_offset_results_offset(NULL, 0) == -1);
    kafka_offset_results_t *r = offset_results();
    EXPECT(kafka_offset_results_offset(r, 1) == -1);
    EXPECT(kafka_offset_results_offset(r, 0) == 0);
    kafka_offset_results_free(r);
}
ENTRY(kafka_offset_results_timestamp) {
    EXPECT(kafka_offset_results_timestamp(NULL, 0) == -1);
    kafka_offset_results_t *r = offset_results();
    EXPECT(kafka_offset_results_timestamp(r, 1) == -1);
    kafka_offset_results_free(r);
}
ENTRY(kafka_offset_results_leader_epoch) {
    EXPECT(kafka_offset_results_leader_epoch(NULL, 0) == -1);
    kafka_offset_results_t *r = offset_results();
    EXPECT(kafka_offset_results_leader_epoch(r, 1) == -1);
    kafka_offset_results_free(r);
}
ENTRY(kafka_offset_results_metadata) {
    EXPECT(kafka_offset_results_metadata(NULL, 0) == NULL);
    kafka_offset_results_t *r = offset_results();
    EXPECT(kafka_offset_results_metadata(r, 1) == NULL);
    kafka_offset_results_free(r);
}
ENTRY(kafka_offset_results_error) {
    EXPECT(kafka_offset_results_error(NULL, 0) == KAFKA_ERR_INVALID_ARG);
    kafka_offset_results_t *r = offset_results();
    EXPECT(kafka_offset_results_error(r, 1) == KAFKA_ERR_INVALID_ARG);
    EXPECT(kafka_offset_results_error(r, 0) == KAFKA_OK);
    kafka_offset_results_free(r);
}
ENTRY(kafka_offset_results_error_message) {
    EXPECT(kafka_offset_results_error_message(NULL, 0) == NULL);
    kafka_offset_results_t *r = offset_results();
    EXPECT(kafka_offset_results_error_message(r, 1) == NULL);
    EXPECT(kafka_offset_results_error_message(r, 0) == NULL);
    kafka_offset_results_free(r);
}
ENTRY(kafka_offset_results_free) { kafka_offset_results_free(NULL); }
/* The lag of group "g", which never committed, on the mock cluster: an empty list. */
static kafka_group_lag_t *group_lag(void) {
    kafka_group_lag_t *l = SENT_PTR;
    OK(kafka_client_group_lag(client_mc, "g", 5000, NULL, &l));
    return l == SENT_PTR ? NULL : l;
}
#define LAG_ENTRY(fn, nothing)                       \
    ENTRY(fn) {                                      \
        EXPECT(fn(NULL, 0) == (nothing));            \
        kafka_group_lag_t *l = group_lag();          \
        EXPECT(l != NULL);                           \
        EXPECT(fn(l, 0) == (nothing));               \
        kafka_group_lag_free(l);                     \
    }
ENTRY(kafka_group_lag_count) {
    EXPECT(kafka_group_lag_count(NULL) == 0);
    kafka_group_lag_t *l = group_lag();
    EXPECT(l != NULL && kafka_group_lag_count(l) == 0);
    kafka_group_lag_free(l);
}
LAG_ENTRY(kafka_group_lag_topic, NULL)
LAG_ENTRY(kafka_group_lag_partition, -1)
LAG_ENTRY(kafka_group_lag_committed, -1)
LAG_ENTRY(kafka_group_lag_end_offset, -1)
LAG_ENTRY(kafka_group_lag_lag, -1)
LAG_ENTRY(kafka_group_lag_error, KAFKA_ERR_INVALID_ARG)
LAG_ENTRY(kafka_group_lag_error_message, NULL)
ENTRY(kafka_group_lag_free) { kafka_group_lag_free(NULL); }

/* ---- config ---- */
ENTRY(kafka_config_new) { INVAL(kafka_config_new(NULL), "out"); }
ENTRY(kafka_config_set) {
    INVAL(kafka_config_set(NULL, "acks", "1"), "cfg");
    INVAL(kafka_config_set(cfg_nowhere, NULL, "1"), "key");
    INVAL(kafka_config_set(cfg_nowhere, "acks", NULL), "value");
    FAILS_WITH(kafka_config_set(cfg_nowhere, "no.such.key", "1"), KAFKA_ERR_CONFIG);
}
ENTRY(kafka_config_get) {
    char buf[64];
    size_t size = sizeof buf;
    memset(buf, 'x', sizeof buf);
    INVAL(kafka_config_get(NULL, "bootstrap.servers", buf, &size), "cfg");
    INVAL(kafka_config_get(cfg_nowhere, NULL, buf, &size), "key");
    INVAL(kafka_config_get(cfg_nowhere, "bootstrap.servers", buf, NULL), "size");
    EXPECT(size == sizeof buf && buf[0] == 'x');
    /* BUFFER_TOO_SMALL: the size needed (with the NUL), nothing copied. */
    size = 3;
    FAILS_WITH(kafka_config_get(cfg_nowhere, "bootstrap.servers", buf, &size), KAFKA_ERR_BUFFER_TOO_SMALL);
    EXPECT(size == strlen(NOWHERE) + 1);
    EXPECT(buf[0] == 'x');
    size = 0;
    FAILS_WITH(kafka_config_get(cfg_nowhere, "bootstrap.servers", NULL, &size), KAFKA_ERR_BUFFER_TOO_SMALL);
    EXPECT(size == strlen(NOWHERE) + 1);
    OK(kafka_config_get(cfg_nowhere, "bootstrap.servers", buf, &size));
    EXPECT(strcmp(buf, NOWHERE) == 0);
}
ENTRY(kafka_config_free) { kafka_config_free(NULL); }

/* ---- conn ---- */
ENTRY(kafka_conn_dial) {
    kafka_conn_t *out = SENT_PTR;
    INVAL(kafka_conn_dial(NULL, NOWHERE, 100, NULL, &out), "cfg");
    INVAL(kafka_conn_dial(cfg_nowhere, NULL, 100, NULL, &out), "addr");
    INVAL(kafka_conn_dial(cfg_nowhere, NOWHERE, 100, NULL, NULL), "out");
    /* nothing listens there: a failure, and out untouched */
    kafka_err_t rc = kafka_conn_dial(cfg_nowhere, NOWHERE, 1000, NULL, &out);
    EXPECT(rc != KAFKA_OK);
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_conn_dial_leader) {
    kafka_conn_t *out = SENT_PTR;
    INVAL(kafka_conn_dial_leader(NULL, NOWHERE, "t", 0, 100, NULL, &out), "cfg");
    INVAL(kafka_conn_dial_leader(cfg_nowhere, NULL, "t", 0, 100, NULL, &out), "addr");
    INVAL(kafka_conn_dial_leader(cfg_nowhere, NOWHERE, NULL, 0, 100, NULL, &out), "topic");
    INVAL(kafka_conn_dial_leader(cfg_nowhere, NOWHERE, "t", 0, 100, NULL, NULL), "out");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_conn_controller) {
    kafka_broker_list_t *out = SENT_PTR;
    INVAL(kafka_conn_controller(NULL, 100, NULL, &out), "conn");
    INVAL(kafka_conn_controller(conn, 100, NULL, NULL), "out");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_conn_brokers) {
    kafka_broker_list_t *out = SENT_PTR;
    INVAL(kafka_conn_brokers(NULL, 100, NULL, &out), "conn");
    INVAL(kafka_conn_brokers(conn, 100, NULL, NULL), "out");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_conn_read_partitions) {
    kafka_partition_list_t *out = SENT_PTR;
    INVAL(kafka_conn_read_partitions(NULL, NULL, 0, 100, NULL, &out), "conn");
    INVAL(kafka_conn_read_partitions(conn, NULL, 1, 100, NULL, &out), "topics");
    const char *names[1] = {"t"};
    INVAL(kafka_conn_read_partitions(conn, names, HUGE_COUNT, 100, NULL, &out), "count");
    INVAL(kafka_conn_read_partitions(conn, NULL, 0, 100, NULL, NULL), "out");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_conn_create_topics) {
    INVAL(kafka_conn_create_topics(NULL, NULL, 0, 100, NULL), "conn");
    INVAL(kafka_conn_create_topics(conn, NULL, 1, 100, NULL), "topics");
}
ENTRY(kafka_conn_delete_topics) {
    INVAL(kafka_conn_delete_topics(NULL, NULL, 0, 100, NULL), "conn");
    INVAL(kafka_conn_delete_topics(conn, NULL, 1, 100, NULL), "topics");
}
ENTRY(kafka_conn_set_required_acks) {
    INVAL(kafka_conn_set_required_acks(NULL, 1), "conn");
    INVAL(kafka_conn_set_required_acks(conn, 7), "acks");
}
ENTRY(kafka_conn_write_messages) {
    int64_t base = SENT_I64;
    INVAL(kafka_conn_write_messages(NULL, NULL, 0, 0, 100, NULL, &base), "conn");
    INVAL(kafka_conn_write_messages(conn, NULL, 1, 0, 100, NULL, &base), "msgs");
    kafka_msg_t m = {0};
    INVAL(kafka_conn_write_messages(conn, &m, HUGE_COUNT, 0, 100, NULL, &base), "count");
    EXPECT(base == SENT_I64);
}
ENTRY(kafka_conn_read_batch) {
    kafka_batch_t *out = SENT_PTR;
    INVAL(kafka_conn_read_batch(NULL, 1, 1000, 0, 100, NULL, &out), "conn");
    INVAL(kafka_conn_read_batch(conn, 1, 1000, 0, 100, NULL, NULL), "out");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_conn_read_message) {
    kafka_message_t *out = SENT_PTR;
    INVAL(kafka_conn_read_message(NULL, 1000, 100, NULL, &out), "conn");
    INVAL(kafka_conn_read_message(conn, 1000, 100, NULL, NULL), "out");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_conn_first_offset) {
    int64_t off = SENT_I64;
    INVAL(kafka_conn_first_offset(NULL, 100, NULL, &off), "conn");
    INVAL(kafka_conn_first_offset(conn, 100, NULL, NULL), "offset");
    EXPECT(off == SENT_I64);
}
ENTRY(kafka_conn_last_offset) {
    int64_t off = SENT_I64;
    INVAL(kafka_conn_last_offset(NULL, 100, NULL, &off), "conn");
    INVAL(kafka_conn_last_offset(conn, 100, NULL, NULL), "offset");
    EXPECT(off == SENT_I64);
}
ENTRY(kafka_conn_offsets) {
    int64_t first = SENT_I64, last = SENT_I64;
    INVAL(kafka_conn_offsets(NULL, 100, NULL, &first, &last), "conn");
    INVAL(kafka_conn_offsets(conn, 100, NULL, NULL, &last), "first");
    INVAL(kafka_conn_offsets(conn, 100, NULL, &first, NULL), "last");
    EXPECT(first == SENT_I64 && last == SENT_I64);
}
ENTRY(kafka_conn_offset_at) {
    int64_t off = SENT_I64;
    INVAL(kafka_conn_offset_at(NULL, 0, 100, NULL, &off), "conn");
    INVAL(kafka_conn_offset_at(conn, 0, 100, NULL, NULL), "offset");
    EXPECT(off == SENT_I64);
}
ENTRY(kafka_conn_seek) {
    int64_t off = SENT_I64;
    INVAL(kafka_conn_seek(NULL, 0, 0, 100, NULL, &off), "conn");
    INVAL(kafka_conn_seek(conn, 0, 99, 100, NULL, &off), "whence");
    EXPECT(off == SENT_I64);
}
ENTRY(kafka_conn_offset) {
    int64_t off = SENT_I64;
    int32_t whence = SENT_I32;
    INVAL(kafka_conn_offset(NULL, &off, &whence), "conn");
    INVAL(kafka_conn_offset(conn, NULL, &whence), "offset");
    INVAL(kafka_conn_offset(conn, &off, NULL), "whence");
    EXPECT(off == SENT_I64 && whence == SENT_I32);
    OK(kafka_conn_offset(conn, &off, &whence));
    EXPECT(off != SENT_I64 && whence != SENT_I32);
}
ENTRY(kafka_conn_set_deadline) {
    INVAL(kafka_conn_set_deadline(NULL, 0), "conn");
    INVAL(kafka_conn_set_deadline((const kafka_conn_t *)(const void *)client, 0), "conn");
}
ENTRY(kafka_conn_set_read_deadline) { INVAL(kafka_conn_set_read_deadline(NULL, 0), "conn"); }
ENTRY(kafka_conn_set_write_deadline) { INVAL(kafka_conn_set_write_deadline(NULL, 0), "conn"); }
ENTRY(kafka_conn_close) { kafka_conn_close(NULL); }

/* ---- errors ---- */
ENTRY(kafka_err_name) {
    EXPECT(kafka_err_name(KAFKA_ERR_INVALID_ARG) != NULL);
    EXPECT(kafka_err_name(-99999) != NULL);
}
ENTRY(kafka_err_str) {
    EXPECT(kafka_err_str(KAFKA_OK) != NULL);
    EXPECT(kafka_err_str(-99999) != NULL);
}
ENTRY(kafka_err_is_retriable) {
    EXPECT(!kafka_err_is_retriable(KAFKA_OK));
    EXPECT(!kafka_err_is_retriable(-99999));
}
ENTRY(kafka_err_is_fatal) {
    EXPECT(!kafka_err_is_fatal(KAFKA_OK));
    EXPECT(!kafka_err_is_fatal(KAFKA_ERR_TIMED_OUT));
}
ENTRY(kafka_err_desc_count) { EXPECT(kafka_err_desc_count() > 0); }
ENTRY(kafka_err_desc_at) {
    EXPECT(kafka_err_desc_at(kafka_err_desc_count()) == NULL);
    EXPECT(kafka_err_desc_at(SIZE_MAX) == NULL);
    EXPECT(kafka_err_desc_at(0) != NULL);
}
ENTRY(kafka_err_desc) {
    EXPECT(kafka_err_desc(-99999) == NULL);
    EXPECT(kafka_err_desc(KAFKA_ERR_INVALID_ARG) != NULL);
}
ENTRY(kafka_last_error_message) {
    INVAL(kafka_config_set(NULL, "a", "b"), "cfg");
    const char *m = kafka_last_error_message();
    EXPECT(m != NULL && m[0] != '\0');
}
ENTRY(kafka_last_error_code) {
    INVAL(kafka_config_set(NULL, "a", "b"), "cfg");
    EXPECT(kafka_last_error_code() == KAFKA_ERR_INVALID_ARG);
}

/* ---- messages ---- */
ENTRY(kafka_message_topic) {
    EXPECT(kafka_message_topic(NULL) == NULL);
    EXPECT(kafka_message_topic(msg) != NULL && strcmp(kafka_message_topic(msg), "m") == 0);
}
ENTRY(kafka_message_partition) {
    EXPECT(kafka_message_partition(NULL) == -1);
    EXPECT(kafka_message_partition(msg) == 0);
}
ENTRY(kafka_message_offset) {
    EXPECT(kafka_message_offset(NULL) == -1);
    EXPECT(kafka_message_offset(msg) == 0);
}
ENTRY(kafka_message_high_water_mark) {
    EXPECT(kafka_message_high_water_mark(NULL) == -1);
    EXPECT(kafka_message_high_water_mark(msg) == 1);
}
ENTRY(kafka_message_timestamp) {
    EXPECT(kafka_message_timestamp(NULL) == -1);
    EXPECT(kafka_message_timestamp(msg) > 0);
}
ENTRY(kafka_message_key) {
    size_t len = SENT_SZ;
    EXPECT(kafka_message_key(NULL, &len) == NULL);
    EXPECT(kafka_message_key(NULL, NULL) == NULL);
    const uint8_t *k = kafka_message_key(msg, &len);
    EXPECT(k != NULL && len == 1 && k[0] == 'k');
    EXPECT(kafka_message_key(msg, NULL) == k);
}
ENTRY(kafka_message_value) {
    size_t len = SENT_SZ;
    EXPECT(kafka_message_value(NULL, &len) == NULL);
    EXPECT(kafka_message_value(NULL, NULL) == NULL);
    const uint8_t *v = kafka_message_value(msg, &len);
    EXPECT(v != NULL && len == 1 && v[0] == 'v');
}
ENTRY(kafka_message_header_count) {
    EXPECT(kafka_message_header_count(NULL) == 0);
    EXPECT(kafka_message_header_count(msg) == 1);
}
ENTRY(kafka_message_header) {
    const char *key = SENT_PTR;
    const uint8_t *value = SENT_PTR;
    size_t key_len = SENT_SZ, value_len = SENT_SZ;
    INVAL(kafka_message_header(NULL, 0, &key, &key_len, &value, &value_len), "msg");
    EXPECT(key == SENT_PTR && value == SENT_PTR && key_len == SENT_SZ && value_len == SENT_SZ);
    FAILS_WITH(kafka_message_header(msg, 1, &key, &key_len, &value, &value_len), KAFKA_ERR_NOT_FOUND);
    EXPECT(key == SENT_PTR && value == SENT_PTR && key_len == SENT_SZ && value_len == SENT_SZ);
    OK(kafka_message_header(msg, 0, NULL, NULL, NULL, NULL));
    OK(kafka_message_header(msg, 0, &key, &key_len, &value, &value_len));
    EXPECT(key_len == 1 && key[0] == 'h' && value_len == 1 && value[0] == '1');
}
ENTRY(kafka_message_free) { kafka_message_free(NULL); }

/* ---- mock cluster ---- */
ENTRY(kafka_mock_cluster_new) {
    kafka_mock_cluster_t *out = SENT_PTR;
    INVAL(kafka_mock_cluster_new(1, NULL), "out");
    INVAL(kafka_mock_cluster_new(0, &out), "broker_count");
    INVAL(kafka_mock_cluster_new(-1, &out), "broker_count");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_mock_cluster_bootstrap_servers) {
    char buf[8];
    size_t size = sizeof buf;
    memset(buf, 'x', sizeof buf);
    INVAL(kafka_mock_cluster_bootstrap_servers(NULL, buf, &size), "mc");
    INVAL(kafka_mock_cluster_bootstrap_servers(mc, buf, NULL), "size");
    EXPECT(size == sizeof buf);
    size = 2;
    FAILS_WITH(kafka_mock_cluster_bootstrap_servers(mc, buf, &size), KAFKA_ERR_BUFFER_TOO_SMALL);
    EXPECT(size == strlen(mc_bootstrap) + 1);
    EXPECT(buf[0] == 'x');
    size = 0;
    FAILS_WITH(kafka_mock_cluster_bootstrap_servers(mc, NULL, &size), KAFKA_ERR_BUFFER_TOO_SMALL);
    EXPECT(size == strlen(mc_bootstrap) + 1);
}
ENTRY(kafka_mock_cluster_create_topic) {
    INVAL(kafka_mock_cluster_create_topic(NULL, "t", 1), "mc");
    INVAL(kafka_mock_cluster_create_topic(mc, NULL, 1), "topic");
    INVAL(kafka_mock_cluster_create_topic(mc, "t2", 0), "partitions");
}
ENTRY(kafka_mock_cluster_set_auto_create) { INVAL(kafka_mock_cluster_set_auto_create(NULL, true, 1), "mc"); }
ENTRY(kafka_mock_cluster_set_leader) {
    INVAL(kafka_mock_cluster_set_leader(NULL, "t", 0, 1), "mc");
    INVAL(kafka_mock_cluster_set_leader(mc, NULL, 0, 1), "topic");
}
ENTRY(kafka_mock_cluster_push_request_errors) {
    kafka_err_t codes[1] = {KAFKA_ERR_NOT_LEADER_OR_FOLLOWER};
    INVAL(kafka_mock_cluster_push_request_errors(NULL, KAFKA_API_PRODUCE, codes, 1), "mc");
    INVAL(kafka_mock_cluster_push_request_errors(mc, KAFKA_API_PRODUCE, NULL, 1), "codes");
    INVAL(kafka_mock_cluster_push_request_errors(mc, KAFKA_API_PRODUCE, codes, HUGE_COUNT), "count");
}
ENTRY(kafka_mock_cluster_push_partition_errors) {
    kafka_err_t codes[1] = {KAFKA_ERR_NOT_LEADER_OR_FOLLOWER};
    INVAL(kafka_mock_cluster_push_partition_errors(NULL, KAFKA_API_PRODUCE, "t", 0, codes, 1), "mc");
    INVAL(kafka_mock_cluster_push_partition_errors(mc, KAFKA_API_PRODUCE, NULL, 0, codes, 1), "topic");
    INVAL(kafka_mock_cluster_push_partition_errors(mc, KAFKA_API_PRODUCE, "t", 0, NULL, 1), "codes");
}
ENTRY(kafka_mock_cluster_set_rtt) { INVAL(kafka_mock_cluster_set_rtt(NULL, 1, 0), "mc"); }
ENTRY(kafka_mock_cluster_delay_api) { INVAL(kafka_mock_cluster_delay_api(NULL, KAFKA_API_FETCH, 0), "mc"); }
ENTRY(kafka_mock_cluster_swallow) { INVAL(kafka_mock_cluster_swallow(NULL, KAFKA_API_FETCH, 1), "mc"); }
ENTRY(kafka_mock_cluster_drop_connections) {
    INVAL(kafka_mock_cluster_drop_connections(NULL, KAFKA_API_FETCH, 1), "mc");
}
ENTRY(kafka_mock_cluster_drop_responses) { INVAL(kafka_mock_cluster_drop_responses(NULL, KAFKA_API_FETCH, 1), "mc"); }
ENTRY(kafka_mock_cluster_clear_faults) {
    INVAL(kafka_mock_cluster_clear_faults(NULL), "mc");
    INVAL(kafka_mock_cluster_clear_faults((const kafka_mock_cluster_t *)(const void *)cancel), "mc");
    OK(kafka_mock_cluster_clear_faults(mc));
}
ENTRY(kafka_mock_cluster_broker_down) { INVAL(kafka_mock_cluster_broker_down(NULL, 1), "mc"); }
ENTRY(kafka_mock_cluster_broker_up) { INVAL(kafka_mock_cluster_broker_up(NULL, 1), "mc"); }
ENTRY(kafka_mock_cluster_append_corrupt_batch) {
    int64_t base = SENT_I64;
    INVAL(kafka_mock_cluster_append_corrupt_batch(NULL, "t", 0, KAFKA_MOCK_CORRUPT_CRC, 1, &base), "mc");
    INVAL(kafka_mock_cluster_append_corrupt_batch(mc, NULL, 0, KAFKA_MOCK_CORRUPT_CRC, 1, &base), "topic");
    INVAL(kafka_mock_cluster_append_corrupt_batch(mc, "t", 0, 99, 1, &base), "kind");
    EXPECT(base == SENT_I64);
}
ENTRY(kafka_mock_cluster_high_watermark) {
    int64_t off = SENT_I64;
    INVAL(kafka_mock_cluster_high_watermark(NULL, "t", 0, &off), "mc");
    INVAL(kafka_mock_cluster_high_watermark(mc, NULL, 0, &off), "topic");
    INVAL(kafka_mock_cluster_high_watermark(mc, "t", 0, NULL), "offset");
    EXPECT(off == SENT_I64);
    OK(kafka_mock_cluster_high_watermark(mc, "t", 0, &off));
    EXPECT(off == 0);
}
ENTRY(kafka_mock_cluster_request_count) {
    uint64_t n = 0x5e5e;
    INVAL(kafka_mock_cluster_request_count(NULL, KAFKA_API_FETCH, &n), "mc");
    INVAL(kafka_mock_cluster_request_count(mc, KAFKA_API_FETCH, NULL), "count");
    EXPECT(n == 0x5e5e);
}
ENTRY(kafka_mock_cluster_destroy) { kafka_mock_cluster_destroy(NULL); }

/* ---- new topic ---- */
ENTRY(kafka_new_topic_new) {
    kafka_new_topic_t *out = SENT_PTR;
    INVAL(kafka_new_topic_new(NULL, 1, 1, &out), "name");
    INVAL(kafka_new_topic_new("t", 1, 1, NULL), "out");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_new_topic_set_config) {
    INVAL(kafka_new_topic_set_config(NULL, "k", "v"), "topic");
    kafka_new_topic_t *t = NULL;
    OK(kafka_new_topic_new("t", 1, 1, &t));
    INVAL(kafka_new_topic_set_config(t, NULL, "v"), "key");
    INVAL(kafka_new_topic_set_config(t, "k", NULL), "value");
    kafka_new_topic_free(t);
}
ENTRY(kafka_new_topic_set_replica_assignment) {
    int32_t ids[1] = {1};
    INVAL(kafka_new_topic_set_replica_assignment(NULL, 0, ids, 1), "topic");
    kafka_new_topic_t *t = NULL;
    OK(kafka_new_topic_new("t", -1, -1, &t));
    INVAL(kafka_new_topic_set_replica_assignment(t, 0, NULL, 1), "broker_ids");
    INVAL(kafka_new_topic_set_replica_assignment(t, 0, ids, HUGE_COUNT), "count");
    INVAL(kafka_new_topic_set_replica_assignment(t, -1, ids, 1), "partition");
    kafka_new_topic_free(t);
}
ENTRY(kafka_new_topic_free) { kafka_new_topic_free(NULL); }

/* ---- partition lists ---- */
static kafka_partition_list_t *partition_list(void) {
    const char *topics[1] = {"t"};
    kafka_partition_list_t *l = SENT_PTR;
    OK(kafka_conn_read_partitions(conn, topics, 1, 2000, NULL, &l));
    return l == SENT_PTR ? NULL : l;
}
ENTRY(kafka_partition_list_count) {
    EXPECT(kafka_partition_list_count(NULL) == 0);
    kafka_partition_list_t *l = partition_list();
    EXPECT(kafka_partition_list_count(l) == 1);
    kafka_partition_list_free(l);
}
ENTRY(kafka_partition_list_get) {
    const char *topic = SENT_PTR;
    int32_t partition = SENT_I32, leader = SENT_I32;
    INVAL(kafka_partition_list_get(NULL, 0, &topic, &partition, &leader), "list");
    kafka_partition_list_t *l = partition_list();
    FAILS_WITH(kafka_partition_list_get(l, 1, &topic, &partition, &leader), KAFKA_ERR_NOT_FOUND);
    EXPECT(topic == SENT_PTR && partition == SENT_I32 && leader == SENT_I32);
    OK(kafka_partition_list_get(l, 0, NULL, NULL, NULL));
    kafka_partition_list_free(l);
}
ENTRY(kafka_partition_list_replicas) {
    const int32_t *ids = SENT_PTR;
    size_t count = SENT_SZ;
    INVAL(kafka_partition_list_replicas(NULL, 0, &ids, &count), "list");
    kafka_partition_list_t *l = partition_list();
    INVAL(kafka_partition_list_replicas(l, 0, NULL, &count), "ids");
    INVAL(kafka_partition_list_replicas(l, 0, &ids, NULL), "count");
    FAILS_WITH(kafka_partition_list_replicas(l, 1, &ids, &count), KAFKA_ERR_NOT_FOUND);
    EXPECT(ids == SENT_PTR && count == SENT_SZ);
    kafka_partition_list_free(l);
}
ENTRY(kafka_partition_list_isr) {
    const int32_t *ids = SENT_PTR;
    size_t count = SENT_SZ;
    INVAL(kafka_partition_list_isr(NULL, 0, &ids, &count), "list");
    kafka_partition_list_t *l = partition_list();
    INVAL(kafka_partition_list_isr(l, 0, NULL, &count), "ids");
    INVAL(kafka_partition_list_isr(l, 0, &ids, NULL), "count");
    FAILS_WITH(kafka_partition_list_isr(l, 1, &ids, &count), KAFKA_ERR_NOT_FOUND);
    EXPECT(ids == SENT_PTR && count == SENT_SZ);
    kafka_partition_list_free(l);
}
ENTRY(kafka_partition_list_free) { kafka_partition_list_free(NULL); }
ENTRY(kafka_topic_partition_list_count) {
    EXPECT(kafka_topic_partition_list_count(NULL) == 0);
    /* another list type is not a topic partition list */
    kafka_partition_list_t *l = partition_list();
    EXPECT(kafka_topic_partition_list_count((const kafka_topic_partition_list_t *)(const void *)l) == 0);
    kafka_partition_list_free(l);
}
ENTRY(kafka_topic_partition_list_get) {
    const char *topic = SENT_PTR;
    int32_t partition = SENT_I32;
    INVAL(kafka_topic_partition_list_get(NULL, 0, &topic, &partition), "list");
    EXPECT(topic == SENT_PTR && partition == SENT_I32);
}

/* ---- reader ---- */
ENTRY(kafka_reader_new) {
    kafka_reader_t *out = SENT_PTR;
    INVAL(kafka_reader_new(NULL, &out), "cfg");
    INVAL(kafka_reader_new(cfg_reader, NULL), "out");
    /* no reader.topic: a configuration error */
    FAILS_WITH(kafka_reader_new(cfg_nowhere, &out), KAFKA_ERR_CONFIG);
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_reader_read) {
    kafka_message_t *out = SENT_PTR;
    INVAL(kafka_reader_read(NULL, 0, NULL, &out), "r");
    INVAL(kafka_reader_read(reader, 0, NULL, NULL), "out");
    FAILS_WITH(kafka_reader_read(reader, 0, NULL, &out), KAFKA_ERR_TIMED_OUT);
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_reader_fetch) {
    kafka_message_t *out = SENT_PTR;
    INVAL(kafka_reader_fetch(NULL, 0, NULL, &out), "r");
    INVAL(kafka_reader_fetch(reader, 0, NULL, NULL), "out");
    OK(kafka_cancel_fire(cancel));
    FAILS_WITH(kafka_reader_fetch(reader, 1000, cancel, &out), KAFKA_ERR_CANCELLED);
    OK(kafka_cancel_reset(cancel));
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_reader_commit) {
    INVAL(kafka_reader_commit(NULL, NULL, 0, 100, NULL), "r");
    INVAL(kafka_reader_commit(reader, NULL, 1, 100, NULL), "msgs");
    const kafka_message_t *msgs[1] = {msg};
    INVAL(kafka_reader_commit(reader, msgs, HUGE_COUNT, 100, NULL), "count");
}
ENTRY(kafka_reader_set_rebalance_cb) { INVAL(kafka_reader_set_rebalance_cb(NULL, NULL, NULL), "r"); }
ENTRY(kafka_reader_poll) {
    size_t served = SENT_SZ;
    INVAL(kafka_reader_poll(NULL, &served), "r");
    EXPECT(served == SENT_SZ);
    OK(kafka_reader_poll(reader, NULL));
}
ENTRY(kafka_reader_read_batch) {
    kafka_message_t *msgs[2] = {SENT_PTR, SENT_PTR};
    size_t count = SENT_SZ;
    INVAL(kafka_reader_read_batch(NULL, 2, 0, NULL, msgs, &count), "r");
    INVAL(kafka_reader_read_batch(reader, 2, 0, NULL, NULL, &count), "msgs");
    INVAL(kafka_reader_read_batch(reader, 2, 0, NULL, msgs, NULL), "count");
    EXPECT(count == SENT_SZ && msgs[0] == SENT_PTR && msgs[1] == SENT_PTR);
}
ENTRY(kafka_reader_set_offset) {
    INVAL(kafka_reader_set_offset(NULL, 0), "r");
    INVAL(kafka_reader_set_offset(reader, -3), "offset");
}
ENTRY(kafka_reader_set_offset_at) {
    int64_t off = SENT_I64;
    INVAL(kafka_reader_set_offset_at(NULL, 0, 100, NULL, &off), "r");
    EXPECT(off == SENT_I64);
}
ENTRY(kafka_reader_offset) { EXPECT(kafka_reader_offset(NULL) == -3); }
ENTRY(kafka_reader_lag) {
    EXPECT(kafka_reader_lag(NULL) == -1);
    EXPECT(kafka_reader_lag(reader) == -1);
}
ENTRY(kafka_reader_read_lag) {
    int64_t lag = SENT_I64;
    INVAL(kafka_reader_read_lag(NULL, 100, NULL, &lag), "r");
    INVAL(kafka_reader_read_lag(reader, 100, NULL, NULL), "lag");
    EXPECT(lag == SENT_I64);
}
ENTRY(kafka_reader_stats) {
    char buf[4];
    size_t size = sizeof buf;
    memset(buf, 'x', sizeof buf);
    INVAL(kafka_reader_stats(NULL, buf, &size), "r");
    INVAL(kafka_reader_stats(reader, buf, NULL), "size");
    EXPECT(size == sizeof buf);
    FAILS_WITH(kafka_reader_stats(reader, buf, &size), KAFKA_ERR_BUFFER_TOO_SMALL);
    EXPECT(size > sizeof buf && buf[0] == 'x');
    size_t need = size;
    size = 0;
    FAILS_WITH(kafka_reader_stats(reader, NULL, &size), KAFKA_ERR_BUFFER_TOO_SMALL);
    EXPECT(size >= need / 2);
}
ENTRY(kafka_reader_wakeup) {
    INVAL(kafka_reader_wakeup(NULL), "r");
    INVAL(kafka_reader_wakeup((const kafka_reader_t *)(const void *)writer), "r");
}
ENTRY(kafka_reader_close) { EXPECT(kafka_reader_close(NULL, 100, NULL) == KAFKA_OK); }

/* ---- version ---- */
ENTRY(kafka_version) {
    uint32_t v = kafka_version();
    EXPECT((v >> 16) == KAFKA_RS_VERSION_MAJOR && ((v >> 8) & 0xff) == KAFKA_RS_VERSION_MINOR);
}
ENTRY(kafka_version_str) { EXPECT(kafka_version_str() != NULL && kafka_version_str()[0] != '\0'); }

/* ---- writer ---- */
ENTRY(kafka_writer_new) {
    kafka_writer_t *out = SENT_PTR;
    INVAL(kafka_writer_new(NULL, &out), "cfg");
    INVAL(kafka_writer_new(cfg_writer, NULL), "out");
    EXPECT(out == SENT_PTR);
}
static int32_t part_zero(void *ud, const uint8_t *key, size_t key_len, const int32_t *partitions, size_t count) {
    (void)ud, (void)key, (void)key_len, (void)count;
    return partitions[0];
}
ENTRY(kafka_writer_new_with_partitioner) {
    kafka_writer_t *out = SENT_PTR;
    INVAL(kafka_writer_new_with_partitioner(NULL, part_zero, NULL, &out), "cfg");
    INVAL(kafka_writer_new_with_partitioner(cfg_writer, NULL, NULL, &out), "partitioner");
    INVAL(kafka_writer_new_with_partitioner(cfg_writer, part_zero, NULL, NULL), "out");
    EXPECT(out == SENT_PTR);
}
ENTRY(kafka_writer_set_delivery_cb) { INVAL(kafka_writer_set_delivery_cb(NULL, NULL, NULL), "w"); }
ENTRY(kafka_writer_set_log_cb) { INVAL(kafka_writer_set_log_cb(NULL, NULL, NULL), "w"); }
ENTRY(kafka_writer_produce) {
    INVAL(kafka_writer_produce(NULL, NULL, 0), "w");
    INVAL(kafka_writer_produce(writer, NULL, 1), "msgs");
    kafka_msg_t m = {0};
    INVAL(kafka_writer_produce(writer, &m, HUGE_COUNT), "count");
    EXPECT(kafka_writer_pending(writer) == 0);
}
ENTRY(kafka_writer_write) {
    kafka_err_t errors[1] = {SENT_I32};
    int64_t offsets[1] = {SENT_I64};
    INVAL(kafka_writer_write(NULL, NULL, 0, 100, NULL, errors, offsets), "w");
    INVAL(kafka_writer_write(writer, NULL, 1, 100, NULL, errors, offsets), "msgs");
    kafka_msg_t m = {0};
    INVAL(kafka_writer_write(writer, &m, HUGE_COUNT, 100, NULL, errors, offsets), "count");
    EXPECT(errors[0] == SENT_I32 && offsets[0] == SENT_I64);
}
ENTRY(kafka_writer_poll) {
    size_t served = SENT_SZ;
    INVAL(kafka_writer_poll(NULL, 0, NULL, &served), "w");
    EXPECT(served == SENT_SZ);
    OK(kafka_writer_poll(writer, 0, NULL, NULL));
}
ENTRY(kafka_writer_flush) {
    INVAL(kafka_writer_flush(NULL, 0, NULL), "w");
    OK(kafka_writer_flush(writer, 0, NULL));
}
ENTRY(kafka_writer_wakeup) {
    INVAL(kafka_writer_wakeup(NULL), "w");
    /* a handle of another type is refused, not used */
    INVAL(kafka_writer_wakeup((const kafka_writer_t *)(const void *)reader), "w");
}
ENTRY(kafka_writer_pending) { EXPECT(kafka_writer_pending(NULL) == 0); }
ENTRY(kafka_writer_stats) {
    char buf[4];
    size_t size = sizeof buf;
    memset(buf, 'x', sizeof buf);
    INVAL(kafka_writer_stats(NULL, buf, &size), "w");
    INVAL(kafka_writer_stats(writer, buf, NULL), "size");
    EXPECT(size == sizeof buf);
    FAILS_WITH(kafka_writer_stats(writer, buf, &size), KAFKA_ERR_BUFFER_TOO_SMALL);
    EXPECT(size > sizeof buf && buf[0] == 'x');
    size = 0;
    FAILS_WITH(kafka_writer_stats(writer, NULL, &size), KAFKA_ERR_BUFFER_TOO_SMALL);
    EXPECT(size > sizeof buf);
}
ENTRY(kafka_writer_close) { EXPECT(kafka_writer_close(NULL, 100, NULL) == KAFKA_OK); }

#define E(fn) {#fn, t_##fn}
static const struct {
    const char *name;
    void (*run)(void);
} entries[] = {
    E(kafka_batch_next), E(kafka_batch_high_water_mark), E(kafka_batch_close),
    E(kafka_broker_list_count), E(kafka_broker_list_get), E(kafka_broker_list_addr), E(kafka_broker_list_free),
    E(kafka_cancel_new), E(kafka_cancel_fire), E(kafka_cancel_reset), E(kafka_cancel_is_fired), E(kafka_cancel_free),
    E(kafka_client_new), E(kafka_client_close), E(kafka_client_create_topics), E(kafka_client_delete_topics),
    E(kafka_client_create_partitions), E(kafka_client_describe_configs), E(kafka_client_incremental_alter_configs),
    E(kafka_client_list_groups), E(kafka_client_describe_groups), E(kafka_client_delete_groups),
    E(kafka_client_list_offsets), E(kafka_client_offset_fetch), E(kafka_client_group_lag),
    E(kafka_topic_results_count), E(kafka_topic_results_name), E(kafka_topic_results_error),
    E(kafka_topic_results_error_message), E(kafka_topic_results_free),
    E(kafka_config_results_count), E(kafka_config_results_resource_type), E(kafka_config_results_name),
    E(kafka_config_results_error), E(kafka_config_results_error_message), E(kafka_config_results_entry_count),
    E(kafka_config_results_entry_name), E(kafka_config_results_entry_value), E(kafka_config_results_entry_source),
    E(kafka_config_results_entry_is_read_only), E(kafka_config_results_entry_is_sensitive),
    E(kafka_config_results_value), E(kafka_config_results_free),
    E(kafka_group_list_count), E(kafka_group_list_group_id), E(kafka_group_list_protocol_type),
    E(kafka_group_list_state), E(kafka_group_list_type), E(kafka_group_list_coordinator), E(kafka_group_list_free),
    E(kafka_group_descriptions_count), E(kafka_group_descriptions_group_id), E(kafka_group_descriptions_error),
    E(kafka_group_descriptions_error_message), E(kafka_group_descriptions_state),
    E(kafka_group_descriptions_protocol_type), E(kafka_group_descriptions_protocol),
    E(kafka_group_descriptions_member_count), E(kafka_group_descriptions_member_id),
    E(kafka_group_descriptions_member_instance_id), E(kafka_group_descriptions_member_client_id),
    E(kafka_group_descriptions_member_host), E(kafka_group_descriptions_member_topic_count),
    E(kafka_group_descriptions_member_topic), E(kafka_group_descriptions_member_assignment_count),
    E(kafka_group_descriptions_member_assignment), E(kafka_group_descriptions_free),
    E(kafka_group_results_count), E(kafka_group_results_group_id), E(kafka_group_results_error),
    E(kafka_group_results_error_message), E(kafka_group_results_free),
    E(kafka_offset_results_count), E(kafka_offset_results_topic), E(kafka_offset_results_partition),
    E(kafka_offset_results_offset), E(kafka_offset_results_timestamp), E(kafka_offset_results_leader_epoch),
    E(kafka_offset_results_metadata), E(kafka_offset_results_error), E(kafka_offset_results_error_message),
    E(kafka_offset_results_free),
    E(kafka_group_lag_count), E(kafka_group_lag_topic), E(kafka_group_lag_partition), E(kafka_group_lag_committed),
    E(kafka_group_lag_end_offset), E(kafka_group_lag_lag), E(kafka_group_lag_error),
    E(kafka_group_lag_error_message), E(kafka_group_lag_free),
    E(kafka_config_new), E(kafka_config_set), E(kafka_config_get), E(kafka_config_free),
    E(kafka_conn_dial), E(kafka_conn_dial_leader), E(kafka_conn_controller), E(kafka_conn_brokers),
    E(kafka_conn_read_partitions), E(kafka_conn_create_topics), E(kafka_conn_delete_topics),
    E(kafka_conn_set_required_acks), E(kafka_conn_write_messages), E(kafka_conn_read_batch),
    E(kafka_conn_read_message), E(kafka_conn_first_offset), E(kafka_conn_last_offset), E(kafka_conn_offsets),
    E(kafka_conn_offset_at), E(kafka_conn_seek), E(kafka_conn_offset), E(kafka_conn_set_deadline),
    E(kafka_conn_set_read_deadline), E(kafka_conn_set_write_deadline), E(kafka_conn_close),
    E(kafka_err_name), E(kafka_err_str), E(kafka_err_is_retriable), E(kafka_err_is_fatal), E(kafka_err_desc_count),
    E(kafka_err_desc_at), E(kafka_err_desc), E(kafka_last_error_message), E(kafka_last_error_code),
    E(kafka_message_topic), E(kafka_message_partition), E(kafka_message_offset), E(kafka_message_high_water_mark),
    E(kafka_message_timestamp), E(kafka_message_key), E(kafka_message_value), E(kafka_message_header_count),
    E(kafka_message_header), E(kafka_message_free),
    E(kafka_mock_cluster_new), E(kafka_mock_cluster_bootstrap_servers), E(kafka_mock_cluster_create_topic),
    E(kafka_mock_cluster_set_auto_create), E(kafka_mock_cluster_set_leader),
    E(kafka_mock_cluster_push_request_errors), E(kafka_mock_cluster_push_partition_errors),
    E(kafka_mock_cluster_set_rtt), E(kafka_mock_cluster_delay_api), E(kafka_mock_cluster_swallow),
    E(kafka_mock_cluster_drop_connections), E(kafka_mock_cluster_drop_responses),
    E(kafka_mock_cluster_clear_faults), E(kafka_mock_cluster_broker_down), E(kafka_mock_cluster_broker_up),
    E(kafka_mock_cluster_append_corrupt_batch), E(kafka_mock_cluster_high_watermark),
    E(kafka_mock_cluster_request_count), E(kafka_mock_cluster_destroy),
    E(kafka_new_topic_new), E(kafka_new_topic_set_config), E(kafka_new_topic_set_replica_assignment),
    E(kafka_new_topic_free),
    E(kafka_partition_list_count), E(kafka_partition_list_get), E(kafka_partition_list_replicas),
    E(kafka_partition_list_isr), E(kafka_partition_list_free),
    E(kafka_topic_partition_list_count), E(kafka_topic_partition_list_get),
    E(kafka_reader_new), E(kafka_reader_read), E(kafka_reader_fetch), E(kafka_reader_commit),
    E(kafka_reader_set_rebalance_cb), E(kafka_reader_poll), E(kafka_reader_read_batch), E(kafka_reader_set_offset),
    E(kafka_reader_set_offset_at), E(kafka_reader_offset), E(kafka_reader_lag), E(kafka_reader_read_lag),
    E(kafka_reader_stats), E(kafka_reader_wakeup), E(kafka_reader_close),
    E(kafka_version), E(kafka_version_str),
    E(kafka_writer_new), E(kafka_writer_new_with_partitioner), E(kafka_writer_set_delivery_cb),
    E(kafka_writer_set_log_cb), E(kafka_writer_produce), E(kafka_writer_write), E(kafka_writer_poll),
    E(kafka_writer_flush), E(kafka_writer_wakeup), E(kafka_writer_pending), E(kafka_writer_stats),
    E(kafka_writer_close),
};

static kafka_config_t *config_with(const char *bootstrap, const char *key, const char *value) {
    kafka_config_t *c = NULL;
    CHECK(kafka_config_new(&c));
    CHECK(kafka_config_set(c, "bootstrap.servers", bootstrap));
    if (key) CHECK(kafka_config_set(c, key, value));
    return c;
}

int main(int argc, char **argv) {
    size_t n = sizeof entries / sizeof entries[0];
    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++) printf("contract: %s\n", entries[i].name);
        return 0;
    }
    cfg_nowhere = config_with(NOWHERE, NULL, NULL);
    cfg_writer = config_with(NOWHERE, "writer.topic", "t");
    cfg_reader = config_with(NOWHERE, "reader.topic", "t");
    CHECK(kafka_cancel_new(&cancel));
    CHECK(kafka_mock_cluster_new(1, &mc));
    size_t size = sizeof mc_bootstrap;
    CHECK(kafka_mock_cluster_bootstrap_servers(mc, mc_bootstrap, &size));
    CHECK(kafka_mock_cluster_create_topic(mc, "t", 1));
    kafka_config_t *cfg_mc = config_with(mc_bootstrap, NULL, NULL);
    CHECK(kafka_conn_dial_leader(cfg_mc, mc_bootstrap, "t", 0, 5000, NULL, &conn));
    CHECK(kafka_client_new(cfg_mc, &client_mc));
    {
        kafka_conn_t *mconn = NULL;
        CHECK(kafka_mock_cluster_create_topic(mc, "m", 1));
        CHECK(kafka_conn_dial_leader(cfg_mc, mc_bootstrap, "m", 0, 5000, NULL, &mconn));
        kafka_header_t h = {sizeof h, "h", 1, (const uint8_t *)"1", 1};
        kafka_msg_t m = {0};
        m.key = (const uint8_t *)"k", m.key_len = 1, m.value = (const uint8_t *)"v", m.value_len = 1;
        m.headers = &h, m.header_count = 1;
        CHECK(kafka_conn_write_messages(mconn, &m, 1, KAFKA_COMPRESSION_NONE, 5000, NULL, NULL));
        CHECK(kafka_conn_read_message(mconn, 1 << 20, 5000, NULL, &msg));
        kafka_conn_close(mconn);
    }
    kafka_config_free(cfg_mc);
    CHECK(kafka_writer_new(cfg_writer, &writer));
    CHECK(kafka_reader_new(cfg_reader, &reader));
    CHECK(kafka_client_new(cfg_nowhere, &client));

    for (size_t i = 0; i < n; i++) {
        int before = failures;
        entries[i].run();
        if (failures != before) fprintf(stderr, "contract of %s: %d failure(s)\n", entries[i].name, failures - before);
    }

    kafka_client_close(client);
    kafka_client_close(client_mc);
    kafka_reader_close(reader, 1000, NULL);
    kafka_writer_close(writer, 1000, NULL);
    kafka_message_free(msg);
    kafka_conn_close(conn);
    kafka_mock_cluster_destroy(mc);
    kafka_cancel_free(cancel);
    kafka_config_free(cfg_reader);
    kafka_config_free(cfg_writer);
    kafka_config_free(cfg_nowhere);
    if (failures) {
        fprintf(stderr, "%d contract check(s) failed\n", failures);
        return 1;
    }
    printf("all %zu contract entries passed\n", n);
    return 0;
}
