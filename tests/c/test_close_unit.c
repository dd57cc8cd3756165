/* Close and shutdown without a broker (the writer and reader point at a port nobody listens on,
 * so messages stay pending and reads wait):
 * - a second thread wakes or closes a writer blocked in kafka_writer_poll / kafka_writer_flush
 *   and a reader blocked in kafka_reader_read: the blocked call returns KAFKA_ERR_WOKEN in < 1 s;
 * - a wakeup with nobody blocked makes the next blocking call return KAFKA_ERR_WOKEN at once;
 * - the delivery callbacks served by kafka_writer_close call the writer's functions, and a
 *   close from inside a callback is KAFKA_ERR_STATE;
 * - a handle of the wrong type, a closed writer/reader and a cancel token reused after
 *   kafka_cancel_reset. Run it under AddressSanitizer too. */
#include <string.h>

#include "check.h"

#define NOWHERE "127.0.0.1:1"

static kafka_writer_t *new_writer_timeout(const char *message_timeout_ms) {
    kafka_config_t *cfg;
    kafka_writer_t *w;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", NOWHERE));
    CHECK(kafka_config_set(cfg, "writer.topic", "close-unit"));
    if (message_timeout_ms)
        CHECK(kafka_config_set(cfg, "message.timeout.ms", message_timeout_ms));
    CHECK(kafka_writer_new(cfg, &w));
    kafka_config_free(cfg);
    return w;
}

static kafka_writer_t *new_writer(void) { return new_writer_timeout(NULL); }

static kafka_reader_t *new_reader(const char *group) {
    kafka_config_t *cfg;
    kafka_reader_t *r;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_config_set(cfg, "bootstrap.servers", NOWHERE));
    CHECK(kafka_config_set(cfg, "reader.topic", "close-unit"));
    if (group)
        CHECK(kafka_config_set(cfg, "group.id", group));
    CHECK(kafka_reader_new(cfg, &r));
    kafka_config_free(cfg);
    return r;
}

static void produce(kafka_writer_t *w, int n) {
    for (int i = 0; i < n; i++) {
        kafka_msg_t m;
        memset(&m, 0, sizeof m);
        m.partition = -1;
        m.value = (const uint8_t *)"v";
        m.value_len = 1;
        m.opaque = (void *)(intptr_t)(i + 1);
        CHECK(kafka_writer_produce(w, &m, 1));
    }
}

/* A blocked call on another thread: what it returned and how long it took. */
enum op { WRITER_POLL, WRITER_FLUSH, READER_READ };
struct blocked {
    enum op op;
    kafka_writer_t *w;
    kafka_reader_t *r;
    volatile int started;
    kafka_err_t err;
    int64_t returned_ms;
};

static void *block_in_call(void *arg) {
    struct blocked *b = arg;
    b->started = 1;
    switch (b->op) {
    case WRITER_POLL:
        b->err = kafka_writer_poll(b->w, -1, NULL, NULL);
        break;
    case WRITER_FLUSH:
        b->err = kafka_writer_flush(b->w, -1, NULL);
        break;
    case READER_READ: {
        kafka_message_t *m = NULL;
        b->err = kafka_reader_read(b->r, -1, NULL, &m);
        if (b->err == KAFKA_OK)
            kafka_message_free(m);
        break;
    }
    }
    b->returned_ms = now_ms();
    return NULL;
}

/* Starts `b` on a thread, lets it block, then runs `stop` (wakeup or close) and checks the call
 * returned KAFKA_ERR_WOKEN within a second. */
static void wake_blocked(struct blocked *b, const char *what, int close) {
    pthread_t t;
    b->err = KAFKA_OK;
    b->started = 0;
    pthread_create(&t, NULL, block_in_call, b);
    while (!b->started)
        usleep(1000);
    usleep(300 * 1000); /* well inside the call by now */
    int64_t t0 = now_ms();
    kafka_err_t err;
    if (close)
        err = b->w ? kafka_writer_close(b->w, 0, NULL) : kafka_reader_close(b->r, 0, NULL);
    else
        err = b->w ? kafka_writer_wakeup(b->w) : kafka_reader_wakeup(b->r);
    pthread_join(t, NULL);
    int64_t took = b->returned_ms - t0;
    printf("%s: %s after %lld ms (stop returned %s)\n", what, kafka_err_name(b->err), (long long)took,
           kafka_err_name(err));
    EXPECT(b->err == KAFKA_ERR_WOKEN);
    EXPECT(took < 1000);
    if (!close)
        EXPECT(err == KAFKA_OK);
}

/* The delivery callback during close: it calls the writer, and tries to close it. */
struct in_close {
    kafka_writer_t *w;
    int reports;
    int failed;
    int pending_calls;
    int stats_ok;
    int produce_err;
    int poll_err;
    int close_err;
};

static void on_delivery(void *ud, const kafka_delivery_report_t *const *reports, size_t n) {
    struct in_close *s = ud;
    for (size_t i = 0; i < n; i++) {
        s->reports++;
        if (reports[i]->err != KAFKA_OK)
            s->failed++;
    }
    (void)kafka_writer_pending(s->w);
    s->pending_calls++;
    char buf[2048];
    size_t size = sizeof buf;
    if (kafka_writer_stats(s->w, buf, &size) == KAFKA_OK)
        s->stats_ok++;
    kafka_msg_t m;
    memset(&m, 0, sizeof m);
    m.partition = -1;
    m.value = (const uint8_t *)"late";
    m.value_len = 4;
    s->produce_err = kafka_writer_produce(s->w, &m, 1);
    s->poll_err = kafka_writer_poll(s->w, 0, NULL, NULL);
    s->close_err = kafka_writer_close(s->w, 0, NULL);
}

static void callbacks_during_close(void) {
    struct in_close s;
    memset(&s, 0, sizeof s);
    s.w = new_writer();
    CHECK(kafka_writer_set_delivery_cb(s.w, on_delivery, &s));
    produce(s.w, 5);
    kafka_err_t err = kafka_writer_close(s.w, 200, NULL);
    printf("close with callbacks: %s, %d reports (%d failed), produce in callback: %s, poll: %s, close: %s\n",
           kafka_err_name(err), s.reports, s.failed, kafka_err_name(s.produce_err), kafka_err_name(s.poll_err),
           kafka_err_name(s.close_err));
    EXPECT(err == KAFKA_ERR_TIMED_OUT); /* nothing could be delivered */
    EXPECT(s.reports >= 5 && s.failed == s.reports);
    EXPECT(s.pending_calls > 0 && s.stats_ok == s.pending_calls);
    EXPECT(s.produce_err == KAFKA_ERR_CLOSED); /* the last reports come after the writer closed */
    EXPECT(s.poll_err == KAFKA_OK);
    EXPECT(s.close_err == KAFKA_ERR_STATE);
    /* The writer is gone: a call on it now is INVALID_ARG, not a use-after-free. */
    EXPECT(kafka_writer_wakeup(s.w) == KAFKA_ERR_INVALID_ARG);
    EXPECT(kafka_writer_close(s.w, 0, NULL) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "not a live writer") != NULL);

}

/* A close from inside a callback served by kafka_writer_poll (not by close): STATE, and the
 * writer still works afterwards. */
static void reentrant_close_in_poll(void) {
    struct in_close s;
    memset(&s, 0, sizeof s);
    s.w = new_writer_timeout("300");
    CHECK(kafka_writer_set_delivery_cb(s.w, on_delivery, &s));
    produce(s.w, 1);
    int64_t deadline = now_ms() + 10000;
    while (s.reports == 0 && now_ms() < deadline)
        EXPECT(kafka_writer_poll(s.w, 1000, NULL, NULL) == KAFKA_OK);
    printf("close from a poll callback: %s (%d reports)\n", kafka_err_name(s.close_err), s.reports);
    EXPECT(s.reports == 1 && s.failed == 1);
    EXPECT(s.close_err == KAFKA_ERR_STATE);
    EXPECT(s.produce_err == KAFKA_OK); /* the writer was not closed */
    CHECK(kafka_writer_set_delivery_cb(s.w, NULL, NULL));
    EXPECT(kafka_writer_pending(s.w) == 1);
    EXPECT(kafka_writer_close(s.w, 0, NULL) == KAFKA_ERR_TIMED_OUT);
    EXPECT(kafka_writer_pending(s.w) == 0); /* gone: 0 for a dead handle */
}

static void wrong_type(void) {
    kafka_config_t *cfg;
    kafka_cancel_t *c;
    CHECK(kafka_config_new(&cfg));
    CHECK(kafka_cancel_new(&c));
    kafka_writer_t *w = new_writer();
    kafka_reader_t *r = new_reader(NULL);

    EXPECT(kafka_writer_flush((kafka_writer_t *)(void *)cfg, 0, NULL) == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "writer") != NULL);
    EXPECT(kafka_writer_pending((kafka_writer_t *)(void *)r) == 0);
    EXPECT(kafka_reader_wakeup((kafka_reader_t *)(void *)w) == KAFKA_ERR_INVALID_ARG);
    EXPECT(kafka_reader_close((kafka_reader_t *)(void *)w, 0, NULL) == KAFKA_ERR_INVALID_ARG);
    EXPECT(kafka_config_set((kafka_config_t *)(void *)w, "acks", "1") == KAFKA_ERR_INVALID_ARG);
    EXPECT(strstr(kafka_last_error_message(), "not a config handle") != NULL);
    EXPECT(kafka_config_set((kafka_config_t *)(void *)c, "acks", "1") == KAFKA_ERR_INVALID_ARG);
    EXPECT(kafka_cancel_fire((kafka_cancel_t *)(void *)cfg) == KAFKA_ERR_INVALID_ARG);
    /* A wrong-type pointer as a cancel token is refused, not ignored. */
    EXPECT(kafka_writer_poll(w, 0, (kafka_cancel_t *)(void *)cfg, NULL) == KAFKA_ERR_INVALID_ARG);
    /* Freeing through the wrong function frees nothing (the handles still work below). */
    kafka_config_free((kafka_config_t *)(void *)c);
    kafka_cancel_free((kafka_cancel_t *)(void *)cfg);
    CHECK(kafka_config_set(cfg, "acks", "1"));
    CHECK(kafka_cancel_fire(c));

    /* A token reused after reset. */
    EXPECT(kafka_writer_poll(w, 0, c, NULL) == KAFKA_ERR_CANCELLED);
    CHECK(kafka_cancel_reset(c));
    EXPECT(kafka_cancel_is_fired(c) == 0);
    EXPECT(kafka_writer_poll(w, 0, c, NULL) == KAFKA_OK);
    struct fire_args fa = {c, 100};
    pthread_t t;
    pthread_create(&t, NULL, fire_later, &fa);
    int64_t t0 = now_ms();
    EXPECT(kafka_writer_poll(w, -1, c, NULL) == KAFKA_ERR_CANCELLED);
    EXPECT(now_ms() - t0 < 1000);
    pthread_join(t, NULL);
    CHECK(kafka_cancel_reset(c));
    pthread_create(&t, NULL, fire_later, &fa);
    kafka_message_t *m = NULL;
    EXPECT(kafka_reader_read(r, -1, c, &m) == KAFKA_ERR_CANCELLED);
    pthread_join(t, NULL);

    CHECK(kafka_writer_close(w, 0, NULL));
    CHECK(kafka_reader_close(r, 0, NULL));
    /* Closed: INVALID_ARG, never a use-after-free. */
    EXPECT(kafka_reader_read(r, 0, NULL, &m) == KAFKA_ERR_INVALID_ARG);
    EXPECT(kafka_reader_close(r, 0, NULL) == KAFKA_ERR_INVALID_ARG);
    kafka_cancel_free(c);
    kafka_config_free(cfg);
}

int main(void) {
    /* Wakeups. */
    kafka_writer_t *w = new_writer();
    struct blocked b = {WRITER_POLL, w, NULL, 0, 0, 0};
    wake_blocked(&b, "writer poll, wakeup", 0);
    produce(w, 3);
    b.op = WRITER_FLUSH;
    wake_blocked(&b, "writer flush, wakeup", 0);
    /* A wakeup with nobody blocked: the next blocking call returns at once, then calls block
     * again. */
    CHECK(kafka_writer_wakeup(w));
    int64_t t0 = now_ms();
    EXPECT(kafka_writer_poll(w, 5000, NULL, NULL) == KAFKA_ERR_WOKEN);
    EXPECT(now_ms() - t0 < 500);
    EXPECT(kafka_writer_poll(w, 50, NULL, NULL) == KAFKA_OK);
    /* Closed from another thread while blocked in flush. */
    wake_blocked(&b, "writer flush, close", 1);

    w = new_writer();
    b = (struct blocked){WRITER_POLL, w, NULL, 0, 0, 0};
    wake_blocked(&b, "writer poll, close", 1);

    kafka_reader_t *r = new_reader(NULL);
    struct blocked rb = {READER_READ, NULL, r, 0, 0, 0};
    wake_blocked(&rb, "reader read, wakeup", 0);
    CHECK(kafka_reader_wakeup(r));
    kafka_message_t *m = NULL;
    EXPECT(kafka_reader_read(r, 5000, NULL, &m) == KAFKA_ERR_WOKEN);
    wake_blocked(&rb, "reader read, close", 1);

    r = new_reader("close-unit-group");
    rb = (struct blocked){READER_READ, NULL, r, 0, 0, 0};
    wake_blocked(&rb, "group reader read, wakeup", 0);
    wake_blocked(&rb, "group reader read, close", 1);

    callbacks_during_close();
    reentrant_close_in_poll();
    wrong_type();

    if (failures) {
        fprintf(stderr, "%d close checks failed\n", failures);
        return 1;
    }
    printf("all close checks passed\n");
    return 0;
}
