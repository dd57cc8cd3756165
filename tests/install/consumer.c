/* An out-of-tree program built against an installed libkafka_rs (tests/install/): it writes one
 * message with a Writer, reads it back with a partition Reader and says which library file it
 * ran with, so the test can check that the installed one was used.
 * Usage: consumer <topic>   (KAFKA_BOOTSTRAP: the broker, default 127.0.0.1:9092) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kafka_rs.h>

static int fail(const char *what, kafka_err_t err) {
    fprintf(stderr, "%s: %s (%s)\n", what, kafka_err_name(err), kafka_last_error_message());
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s <topic>\n", argv[0]);
        return 2;
    }
    const char *topic = argv[1];
    const char *bootstrap = getenv("KAFKA_BOOTSTRAP") ? getenv("KAFKA_BOOTSTRAP") : "127.0.0.1:9092";

    /* The header and the library must agree. */
    unsigned header = (KAFKA_RS_VERSION_MAJOR << 16) | (KAFKA_RS_VERSION_MINOR << 8) | KAFKA_RS_VERSION_PATCH;
    if (kafka_version() != header) {
        fprintf(stderr, "header %x, library %x\n", header, kafka_version());
        return 1;
    }
    /* Which file kafka_version() came from: dladdr takes an object pointer, and ISO C has no
     * cast from a function pointer, so copy its bits. */
    uint32_t (*fn)(void) = kafka_version;
    void *addr;
    memcpy(&addr, &fn, sizeof addr);
    Dl_info info;
    char library[4096] = "?";
    if (dladdr(addr, &info) && info.dli_fname && !realpath(info.dli_fname, library))
        snprintf(library, sizeof library, "%s", info.dli_fname);

    kafka_config_t *cfg;
    kafka_err_t err = kafka_config_new(&cfg);
    if (err != KAFKA_OK) return fail("config", err);
    if ((err = kafka_config_set(cfg, "bootstrap.servers", bootstrap)) != KAFKA_OK) return fail("config", err);
    if ((err = kafka_config_set(cfg, "writer.topic", topic)) != KAFKA_OK) return fail("config", err);
    if ((err = kafka_config_set(cfg, "allow.auto.create.topics", "true")) != KAFKA_OK) return fail("config", err);
    kafka_writer_t *w;
    if ((err = kafka_writer_new(cfg, &w)) != KAFKA_OK) return fail("writer", err);

    char value[64];
    snprintf(value, sizeof value, "installed-%ld", (long)time(NULL));
    kafka_msg_t msg;
    memset(&msg, 0, sizeof msg);
    msg.flags = KAFKA_MSG_F_PARTITION;
    msg.partition = 0;
    msg.value = (const uint8_t *)value;
    msg.value_len = strlen(value);
    int64_t offset = -1;
    if ((err = kafka_writer_write(w, &msg, 1, 30000, NULL, NULL, &offset)) != KAFKA_OK) return fail("write", err);
    if ((err = kafka_writer_close(w, 10000, NULL)) != KAFKA_OK) return fail("writer close", err);

    if ((err = kafka_config_set(cfg, "reader.topic", topic)) != KAFKA_OK) return fail("config", err);
    if ((err = kafka_config_set(cfg, "reader.partition", "0")) != KAFKA_OK) return fail("config", err);
    kafka_reader_t *r;
    err = kafka_reader_new(cfg, &r);
    kafka_config_free(cfg);
    if (err != KAFKA_OK) return fail("reader", err);
    if ((err = kafka_reader_set_offset(r, offset)) != KAFKA_OK) return fail("seek", err);
    kafka_message_t *m;
    if ((err = kafka_reader_read(r, 30000, NULL, &m)) != KAFKA_OK) return fail("read", err);
    size_t len;
    const uint8_t *v = kafka_message_value(m, &len);
    int same = v && len == strlen(value) && memcmp(v, value, len) == 0;
    printf("wrote and read back '%.*s' at offset %lld of %s with libkafka_rs %s from %s\n", (int)len,
           v ? (const char *)v : "", (long long)kafka_message_offset(m), topic, kafka_version_str(), library);
    kafka_message_free(m);
    if ((err = kafka_reader_close(r, 10000, NULL)) != KAFKA_OK) return fail("reader close", err);
    return same ? 0 : 1;
}
