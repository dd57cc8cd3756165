/* The error API without a broker: the enumerable table, the retriable/fatal flags, the macros
 * (negative ones parenthesised), which calls set the last error, and invalid-argument messages
 * that name the function and the argument. */
#include <stdint.h>
#include <string.h>

#include "check.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* Negative macros expand to a parenthesised value, so they behave as one operand wherever they
 * are pasted: `x-KAFKA_OFFSET_FIRST` is x - (-2) even for a preprocessor that substitutes text
 * (which would make it `x--2`). A conforming preprocessor keeps `-` and `-2` apart anyway, so
 * the replacement lists themselves are checked through their spelling. */
static void test_negative_macros_are_parenthesised(void) {
    EXPECT(strcmp(STR(KAFKA_OFFSET_FIRST), "(-2)") == 0);
    EXPECT(strcmp(STR(KAFKA_OFFSET_LAST), "(-1)") == 0);
    EXPECT(strcmp(STR(KAFKA_ERR_UNKNOWN_SERVER_ERROR), "(-1)") == 0);
    EXPECT(strcmp(STR(KAFKA_ERR_TIMED_OUT), "(-101)") == 0);
    EXPECT(strcmp(STR(KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION), "3") == 0);
    int64_t x = 5;
    EXPECT(x-KAFKA_OFFSET_FIRST == 7);
    EXPECT(x-KAFKA_OFFSET_LAST == 6);
    int e = 1;
    EXPECT(e-KAFKA_ERR_TIMED_OUT == 102);
    EXPECT(e-KAFKA_ERR_UNKNOWN_SERVER_ERROR == 2);
    EXPECT(sizeof(char[3-KAFKA_OFFSET_FIRST]) == 5);
}

static void test_macros_are_kafka_codes(void) {
    const struct {
        kafka_err_t code;
        int want;
        const char *name;
    } cases[] = {
        {KAFKA_OK, 0, "OK"},
        {KAFKA_ERR_UNKNOWN_SERVER_ERROR, -1, "UNKNOWN_SERVER_ERROR"},
        {KAFKA_ERR_OFFSET_OUT_OF_RANGE, 1, "OFFSET_OUT_OF_RANGE"},
        {KAFKA_ERR_CORRUPT_MESSAGE, 2, "CORRUPT_MESSAGE"},
        {KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION, 3, "UNKNOWN_TOPIC_OR_PARTITION"},
        {KAFKA_ERR_REQUEST_TIMED_OUT, 7, "REQUEST_TIMED_OUT"},
        {KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED, 29, "TOPIC_AUTHORIZATION_FAILED"},
        {KAFKA_ERR_BROKER_UNSUPPORTED_VERSION, 35, "BROKER_UNSUPPORTED_VERSION"},
        {KAFKA_ERR_PRODUCER_FENCED, 90, "PRODUCER_FENCED"},
        {KAFKA_ERR_UNKNOWN_TOPIC_ID, 100, "UNKNOWN_TOPIC_ID"},
        {KAFKA_ERR_SHARE_SESSION_LIMIT_REACHED, 133, "SHARE_SESSION_LIMIT_REACHED"},
        {KAFKA_ERR_INVALID_ARG, -100, "INVALID_ARG"},
        {KAFKA_ERR_UNSUPPORTED_VERSION, -107, "UNSUPPORTED_VERSION"},
        {KAFKA_ERR_QUEUE_FULL, -116, "QUEUE_FULL"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        EXPECT(cases[i].code == cases[i].want);
        EXPECT(strcmp(kafka_err_name(cases[i].code), cases[i].name) == 0);
    }
}

static void test_the_table_can_be_walked(void) {
    size_t n = kafka_err_desc_count();
    EXPECT(n == 135 + 18); /* -1..133 (0 is KAFKA_OK) and the 18 local codes */
    int kafka_codes = 0;
    for (size_t i = 0; i < n; i++) {
        const kafka_err_desc_t *d = kafka_err_desc_at(i);
        EXPECT(d != NULL);
        if (!d)
            continue;
        EXPECT(d->size == sizeof(kafka_err_desc_t));
        EXPECT(d->name && d->name[0] && d->desc && d->desc[0]);
        EXPECT(strcmp(kafka_err_name(d->code), d->name) == 0);
        EXPECT(strcmp(kafka_err_str(d->code), d->desc) == 0);
        EXPECT(kafka_err_is_retriable(d->code) == d->retriable);
        EXPECT(kafka_err_is_fatal(d->code) == d->fatal);
        EXPECT(kafka_err_desc(d->code) == d);
        if (d->code >= -1 && d->code <= 133)
            kafka_codes++;
        for (size_t j = 0; j < i; j++) {
            const kafka_err_desc_t *e = kafka_err_desc_at(j);
            EXPECT(e->code != d->code && strcmp(e->name, d->name) != 0);
        }
    }
    EXPECT(kafka_codes == 135);
    EXPECT(kafka_err_desc_at(n) == NULL);
    EXPECT(kafka_err_desc(-150) == NULL);
    EXPECT(strcmp(kafka_err_name(-150), "UNKNOWN") == 0);
}

static void test_flags(void) {
    EXPECT(kafka_err_is_retriable(KAFKA_ERR_NOT_LEADER_OR_FOLLOWER));
    EXPECT(kafka_err_is_retriable(KAFKA_ERR_REQUEST_TIMED_OUT));
    EXPECT(kafka_err_is_retriable(KAFKA_ERR_TIMED_OUT));
    EXPECT(kafka_err_is_retriable(KAFKA_ERR_TRANSPORT));
    EXPECT(!kafka_err_is_retriable(KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED));
    EXPECT(!kafka_err_is_retriable(KAFKA_ERR_INVALID_ARG));
    EXPECT(!kafka_err_is_retriable(KAFKA_OK));
    EXPECT(!kafka_err_is_retriable(9999));
    EXPECT(kafka_err_is_fatal(KAFKA_ERR_FENCED_INSTANCE_ID));
    EXPECT(!kafka_err_is_fatal(KAFKA_ERR_NOT_LEADER_OR_FOLLOWER));
    EXPECT(!kafka_err_is_fatal(9999));
}

/* Only calls returning kafka_err_t set or reset the last error. */
static void test_last_error_survives_accessors_and_frees(void) {
    kafka_config_t *cfg, *other;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_new(&other));
    EXPECT(kafka_config_set(cfg, NULL, "x") == KAFKA_ERR_INVALID_ARG);
    kafka_config_free(other);
    kafka_config_free(NULL);
    (void)kafka_err_name(KAFKA_ERR_INVALID_ARG);
    (void)kafka_err_str(KAFKA_ERR_INVALID_ARG);
    (void)kafka_err_desc_at(0);
    (void)kafka_version_str();
    EXPECT(kafka_last_error_code() == KAFKA_ERR_INVALID_ARG);
    EXPECT(strcmp(kafka_last_error_message(), "kafka_config_set: key is NULL") == 0);
    CHECK(kafka_config_set(cfg, "client.id", "x"));
    EXPECT(kafka_last_error_code() == KAFKA_OK);
    EXPECT(strcmp(kafka_last_error_message(), "") == 0);
    kafka_config_free(cfg);
}

static void test_invalid_arguments_are_named(void) {
    kafka_config_t *cfg;
    kafka_writer_t *w;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", "127.0.0.1:1"));
    CHECK(kafka_writer_new(cfg, &w));
    EXPECT(kafka_writer_write(w, NULL, 3, 100, NULL, NULL, NULL) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strcmp(kafka_last_error_message(), "kafka_writer_write: msgs is NULL with count 3") == 0);
    EXPECT(kafka_writer_produce(NULL, NULL, 1) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strcmp(kafka_last_error_message(), "kafka_writer_produce: w is NULL") == 0);
    CHECK(kafka_writer_close(w, 1000, NULL));
    kafka_config_free(cfg);
}

int main(void) {
    test_negative_macros_are_parenthesised();
    test_macros_are_kafka_codes();
    test_the_table_can_be_walked();
    test_flags();
    test_last_error_survives_accessors_and_frees();
    test_invalid_arguments_are_named();
    if (failures) {
        fprintf(stderr, "%d error C API checks failed\n", failures);
        return 1;
    }
    printf("all error C API checks passed\n");
    return 0;
}
