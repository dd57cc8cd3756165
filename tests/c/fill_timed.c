/* Test fixture: writes <count> messages "m<i>" to partition 0 of <topic> with timestamps
 * <base_ms> + i * <step_ms> (base 0 = now). Usage: fill_timed <topic> <count> <base_ms> <step_ms> */
#include <string.h>

#include "../../c-examples/common.h"

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s <topic> <count> <base_ms> <step_ms>\n", argv[0]);
        return 2;
    }
    int count = atoi(argv[2]);
    int64_t base = atoll(argv[3]), step = atoll(argv[4]);
    if (base == 0)
        base = now_ms();
    kafka_config_t *cfg;
    kafka_conn_t *conn;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_conn_dial_leader(cfg, broker_addr(), argv[1], 0, 15000, NULL, &conn));
    kafka_config_free(cfg);
    for (int i = 0; i < count; i++) {
        char value[32];
        snprintf(value, sizeof value, "m%d", i);
        kafka_msg_t m;
        memset(&m, 0, sizeof m);
        m.value = (const uint8_t *)value;
        m.value_len = strlen(value);
        m.timestamp_ms = base + i * step;
        CHECK(kafka_conn_write_messages(conn, &m, 1, KAFKA_COMPRESSION_NONE, 10000, NULL, NULL));
    }
    printf("wrote %d messages\n", count);
    kafka_conn_close(conn);
    return 0;
}
