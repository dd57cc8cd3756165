/* kafka-go README, "SASL Support" / "Plain Mechanism": plain.Mechanism{Username, Password}
 * becomes three configuration keys; the connection authenticates with SaslHandshake and
 * SaslAuthenticate before any other request. Over SASL_SSL the CA is set as for TLS.
 * Usage: sasl_plain [sasl_plaintext|sasl_ssl]   (KAFKA_BOOTSTRAP = that listener) */
#include <string.h>

#include "common.h"

int main(int argc, char **argv) {
    const char *protocol = argc > 1 ? argv[1] : "sasl_plaintext";
    char ca[512];
    kafka_config_t *cfg;
    kafka_conn_t *conn;
    kafka_broker_list_t *brokers;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "security.protocol", protocol));
    CHECK(kafka_config_set(cfg, "sasl.mechanism", "PLAIN"));
    CHECK(kafka_config_set(cfg, "sasl.username", sasl_user()));
    CHECK(kafka_config_set(cfg, "sasl.password", sasl_password()));
    if (strcmp(protocol, "sasl_ssl") == 0)
        CHECK(kafka_config_set(cfg, "ssl.ca.location", tls_file(ca, sizeof ca, "ca.pem")));
    CHECK(kafka_conn_dial(cfg, broker_addr(), 10000, NULL, &conn));
    kafka_config_free(cfg);

    CHECK(kafka_conn_brokers(conn, 10000, NULL, &brokers));
    printf("authenticated as %s with PLAIN over %s; %zu broker(s)\n", sasl_user(), protocol,
           kafka_broker_list_count(brokers));
    kafka_broker_list_free(brokers);
    kafka_conn_close(conn);
    return 0;
}
