/* kafka-go README, "TLS Support" / "Connection": a Dialer with a tls.Config dials a broker's TLS
 * listener. Here the TLS settings are configuration keys: the CA that signed the broker's
 * certificate, and a client certificate and key for a listener that wants mutual TLS. The
 * hostname is verified (ssl.endpoint.identification.algorithm=https is the default).
 * Usage: tls_dialer   (KAFKA_BOOTSTRAP = the SSL listener) */
#include "common.h"

int main(void) {
    char ca[512], cert[512], key[512];
    kafka_config_t *cfg;
    kafka_conn_t *conn;
    kafka_broker_list_t *brokers;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "security.protocol", "ssl"));
    CHECK(kafka_config_set(cfg, "ssl.ca.location", tls_file(ca, sizeof ca, "ca.pem")));
    CHECK(kafka_config_set(cfg, "ssl.certificate.location", tls_file(cert, sizeof cert, "client.pem")));
    CHECK(kafka_config_set(cfg, "ssl.key.location", tls_file(key, sizeof key, "client.key")));
    CHECK(kafka_config_set(cfg, "socket.connection.setup.timeout.ms", "10000"));
    CHECK(kafka_conn_dial(cfg, broker_addr(), 10000, NULL, &conn));
    kafka_config_free(cfg);

    CHECK(kafka_conn_brokers(conn, 10000, NULL, &brokers));
    printf("connected over TLS to %s; the cluster has %zu broker(s)\n", broker_addr(),
           kafka_broker_list_count(brokers));
    kafka_broker_list_free(brokers);
    kafka_conn_close(conn);
    return 0;
}
