/* C API tests of TLS and SASL failures against the local broker's secured listeners: a wrong
 * password is KAFKA_ERR_SASL_AUTHENTICATION_FAILED saying "authentication failed", an untrusted
 * CA is KAFKA_ERR_TLS naming UnknownIssuer, the wrong protocol on either side is a clear error
 * (never a timeout), bad TLS files are KAFKA_ERR_CONFIG at creation, and a failed login's
 * password appears in no log line and no error message. */
#include <string.h>

#include "check.h"

#define CANARY "C-Canary-Pw-51c0ffee"

static const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v ? v : fallback;
}

static kafka_config_t *sasl_config(const char *protocol, const char *mechanism, const char *password) {
    char ca[512];
    kafka_config_t *cfg;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "security.protocol", protocol));
    CHECK(kafka_config_set(cfg, "sasl.mechanism", mechanism));
    CHECK(kafka_config_set(cfg, "sasl.username", sasl_user()));
    CHECK(kafka_config_set(cfg, "sasl.password", password));
    if (strcmp(protocol, "sasl_ssl") == 0)
        CHECK(kafka_config_set(cfg, "ssl.ca.location", tls_file(ca, sizeof ca, "ca.pem")));
    return cfg;
}

static void test_wrong_password_is_authentication_failed(void) {
    const char *mechanisms[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};
    for (int i = 0; i < 3; i++) {
        kafka_config_t *cfg = sasl_config("sasl_plaintext", mechanisms[i], CANARY);
        kafka_conn_t *conn = NULL;
        kafka_err_t err = kafka_conn_dial(cfg, env_or("KAFKA_SASL_BOOTSTRAP", "127.0.0.1:9094"), 10000, NULL, &conn);
        const char *msg = kafka_last_error_message();
        printf("%s, wrong password: %s: %s\n", mechanisms[i], kafka_err_name(err), msg);
        EXPECT(err == KAFKA_ERR_SASL_AUTHENTICATION_FAILED);
        EXPECT(strstr(msg, "authentication failed") != NULL);
        EXPECT(strstr(msg, CANARY) == NULL);
        EXPECT(conn == NULL);
        kafka_config_free(cfg);
    }
}

struct log_capture {
    char text[16384];
    size_t len;
    int lines;
};

static void capture_log(void *userdata, int level, const char *message) {
    struct log_capture *c = userdata;
    int n = snprintf(c->text + c->len, sizeof c->text - c->len, "%d %s\n", level, message);
    if (n > 0 && c->len + (size_t)n < sizeof c->text)
        c->len += (size_t)n;
    c->lines++;
}

static void test_failed_login_leaks_no_password_into_logs(void) {
    struct log_capture logs;
    memset(&logs, 0, sizeof logs);
    kafka_config_t *cfg = sasl_config("sasl_ssl", "SCRAM-SHA-256", CANARY);
    kafka_writer_t *w;
    CHECK(kafka_config_set(cfg, "bootstrap.servers", env_or("KAFKA_SASL_SSL_BOOTSTRAP", "127.0.0.1:9096")));
    CHECK(kafka_config_set(cfg, "writer.topic", "security-leak-test"));
    CHECK(kafka_config_set(cfg, "log_level", "7"));
    CHECK(kafka_config_set(cfg, "message.timeout.ms", "3000"));
    CHECK(kafka_writer_new(cfg, &w));
    kafka_config_free(cfg);
    CHECK(kafka_writer_set_log_cb(w, capture_log, &logs));

    kafka_msg_t msg;
    memset(&msg, 0, sizeof msg);
    msg.partition = -1;
    msg.value = (const uint8_t *)"x";
    msg.value_len = 1;
    kafka_err_t err = kafka_writer_write(w, &msg, 1, 10000, NULL, NULL, NULL);
    const char *last = kafka_last_error_message();
    printf("write with a wrong password: %s: %s\n", kafka_err_name(err), last);
    EXPECT(err != KAFKA_OK);
    EXPECT(strstr(last, CANARY) == NULL);
    CHECK(kafka_writer_poll(w, 0, NULL, NULL));
    kafka_writer_close(w, 5000, NULL);
    printf("%d log lines captured\n%s", logs.lines, logs.text);
    EXPECT(logs.lines > 0);
    EXPECT(strstr(logs.text, "authentication failed") != NULL);
    EXPECT(strstr(logs.text, CANARY) == NULL);
}

static void test_untrusted_ca_is_a_tls_error(void) {
    char ca[512], cert[512], key[512];
    kafka_config_t *cfg;
    kafka_conn_t *conn = NULL;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "security.protocol", "ssl"));
    CHECK(kafka_config_set(cfg, "ssl.ca.location", tls_file(ca, sizeof ca, "untrusted-ca.pem")));
    CHECK(kafka_config_set(cfg, "ssl.certificate.location", tls_file(cert, sizeof cert, "client.pem")));
    CHECK(kafka_config_set(cfg, "ssl.key.location", tls_file(key, sizeof key, "client.key")));
    kafka_err_t err = kafka_conn_dial(cfg, env_or("KAFKA_SSL_BOOTSTRAP", "127.0.0.1:9095"), 10000, NULL, &conn);
    printf("untrusted CA: %s: %s\n", kafka_err_name(err), kafka_last_error_message());
    EXPECT(err == KAFKA_ERR_TLS);
    EXPECT(strstr(kafka_last_error_message(), "UnknownIssuer") != NULL);
    kafka_config_free(cfg);
}

static void test_wrong_protocol_fails_clearly(void) {
    char ca[512];
    kafka_config_t *cfg;
    kafka_conn_t *conn = NULL;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "security.protocol", "ssl"));
    CHECK(kafka_config_set(cfg, "ssl.ca.location", tls_file(ca, sizeof ca, "ca.pem")));
    kafka_err_t err = kafka_conn_dial(cfg, broker_addr(), 10000, NULL, &conn);
    printf("TLS to a plaintext listener: %s: %s\n", kafka_err_name(err), kafka_last_error_message());
    EXPECT(err == KAFKA_ERR_TLS);
    EXPECT(strstr(kafka_last_error_message(), "plaintext") != NULL);
    kafka_config_free(cfg);

    CHECK(kafka_config_new(&cfg));
    err = kafka_conn_dial(cfg, env_or("KAFKA_SASL_SSL_BOOTSTRAP", "127.0.0.1:9096"), 10000, NULL, &conn);
    printf("plaintext to a TLS listener: %s: %s\n", kafka_err_name(err), kafka_last_error_message());
    EXPECT(err != KAFKA_OK && err != KAFKA_ERR_TIMED_OUT);
    EXPECT(strstr(kafka_last_error_message(), "security.protocol") != NULL);
    kafka_config_free(cfg);
}

static void test_bad_tls_files_are_config_errors_at_creation(void) {
    kafka_config_t *cfg;
    kafka_writer_t *w = NULL;
    kafka_conn_t *conn = NULL;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "security.protocol", "SSL"));
    CHECK(kafka_config_set(cfg, "ssl.ca.location", "/nonexistent/ca.pem"));
    EXPECT(kafka_writer_new(cfg, &w) == KAFKA_ERR_CONFIG);
    EXPECT(strstr(kafka_last_error_message(), "ssl.ca.location") != NULL);
    EXPECT(w == NULL);
    EXPECT(kafka_conn_dial(cfg, broker_addr(), 1000, NULL, &conn) == KAFKA_ERR_CONFIG);
    EXPECT(kafka_config_set(cfg, "security.protocol", "carrier_pigeon") == KAFKA_ERR_CONFIG);
    kafka_config_free(cfg);

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", broker_addr()));
    CHECK(kafka_config_set(cfg, "security.protocol", "sasl_plaintext"));
    EXPECT(kafka_writer_new(cfg, &w) == KAFKA_ERR_CONFIG);
    EXPECT(strstr(kafka_last_error_message(), "sasl.username") != NULL);
    kafka_config_free(cfg);
}

int main(void) {
    test_wrong_password_is_authentication_failed();
    test_failed_login_leaks_no_password_into_logs();
    test_untrusted_ca_is_a_tls_error();
    test_wrong_protocol_fails_clearly();
    test_bad_tls_files_are_config_errors_at_creation();
    if (failures) {
        fprintf(stderr, "%d security C API check(s) failed\n", failures);
        return 1;
    }
    printf("all security C API checks passed\n");
    return 0;
}
