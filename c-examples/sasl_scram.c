/* kafka-go README, "SASL Support" / "SCRAM Mechanism" and "Connection":
 * scram.Mechanism(scram.SHA512, "username", "password") and a Dialer with it. The SCRAM
 * exchange also checks the broker's signature, so a broker that does not know the password's
 * keys is refused. Usage: sasl_scram [SCRAM-SHA-256|SCRAM-SHA-512] [sasl_plaintext|sasl_ssl]
 * (KAFKA_BOOTSTRAP = that listener) */
#include <string.h>

#include "common.h"

int main(int argc, char **argv) {
    const char *mechanism = argc > 1 ? argv[1] : "SCRAM-SHA-512";
    const char *protocol = argc > 2 ? argv[2] : "sasl_plaintext";
    char ca[512];
    kafka_config_t *cfg;
    kafka_conn_t *conn;
    kafka_broker_list_t *brokers;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "security.protocol", protocol));
    CHECK(kafka_config_set(cfg, "sasl.mechanism", mechanism));
    CHECK(kafka_config_set(cfg, "sasl.username", sasl_user()));
    CHECK(kafka_config_set(cfg, "sasl.password", sasl_password()));
    if (strcmp(protocol, "sasl_ssl") == 0)
        CHECK(kafka_config_set(cfg, "ssl.ca.location", tls_file(ca, sizeof ca, "ca.pem")));
    CHECK(kafka_conn_dial(cfg, broker_addr(), 10000, NULL, &conn));
    kafka_config_free(cfg);

    CHECK(kafka_conn_brokers(conn, 10000, NULL, &brokers));
    printf("authenticated as %s with %s over %s; %zu broker(s)\n", sasl_user(), mechanism, protocol,
           kafka_broker_list_count(brokers));
    kafka_broker_list_free(brokers);
    kafka_conn_close(conn);
    return 0;
}
