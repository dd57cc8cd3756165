/* kafka-go README, "To connect to the leader via a non-leader connection": connect to any
 * broker, ask it for the controller and connect to that one. Usage: leader_via_non_leader */
#include "common.h"

int main(void) {
    kafka_config_t *cfg;
    kafka_conn_t *conn, *leader_conn;
    kafka_broker_list_t *controller;
    const char *host;
    int32_t id, port;

    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_conn_dial(cfg, broker_addr(), 10000, NULL, &conn));
    CHECK(kafka_conn_controller(conn, 10000, NULL, &controller));
    CHECK(kafka_broker_list_get(controller, 0, &id, &host, &port, NULL));
    CHECK(kafka_conn_dial(cfg, kafka_broker_list_addr(controller, 0), 10000, NULL, &leader_conn));
    printf("connected to controller %d at %s:%d via %s\n", id, host, port, broker_addr());

    kafka_broker_list_free(controller);
    kafka_conn_close(leader_conn);
    kafka_conn_close(conn);
    kafka_config_free(cfg);
    return 0;
}
