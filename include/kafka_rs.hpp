/* libkafka_rs C++17 API: a header-only wrapper over the C API in kafka_rs.h.
 *
 * - Handles (config, conn, writer, reader, message, batch, cancel_token) are RAII and move-only.
 * - Failures throw kafka_rs::error (code, name and the library's detail message). Every fallible
 *   call also has an overload taking a trailing `kafka_rs::status&` that reports the failure
 *   there instead of throwing kafka_rs::error.
 * - A read that times out returns an empty std::optional (an empty vector for read_batch), never
 *   an exception.
 * - Keys, values, headers and topics of messages read are views into the fetch buffer
 *   (bytes_view, std::string_view), valid while the message lives.
 * - Callbacks are std::function and run on the application's thread inside the calls that serve
 *   them (writer poll/flush/close, reader reads/poll/close), as in C. An exception a callback
 *   throws never crosses the C library: it is caught and rethrown on the same thread once the C
 *   call has returned (further callbacks in that call still run; the first exception wins).
 *
 * See docs/cpp.md. */
#ifndef KAFKA_RS_HPP
#define KAFKA_RS_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "kafka_rs.h"

namespace kafka_rs {

using err_t = kafka_err_t;

/* The symbolic name of a code ("TIMED_OUT", "UNKNOWN_TOPIC_OR_PARTITION", ...). */
inline std::string_view err_name(err_t code) noexcept { return kafka_err_name(code); }
/* A short English description of a code. */
inline std::string_view err_str(err_t code) noexcept { return kafka_err_str(code); }
/* The library's version, (major << 16) | (minor << 8) | patch. */
inline std::uint32_t version() noexcept { return kafka_version(); }
/* The library's version as "major.minor.patch". */
inline std::string_view version_string() noexcept { return kafka_version_str(); }

/* A failure of the library: the code, its name and the detail message of the failed call. */
class error : public std::runtime_error {
public:
    error(err_t code, const std::string &message)
        : std::runtime_error(std::string(kafka_err_name(code)) + (message.empty() ? "" : ": ") + message),
          code_(code), message_(message) {}
    err_t code() const noexcept { return code_; }
    const char *name() const noexcept { return kafka_err_name(code_); }
    /* The detail (kafka_last_error_message() of the failed call); what() is "NAME: detail". */
    const std::string &message() const noexcept { return message_; }

private:
    err_t code_;
    std::string message_;
};

/* The outcome of a call made with a `status&` overload: ok, or a code and its detail. */
class status {
public:
    status() = default;
    status(err_t code, std::string message) : code_(code), message_(std::move(message)) {}
    /* The code of a C call that just returned `code`, with its detail message captured at once. */
    static status from_call(err_t code) {
        if (code == KAFKA_OK)
            return {};
        return status(code, kafka_last_error_message());
    }
    bool ok() const noexcept { return code_ == KAFKA_OK; }
    /* True when the call succeeded. */
    explicit operator bool() const noexcept { return ok(); }
    err_t code() const noexcept { return code_; }
    const char *name() const noexcept { return kafka_err_name(code_); }
    const std::string &message() const noexcept { return message_; }
    void clear() noexcept {
        code_ = KAFKA_OK;
        message_.clear();
    }
    /* Throws kafka_rs::error when not ok. */
    void throw_if_error() const {
        if (!ok())
            throw error(code_, message_);
    }

private:
    err_t code_ = KAFKA_OK;
    std::string message_;
};

/* Infinite timeout (-1 in the C API). */
inline constexpr std::chrono::milliseconds infinite{-1};
/* The timeout the writer and reader destructors give close(). */
inline constexpr std::chrono::milliseconds default_close_timeout{10000};

class cancel_token;

/* How long a blocking call may take (negative: no limit), and optionally a cancel token that
 * makes it fail with KAFKA_ERR_CANCELLED when fired. Built implicitly from any duration:
 * `r.read(5s)`, `r.read({5s, token})`, `r.read(kafka_rs::infinite)`. */
class timeout {
public:
    template <class Rep, class Period>
    timeout(std::chrono::duration<Rep, Period> d) : ms_(to_ms(d)) {} // NOLINT: implicit on purpose
    template <class Rep, class Period>
    timeout(std::chrono::duration<Rep, Period> d, const cancel_token &cancel);
    std::int32_t ms() const noexcept { return ms_; }
    const kafka_cancel_t *cancel() const noexcept { return cancel_; }

    template <class Rep, class Period>
    static std::int32_t to_ms(std::chrono::duration<Rep, Period> d) noexcept {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
        if (ms < 0)
            return -1;
        return ms > INT32_MAX ? INT32_MAX : static_cast<std::int32_t>(ms);
    }

private:
    std::int32_t ms_;
    const kafka_cancel_t *cancel_ = nullptr;
};

/* Bytes that are not owned: a pointer and a length. data() == nullptr is a null key/value (a
 * null value is a tombstone); non-null with size 0 is an empty byte string. */
class bytes_view {
public:
    constexpr bytes_view() noexcept = default;
    constexpr bytes_view(const std::uint8_t *data, std::size_t size) noexcept : data_(data), size_(size) {}
    /* The bytes of a string (never null, even when empty). */
    bytes_view(std::string_view s) noexcept // NOLINT: implicit on purpose
        : data_(s.data() ? reinterpret_cast<const std::uint8_t *>(s.data()) : empty_bytes()), size_(s.size()) {}
    bytes_view(const char *s) : bytes_view(std::string_view(s)) {} // NOLINT
    bytes_view(const std::string &s) noexcept : bytes_view(std::string_view(s)) {} // NOLINT
    bytes_view(const std::vector<std::uint8_t> &v) noexcept // NOLINT
        : data_(v.empty() ? empty_bytes() : v.data()), size_(v.size()) {}
    /* The null key/value. */
    static constexpr bytes_view null() noexcept { return {}; }

    constexpr const std::uint8_t *data() const noexcept { return data_; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr bool is_null() const noexcept { return data_ == nullptr; }
    constexpr const std::uint8_t *begin() const noexcept { return data_; }
    constexpr const std::uint8_t *end() const noexcept { return data_ + size_; }
    constexpr std::uint8_t operator[](std::size_t i) const noexcept { return data_[i]; }
    /* The same bytes as characters (no copy). */
    std::string_view str() const noexcept {
        return data_ ? std::string_view(reinterpret_cast<const char *>(data_), size_) : std::string_view();
    }
    friend bool operator==(bytes_view a, bytes_view b) noexcept {
        return a.is_null() == b.is_null() && a.str() == b.str();
    }
    friend bool operator!=(bytes_view a, bytes_view b) noexcept { return !(a == b); }

private:
    static const std::uint8_t *empty_bytes() noexcept {
        static const std::uint8_t none[1] = {0};
        return none;
    }
    const std::uint8_t *data_ = nullptr;
    std::size_t size_ = 0;
};

/* A message header: read from a message (views into it) or given to produce (views into your
 * memory, copied by the library during the call). A null value has value.is_null(). */
struct header {
    std::string_view key;
    bytes_view value;
};

/* A message to write or produce. Every byte is copied during the call; the views only need to
 * live until it returns. */
struct record {
    /* The topic, or empty where the handle knows it (Conn, a writer with writer.topic). */
    std::string_view topic;
    /* The partition, or -1 for the writer's balancer (ignored by Conn). */
    std::int32_t partition = -1;
    bytes_view key;   /* null by default */
    bytes_view value; /* null by default (a tombstone) */
    std::vector<header> headers;
    /* Milliseconds since the epoch; 0 means now. */
    std::int64_t timestamp_ms = 0;
    /* Handed back in the delivery report; never dereferenced. */
    void *opaque = nullptr;
};

enum class compression : std::int32_t {
    none = KAFKA_COMPRESSION_NONE,
    gzip = KAFKA_COMPRESSION_GZIP,
    snappy = KAFKA_COMPRESSION_SNAPPY,
    lz4 = KAFKA_COMPRESSION_LZ4,
    zstd = KAFKA_COMPRESSION_ZSTD,
};

/* conn::seek's reference point; `whence::end | whence::dont_check` skips the range check. */
enum class whence : std::int32_t {
    start = KAFKA_SEEK_START,
    absolute = KAFKA_SEEK_ABSOLUTE,
    end = KAFKA_SEEK_END,
    current = KAFKA_SEEK_CURRENT,
    dont_check = KAFKA_SEEK_DONT_CHECK,
};
inline constexpr whence operator|(whence a, whence b) noexcept {
    return static_cast<whence>(static_cast<std::int32_t>(a) | static_cast<std::int32_t>(b));
}

/* reader::set_offset's special offsets. */
inline constexpr std::int64_t offset_first = KAFKA_OFFSET_FIRST;
inline constexpr std::int64_t offset_last = KAFKA_OFFSET_LAST;

namespace detail {

/* The first exception a user callback threw during the current C call on this thread. */
inline std::exception_ptr &pending_exception() noexcept {
    thread_local std::exception_ptr pending;
    return pending;
}

/* Records the exception being handled (only the first one of a C call is kept). */
inline void capture_exception() noexcept {
    auto &p = pending_exception();
    if (!p)
        p = std::current_exception();
}

/* Rethrows what a callback threw during the C call that just returned. */
inline void rethrow_pending() {
    auto &p = pending_exception();
    if (p) {
        std::exception_ptr e = std::move(p);
        p = nullptr;
        std::rethrow_exception(e);
    }
}

/* Runs `call` (a C call returning kafka_err_t), puts its outcome into `st` with the detail
 * message captured at once, then rethrows a callback's exception if one was thrown. */
template <class F>
bool run(status &st, F &&call) {
    err_t code = call();
    st = status::from_call(code);
    rethrow_pending();
    return code == KAFKA_OK;
}

/* The throwing form: runs a status& overload and throws kafka_rs::error on failure. */
template <class F>
auto or_throw(F &&f) {
    status st;
    if constexpr (std::is_void_v<decltype(f(st))>) {
        f(st);
        st.throw_if_error();
    } else {
        auto result = f(st);
        st.throw_if_error();
        return result;
    }
}

/* Reads a NUL-terminated string through a C "buffer and size" getter. */
template <class F>
std::string read_string(status &st, F &&get) {
    std::size_t size = 256;
    std::string buf;
    for (int tries = 0; tries < 8; tries++) {
        buf.resize(size);
        err_t code = get(&buf[0], &size);
        if (code == KAFKA_OK) {
            buf.resize(size > 0 ? size - 1 : 0);
            st.clear();
            return buf;
        }
        if (code != KAFKA_ERR_BUFFER_TOO_SMALL) {
            st = status::from_call(code);
            return {};
        }
    }
    st = status(KAFKA_ERR_INTERNAL, "the value kept growing while it was read");
    return {};
}

/* kafka_msg_t array (with NUL-terminated topic copies and header arrays) for a set of records. */
class c_records {
public:
    c_records(const record *recs, std::size_t n) {
        msgs_.resize(n);
        topics_.reserve(n);
        std::size_t nheaders = 0;
        for (std::size_t i = 0; i < n; i++)
            nheaders += recs[i].headers.size();
        headers_.reserve(nheaders);
        for (std::size_t i = 0; i < n; i++) {
            const record &r = recs[i];
            kafka_msg_t &m = msgs_[i];
            if (!r.topic.empty()) {
                topics_.emplace_back(r.topic);
                m.topic = topics_.back().c_str();
            } else {
                m.topic = nullptr;
            }
            m.size = sizeof(kafka_msg_t);
            m.flags = KAFKA_MSG_F_PARTITION; /* record::partition defaults to KAFKA_PARTITION_ANY */
            m.partition = r.partition;
            m.key = r.key.data();
            m.key_len = r.key.size();
            m.value = r.value.data();
            m.value_len = r.value.size();
            m.headers = r.headers.empty() ? nullptr : headers_.data() + headers_.size();
            m.header_count = r.headers.size();
            for (const header &h : r.headers)
                headers_.push_back(kafka_header_t{sizeof(kafka_header_t), h.key.data(), h.key.size(), h.value.data(), h.value.size()});
            m.timestamp_ms = r.timestamp_ms;
            m.opaque = r.opaque;
        }
    }
    const kafka_msg_t *data() const noexcept { return msgs_.empty() ? nullptr : msgs_.data(); }
    std::size_t size() const noexcept { return msgs_.size(); }

private:
    std::vector<kafka_msg_t> msgs_;
    std::vector<std::string> topics_; /* reserved up front: c_str() pointers stay valid */
    std::vector<kafka_header_t> headers_;
};

} // namespace detail

/* A cancellation token: fire() (from any thread) makes every call given it return
 * KAFKA_ERR_CANCELLED, until reset() re-arms it. */
class cancel_token {
public:
    cancel_token() {
        detail::or_throw([&](status &st) { detail::run(st, [&] { return kafka_cancel_new(&h_); }); });
    }
    explicit cancel_token(status &st) { detail::run(st, [&] { return kafka_cancel_new(&h_); }); }
    ~cancel_token() { kafka_cancel_free(h_); }
    cancel_token(cancel_token &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    cancel_token &operator=(cancel_token &&o) noexcept {
        if (this != &o) {
            kafka_cancel_free(h_);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    cancel_token(const cancel_token &) = delete;
    cancel_token &operator=(const cancel_token &) = delete;

    /* Fires the token; safe from any thread, any number of times. */
    void fire() const {
        detail::or_throw([&](status &st) { fire(st); });
    }
    void fire(status &st) const {
        detail::run(st, [&] { return kafka_cancel_fire(h_); });
    }
    /* Re-arms a fired token for later calls. */
    void reset() const {
        detail::or_throw([&](status &st) { reset(st); });
    }
    void reset(status &st) const {
        detail::run(st, [&] { return kafka_cancel_reset(h_); });
    }
    bool fired() const noexcept { return kafka_cancel_is_fired(h_) == 1; }
    explicit operator bool() const noexcept { return h_ != nullptr; }
    const kafka_cancel_t *native() const noexcept { return h_; }

private:
    kafka_cancel_t *h_ = nullptr;
};

template <class Rep, class Period>
timeout::timeout(std::chrono::duration<Rep, Period> d, const cancel_token &cancel)
    : ms_(to_ms(d)), cancel_(cancel.native()) {}

/* A configuration: librdkafka-style string keys and values (docs/configuration.md). Handles
 * copy what they need, so a config may be reused or destroyed right after. */
class config {
public:
    config() {
        detail::or_throw([&](status &st) { detail::run(st, [&] { return kafka_config_new(&h_); }); });
    }
    explicit config(status &st) { detail::run(st, [&] { return kafka_config_new(&h_); }); }
    /* A config with these keys set: `config cfg{{"bootstrap.servers", addr}, {"acks", "1"}};` */
    config(std::initializer_list<std::pair<std::string_view, std::string_view>> entries) : config() {
        for (const auto &e : entries)
            set(e.first, e.second);
    }
    ~config() { kafka_config_free(h_); }
    config(config &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    config &operator=(config &&o) noexcept {
        if (this != &o) {
            kafka_config_free(h_);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    config(const config &) = delete;
    config &operator=(const config &) = delete;

    /* Sets a key; KAFKA_ERR_CONFIG names an unknown key or a bad value. */
    config &set(std::string_view key, std::string_view value) {
        detail::or_throw([&](status &st) { set(key, value, st); });
        return *this;
    }
    config &set(std::string_view key, std::string_view value, status &st) {
        std::string k(key), v(value);
        detail::run(st, [&] { return kafka_config_set(h_, k.c_str(), v.c_str()); });
        return *this;
    }
    /* The current value of a key (its default if never set). */
    std::string get(std::string_view key) const {
        return detail::or_throw([&](status &st) { return get(key, st); });
    }
    std::string get(std::string_view key, status &st) const {
        std::string k(key);
        return detail::read_string(st, [&](char *buf, std::size_t *size) {
            return kafka_config_get(h_, k.c_str(), buf, size);
        });
    }
    explicit operator bool() const noexcept { return h_ != nullptr; }
    const kafka_config_t *native() const noexcept { return h_; }
    kafka_config_t *native() noexcept { return h_; }

private:
    kafka_config_t *h_ = nullptr;
};

/* A message read from Kafka; its views point into the fetch buffer and live as long as it. */
class message {
public:
    message() noexcept = default;
    /* Takes ownership of a C message. */
    explicit message(kafka_message_t *m) noexcept : h_(m) {}
    ~message() { kafka_message_free(h_); }
    message(message &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    message &operator=(message &&o) noexcept {
        if (this != &o) {
            kafka_message_free(h_);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    message(const message &) = delete;
    message &operator=(const message &) = delete;

    std::string_view topic() const noexcept {
        const char *t = kafka_message_topic(h_);
        return t ? std::string_view(t) : std::string_view();
    }
    std::int32_t partition() const noexcept { return kafka_message_partition(h_); }
    std::int64_t offset() const noexcept { return kafka_message_offset(h_); }
    std::int64_t high_water_mark() const noexcept { return kafka_message_high_water_mark(h_); }
    /* Milliseconds since the epoch. */
    std::int64_t timestamp_ms() const noexcept { return kafka_message_timestamp(h_); }
    /* The key (is_null() for a null key); `.str()` views it as characters. */
    bytes_view key() const noexcept {
        std::size_t len = 0;
        const std::uint8_t *k = kafka_message_key(h_, &len);
        return {k, len};
    }
    /* The value (is_null() for a tombstone); `.str()` views it as characters. */
    bytes_view value() const noexcept {
        std::size_t len = 0;
        const std::uint8_t *v = kafka_message_value(h_, &len);
        return {v, len};
    }
    std::size_t header_count() const noexcept { return kafka_message_header_count(h_); }
    /* Header `index`, in the order written (keys may repeat); KAFKA_ERR_NOT_FOUND past the end. */
    kafka_rs::header header(std::size_t index) const {
        return detail::or_throw([&](status &st) { return header(index, st); });
    }
    kafka_rs::header header(std::size_t index, status &st) const {
        const char *k = nullptr;
        std::size_t klen = 0, vlen = 0;
        const std::uint8_t *v = nullptr;
        if (!detail::run(st, [&] { return kafka_message_header(h_, index, &k, &klen, &v, &vlen); }))
            return {};
        return {std::string_view(k, klen), bytes_view(v, vlen)};
    }
    /* Every header (the vector holds views, not copies). */
    std::vector<kafka_rs::header> headers() const {
        std::vector<kafka_rs::header> out;
        std::size_t n = header_count();
        out.reserve(n);
        for (std::size_t i = 0; i < n; i++)
            out.push_back(header(i));
        return out;
    }
    explicit operator bool() const noexcept { return h_ != nullptr; }
    const kafka_message_t *native() const noexcept { return h_; }
    /* Gives up ownership: free the result with kafka_message_free(). */
    kafka_message_t *release() noexcept { return std::exchange(h_, nullptr); }

private:
    kafka_message_t *h_ = nullptr;
};

/* A fetched batch (conn::read_batch). next() or a range-for takes its messages; taking one moves
 * the connection's offset past it. Messages taken stay valid after the batch is gone. */
class batch {
public:
    batch() noexcept = default;
    explicit batch(kafka_batch_t *b) noexcept : h_(b) {}
    ~batch() { kafka_batch_close(h_); }
    batch(batch &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    batch &operator=(batch &&o) noexcept {
        if (this != &o) {
            kafka_batch_close(h_);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    batch(const batch &) = delete;
    batch &operator=(const batch &) = delete;

    /* The next message, or nullopt at the end of the batch. A corrupt batch throws
     * (KAFKA_ERR_MALFORMED / KAFKA_ERR_COMPRESSION) and ends. */
    std::optional<message> next() {
        return detail::or_throw([&](status &st) { return next(st); });
    }
    std::optional<message> next(status &st) {
        kafka_message_t *m = nullptr;
        err_t code = kafka_batch_next(h_, &m);
        if (code == KAFKA_ERR_END_OF_BATCH) {
            st.clear();
            return std::nullopt;
        }
        st = status::from_call(code);
        if (code != KAFKA_OK)
            return std::nullopt;
        return message(m);
    }
    /* The partition's high watermark reported with the batch. */
    std::int64_t high_water_mark() const noexcept { return kafka_batch_high_water_mark(h_); }
    void close() noexcept { kafka_batch_close(std::exchange(h_, nullptr)); }
    explicit operator bool() const noexcept { return h_ != nullptr; }
    kafka_batch_t *native() const noexcept { return h_; }

    /* Input iterator over the remaining messages: `for (kafka_rs::message &m : b)`. */
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = message;
        using difference_type = std::ptrdiff_t;
        using pointer = message *;
        using reference = message &;
        iterator() = default;
        explicit iterator(batch *b) : b_(b) { advance(); }
        message &operator*() { return *cur_; }
        message *operator->() { return &*cur_; }
        iterator &operator++() {
            advance();
            return *this;
        }
        friend bool operator==(const iterator &a, const iterator &b) noexcept { return a.b_ == b.b_; }
        friend bool operator!=(const iterator &a, const iterator &b) noexcept { return a.b_ != b.b_; }

    private:
        void advance() {
            cur_ = b_->next();
            if (!cur_)
                b_ = nullptr;
        }
        batch *b_ = nullptr;
        std::optional<message> cur_;
    };
    iterator begin() { return iterator(this); }
    iterator end() { return iterator(); }

private:
    kafka_batch_t *h_ = nullptr;
};

/* A broker of the cluster (conn::brokers, conn::controller). */
struct broker {
    std::int32_t id = -1;
    std::string host;
    std::int32_t port = 0;
    std::optional<std::string> rack;
    /* "host:port", ready for conn::dial. */
    std::string addr() const { return host + ":" + std::to_string(port); }
};

/* A topic partition with its leader and replicas (conn::read_partitions). */
struct partition_info {
    std::string topic;
    std::int32_t partition = 0;
    std::int32_t leader = -1; /* -1 if none */
    std::vector<std::int32_t> replicas;
    std::vector<std::int32_t> isr;
};

/* A topic to create (conn::create_topics). -1 partitions / replication factor: the broker's
 * default; with a replica assignment leave both at -1. */
struct topic_spec {
    std::string name;
    std::int32_t num_partitions = -1;
    std::int32_t replication_factor = -1;
    std::map<std::string, std::string> configs;
    /* partition -> broker ids (the first is the preferred leader) */
    std::map<std::int32_t, std::vector<std::int32_t>> replica_assignment;
};

namespace detail {
struct broker_list_deleter {
    void operator()(kafka_broker_list_t *l) const noexcept { kafka_broker_list_free(l); }
};
struct partition_list_deleter {
    void operator()(kafka_partition_list_t *l) const noexcept { kafka_partition_list_free(l); }
};
struct new_topic_deleter {
    void operator()(kafka_new_topic_t *t) const noexcept { kafka_new_topic_free(t); }
};

inline std::vector<broker> to_brokers(const kafka_broker_list_t *list) {
    std::vector<broker> out;
    std::size_t n = kafka_broker_list_count(list);
    for (std::size_t i = 0; i < n; i++) {
        broker b;
        const char *host = nullptr, *rack = nullptr;
        if (kafka_broker_list_get(list, i, &b.id, &host, &b.port, &rack) != KAFKA_OK)
            break;
        b.host = host ? host : "";
        if (rack)
            b.rack = std::string(rack);
        out.push_back(std::move(b));
    }
    return out;
}

inline std::vector<partition_info> to_partitions(const kafka_partition_list_t *list) {
    std::vector<partition_info> out;
    std::size_t n = kafka_partition_list_count(list);
    for (std::size_t i = 0; i < n; i++) {
        partition_info p;
        const char *topic = nullptr;
        if (kafka_partition_list_get(list, i, &topic, &p.partition, &p.leader) != KAFKA_OK)
            break;
        p.topic = topic ? topic : "";
        const std::int32_t *ids = nullptr;
        std::size_t count = 0;
        if (kafka_partition_list_replicas(list, i, &ids, &count) == KAFKA_OK && ids)
            p.replicas.assign(ids, ids + count);
        if (kafka_partition_list_isr(list, i, &ids, &count) == KAFKA_OK && ids)
            p.isr.assign(ids, ids + count);
        out.push_back(std::move(p));
    }
    return out;
}

/* NUL-terminated copies of names and the array of their pointers. */
class c_strings {
public:
    explicit c_strings(const std::vector<std::string> &names) {
        ptrs_.reserve(names.size());
        for (const auto &s : names)
            ptrs_.push_back(s.c_str());
    }
    const char *const *data() const noexcept { return ptrs_.empty() ? nullptr : ptrs_.data(); }
    std::size_t size() const noexcept { return ptrs_.size(); }

private:
    std::vector<const char *> ptrs_;
};
} // namespace detail

/* A connection to one broker (kafka-go's Conn). Every call may come from any thread; the
 * destructor (close) must come last. */
class conn {
public:
    conn() noexcept = default;
    explicit conn(kafka_conn_t *c) noexcept : h_(c) {}
    ~conn() { kafka_conn_close(h_); }
    conn(conn &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    conn &operator=(conn &&o) noexcept {
        if (this != &o) {
            kafka_conn_close(h_);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    conn(const conn &) = delete;
    conn &operator=(const conn &) = delete;

    /* Connects to the broker at `addr` ("host:port"). */
    static conn dial(const config &cfg, std::string_view addr, timeout t) {
        return detail::or_throw([&](status &st) { return dial(cfg, addr, t, st); });
    }
    static conn dial(const config &cfg, std::string_view addr, timeout t, status &st) {
        std::string a(addr);
        kafka_conn_t *c = nullptr;
        detail::run(st, [&] { return kafka_conn_dial(cfg.native(), a.c_str(), t.ms(), t.cancel(), &c); });
        return conn(c);
    }
    /* Connects to the leader of topic/partition, bound to it (reads start at the first offset). */
    static conn dial_leader(const config &cfg, std::string_view addr, std::string_view topic, std::int32_t partition,
                            timeout t) {
        return detail::or_throw([&](status &st) { return dial_leader(cfg, addr, topic, partition, t, st); });
    }
    static conn dial_leader(const config &cfg, std::string_view addr, std::string_view topic, std::int32_t partition,
                            timeout t, status &st) {
        std::string a(addr), tp(topic);
        kafka_conn_t *c = nullptr;
        detail::run(st, [&] {
            return kafka_conn_dial_leader(cfg.native(), a.c_str(), tp.c_str(), partition, t.ms(), t.cancel(), &c);
        });
        return conn(c);
    }

    /* The controller broker. */
    broker controller(timeout t) const {
        return detail::or_throw([&](status &st) { return controller(t, st); });
    }
    broker controller(timeout t, status &st) const {
        kafka_broker_list_t *l = nullptr;
        if (!detail::run(st, [&] { return kafka_conn_controller(h_, t.ms(), t.cancel(), &l); }))
            return {};
        std::unique_ptr<kafka_broker_list_t, detail::broker_list_deleter> owned(l);
        auto v = detail::to_brokers(l);
        return v.empty() ? broker{} : v.front();
    }
    /* Every broker of the cluster. */
    std::vector<broker> brokers(timeout t) const {
        return detail::or_throw([&](status &st) { return brokers(t, st); });
    }
    std::vector<broker> brokers(timeout t, status &st) const {
        kafka_broker_list_t *l = nullptr;
        if (!detail::run(st, [&] { return kafka_conn_brokers(h_, t.ms(), t.cancel(), &l); }))
            return {};
        std::unique_ptr<kafka_broker_list_t, detail::broker_list_deleter> owned(l);
        return detail::to_brokers(l);
    }
    /* The partitions of these topics, or of every topic when `topics` is empty. */
    std::vector<partition_info> read_partitions(const std::vector<std::string> &topics, timeout t) const {
        return detail::or_throw([&](status &st) { return read_partitions(topics, t, st); });
    }
    std::vector<partition_info> read_partitions(const std::vector<std::string> &topics, timeout t,
                                                status &st) const {
        detail::c_strings names(topics);
        kafka_partition_list_t *l = nullptr;
        if (!detail::run(st, [&] {
                return kafka_conn_read_partitions(h_, names.data(), names.size(), t.ms(), t.cancel(), &l);
            }))
            return {};
        std::unique_ptr<kafka_partition_list_t, detail::partition_list_deleter> owned(l);
        return detail::to_partitions(l);
    }
    /* Creates topics (one that already exists is not an error). */
    void create_topics(const std::vector<topic_spec> &topics, timeout t) const {
        detail::or_throw([&](status &st) { create_topics(topics, t, st); });
    }
    void create_topics(const std::vector<topic_spec> &topics, timeout t, status &st) const {
        std::vector<std::unique_ptr<kafka_new_topic_t, detail::new_topic_deleter>> owned;
        std::vector<const kafka_new_topic_t *> ptrs;
        for (const topic_spec &spec : topics) {
            kafka_new_topic_t *nt = nullptr;
            if (!detail::run(st, [&] {
                    return kafka_new_topic_new(spec.name.c_str(), spec.num_partitions, spec.replication_factor, &nt);
                }))
                return;
            owned.emplace_back(nt);
            ptrs.push_back(nt);
            for (const auto &c : spec.configs)
                if (!detail::run(st, [&] { return kafka_new_topic_set_config(nt, c.first.c_str(), c.second.c_str()); }))
                    return;
            for (const auto &a : spec.replica_assignment)
                if (!detail::run(st, [&] {
                        return kafka_new_topic_set_replica_assignment(nt, a.first, a.second.data(), a.second.size());
                    }))
                    return;
        }
        detail::run(st, [&] {
            return kafka_conn_create_topics(h_, ptrs.empty() ? nullptr : ptrs.data(), ptrs.size(), t.ms(), t.cancel());
        });
    }
    void delete_topics(const std::vector<std::string> &topics, timeout t) const {
        detail::or_throw([&](status &st) { delete_topics(topics, t, st); });
    }
    void delete_topics(const std::vector<std::string> &topics, timeout t, status &st) const {
        detail::c_strings names(topics);
        detail::run(st, [&] { return kafka_conn_delete_topics(h_, names.data(), names.size(), t.ms(), t.cancel()); });
    }
    /* Acknowledgements writes wait for: -1 all in-sync replicas (default), 1 leader, 0 none. */
    void set_required_acks(std::int32_t acks) const {
        detail::or_throw([&](status &st) { set_required_acks(acks, st); });
    }
    void set_required_acks(std::int32_t acks, status &st) const {
        detail::run(st, [&] { return kafka_conn_set_required_acks(h_, acks); });
    }
    /* Writes the records to the bound partition as one batch; returns the first one's offset
     * (-1 with acks 0). Their topic and partition are ignored. */
    std::int64_t write_messages(const std::vector<record> &msgs, compression codec, timeout t) const {
        return detail::or_throw([&](status &st) { return write_messages(msgs, codec, t, st); });
    }
    std::int64_t write_messages(const std::vector<record> &msgs, compression codec, timeout t, status &st) const {
        detail::c_records c(msgs.data(), msgs.size());
        std::int64_t base = -1;
        detail::run(st, [&] {
            return kafka_conn_write_messages(h_, c.data(), c.size(), static_cast<std::int32_t>(codec), t.ms(),
                                             t.cancel(), &base);
        });
        return base;
    }
    /* Fetches a batch from the current offset (the broker answers once it has min_bytes or after
     * max_wait, with up to about max_bytes). */
    batch read_batch(std::int32_t min_bytes, std::int32_t max_bytes, std::chrono::milliseconds max_wait,
                     timeout t) const {
        return detail::or_throw([&](status &st) { return read_batch(min_bytes, max_bytes, max_wait, t, st); });
    }
    batch read_batch(std::int32_t min_bytes, std::int32_t max_bytes, std::chrono::milliseconds max_wait, timeout t,
                     status &st) const {
        kafka_batch_t *b = nullptr;
        detail::run(st, [&] {
            return kafka_conn_read_batch(h_, min_bytes, max_bytes, timeout::to_ms(max_wait), t.ms(), t.cancel(), &b);
        });
        return batch(b);
    }
    /* The next message at or after the current offset; nullopt if none came in time. */
    std::optional<message> read_message(std::int32_t max_bytes, timeout t) const {
        return detail::or_throw([&](status &st) { return read_message(max_bytes, t, st); });
    }
    std::optional<message> read_message(std::int32_t max_bytes, timeout t, status &st) const {
        kafka_message_t *m = nullptr;
        if (!timed_out_is_ok(st, kafka_conn_read_message(h_, max_bytes, t.ms(), t.cancel(), &m)))
            return std::nullopt;
        return message(m);
    }
    /* The partition's first offset (the log start). */
    std::int64_t first_offset(timeout t) const {
        return detail::or_throw([&](status &st) { return first_offset(t, st); });
    }
    std::int64_t first_offset(timeout t, status &st) const {
        std::int64_t o = -1;
        detail::run(st, [&] { return kafka_conn_first_offset(h_, t.ms(), t.cancel(), &o); });
        return o;
    }
    /* The partition's last offset (the high watermark). */
    std::int64_t last_offset(timeout t) const {
        return detail::or_throw([&](status &st) { return last_offset(t, st); });
    }
    std::int64_t last_offset(timeout t, status &st) const {
        std::int64_t o = -1;
        detail::run(st, [&] { return kafka_conn_last_offset(h_, t.ms(), t.cancel(), &o); });
        return o;
    }
    /* {first, last}. */
    std::pair<std::int64_t, std::int64_t> offsets(timeout t) const {
        return detail::or_throw([&](status &st) { return offsets(t, st); });
    }
    std::pair<std::int64_t, std::int64_t> offsets(timeout t, status &st) const {
        std::int64_t first = -1, last = -1;
        detail::run(st, [&] { return kafka_conn_offsets(h_, t.ms(), t.cancel(), &first, &last); });
        return {first, last};
    }
    /* The first offset whose timestamp is at or after unix_ms (the last offset if none). */
    std::int64_t offset_at(std::int64_t unix_ms, timeout t) const {
        return detail::or_throw([&](status &st) { return offset_at(unix_ms, t, st); });
    }
    std::int64_t offset_at(std::int64_t unix_ms, timeout t, status &st) const {
        std::int64_t o = -1;
        detail::run(st, [&] { return kafka_conn_offset_at(h_, unix_ms, t.ms(), t.cancel(), &o); });
        return o;
    }
    /* Moves the read position; returns the new absolute offset. Outside the partition is
     * OFFSET_OUT_OF_RANGE unless `w` includes whence::dont_check. */
    std::int64_t seek(std::int64_t offset, whence w, timeout t) const {
        return detail::or_throw([&](status &st) { return seek(offset, w, t, st); });
    }
    std::int64_t seek(std::int64_t offset, whence w, timeout t, status &st) const {
        std::int64_t o = -1;
        detail::run(st, [&] {
            return kafka_conn_seek(h_, offset, static_cast<std::int32_t>(w), t.ms(), t.cancel(), &o);
        });
        return o;
    }
    /* The current read position and how it is expressed (no I/O). */
    std::pair<std::int64_t, whence> offset() const {
        return detail::or_throw([&](status &st) { return offset(st); });
    }
    std::pair<std::int64_t, whence> offset(status &st) const {
        std::int64_t o = -1;
        std::int32_t w = KAFKA_SEEK_ABSOLUTE;
        detail::run(st, [&] { return kafka_conn_offset(h_, &o, &w); });
        return {o, static_cast<whence>(w)};
    }
    /* Deadlines as Go's SetDeadline: an absolute time after which calls fail with
     * KAFKA_ERR_TIMED_OUT; a default-constructed time_point clears it. */
    void set_deadline(std::chrono::system_clock::time_point at) const {
        detail::or_throw([&](status &st) { set_deadline(at, st); });
    }
    void set_deadline(std::chrono::system_clock::time_point at, status &st) const {
        detail::run(st, [&] { return kafka_conn_set_deadline(h_, unix_ms(at)); });
    }
    void set_read_deadline(std::chrono::system_clock::time_point at) const {
        detail::or_throw([&](status &st) { set_read_deadline(at, st); });
    }
    void set_read_deadline(std::chrono::system_clock::time_point at, status &st) const {
        detail::run(st, [&] { return kafka_conn_set_read_deadline(h_, unix_ms(at)); });
    }
    void set_write_deadline(std::chrono::system_clock::time_point at) const {
        detail::or_throw([&](status &st) { set_write_deadline(at, st); });
    }
    void set_write_deadline(std::chrono::system_clock::time_point at, status &st) const {
        detail::run(st, [&] { return kafka_conn_set_write_deadline(h_, unix_ms(at)); });
    }
    /* Closes the connection (the destructor does it too). */
    void close() noexcept { kafka_conn_close(std::exchange(h_, nullptr)); }
    explicit operator bool() const noexcept { return h_ != nullptr; }
    const kafka_conn_t *native() const noexcept { return h_; }

private:
    static std::int64_t unix_ms(std::chrono::system_clock::time_point at) noexcept {
        return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
    }
    static bool timed_out_is_ok(status &st, err_t code) {
        st = code == KAFKA_ERR_TIMED_OUT ? status() : status::from_call(code);
        detail::rethrow_pending();
        return code == KAFKA_OK;
    }
    kafka_conn_t *h_ = nullptr;
};

/* What happened to one produced message (valid during the callback: topic is a view). */
struct delivery_report {
    void *opaque;
    err_t err;
    std::string_view topic;
    std::int32_t partition;
    std::int64_t offset; /* -1 with acks=0 or on error */
    std::int64_t timestamp_ms;
};

/* Called once per delivery report, on the thread in writer::poll/flush/close. */
using delivery_callback = std::function<void(const delivery_report &)>;
/* Called with a syslog level (3 error, 4 warning, 6 info, 7 debug) and a line. */
using log_callback = std::function<void(int level, std::string_view line)>;
/* Chooses one of `count` partitions for a key (key.is_null() for a null key). Runs on library
 * threads and must not call the library; if it throws, the message fails with
 * KAFKA_ERR_INVALID_ARG. */
using partitioner = std::function<std::int32_t(bytes_view key, const std::int32_t *partitions, std::size_t count)>;

namespace detail {
struct writer_callbacks {
    /* Every function the C writer was ever given stays here until the writer is closed, so a
     * callback replaced while another thread polls is never destroyed under it. */
    std::vector<std::unique_ptr<delivery_callback>> delivery;
    std::vector<std::unique_ptr<log_callback>> log;
    std::unique_ptr<partitioner> part;

    static void on_delivery(void *ud, const kafka_delivery_report_t *const *reports, std::size_t count) noexcept {
        auto *cb = static_cast<delivery_callback *>(ud);
        for (std::size_t i = 0; i < count; i++) {
            const kafka_delivery_report_t *r = reports[i];
            delivery_report rep{r->opaque, r->err, r->topic ? std::string_view(r->topic) : std::string_view(),
                                r->partition, r->offset, r->timestamp_ms};
            try {
                (*cb)(rep);
            } catch (...) {
                capture_exception();
            }
        }
    }
    static void on_log(void *ud, std::int32_t level, const char *line) noexcept {
        try {
            (*static_cast<log_callback *>(ud))(level, line ? std::string_view(line) : std::string_view());
        } catch (...) {
            capture_exception();
        }
    }
    static std::int32_t on_partition(void *ud, const std::uint8_t *key, std::size_t key_len,
                                     const std::int32_t *partitions, std::size_t count) noexcept {
        try {
            return (*static_cast<partitioner *>(ud))(bytes_view(key, key_len), partitions, count);
        } catch (...) {
            return -1; /* not a partition: the message fails with KAFKA_ERR_INVALID_ARG */
        }
    }
};
} // namespace detail

/* A batching writer (kafka-go's Writer). Calls may come from any thread; close (or the
 * destructor) comes last. */
class writer {
public:
    writer() noexcept = default;
    explicit writer(const config &cfg) {
        detail::or_throw([&](status &st) { create(cfg, nullptr, st); });
    }
    writer(const config &cfg, status &st) { create(cfg, nullptr, st); }
    /* Partitions chosen by `p` (kafka-go's BalancerFunc) instead of the `balancer` setting. */
    writer(const config &cfg, partitioner p) {
        detail::or_throw([&](status &st) { create(cfg, std::move(p), st); });
    }
    writer(const config &cfg, partitioner p, status &st) { create(cfg, std::move(p), st); }
    /* Closes with default_close_timeout; exceptions of callbacks run here are discarded (call
     * close() yourself to see them). */
    ~writer() { reset(); }
    writer(writer &&o) noexcept : h_(std::exchange(o.h_, nullptr)), cbs_(std::move(o.cbs_)) {}
    writer &operator=(writer &&o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, nullptr);
            cbs_ = std::move(o.cbs_);
        }
        return *this;
    }
    writer(const writer &) = delete;
    writer &operator=(const writer &) = delete;

    /* Sets the delivery callback (an empty function removes it); it runs inside poll, flush and
     * close, once per report. */
    void set_delivery_callback(delivery_callback cb) {
        detail::or_throw([&](status &st) { set_delivery_callback(std::move(cb), st); });
    }
    void set_delivery_callback(delivery_callback cb, status &st) {
        if (!cb) {
            detail::run(st, [&] { return kafka_writer_set_delivery_cb(h_, nullptr, nullptr); });
            return;
        }
        auto holder = std::make_unique<delivery_callback>(std::move(cb));
        if (detail::run(st, [&] {
                return kafka_writer_set_delivery_cb(h_, &detail::writer_callbacks::on_delivery, holder.get());
            }))
            cbs_->delivery.push_back(std::move(holder));
    }
    /* Sets the log callback (an empty function removes it); `log_level` filters the levels. */
    void set_log_callback(log_callback cb) {
        detail::or_throw([&](status &st) { set_log_callback(std::move(cb), st); });
    }
    void set_log_callback(log_callback cb, status &st) {
        if (!cb) {
            detail::run(st, [&] { return kafka_writer_set_log_cb(h_, nullptr, nullptr); });
            return;
        }
        auto holder = std::make_unique<log_callback>(std::move(cb));
        if (detail::run(st, [&] { return kafka_writer_set_log_cb(h_, &detail::writer_callbacks::on_log, holder.get()); }))
            cbs_->log.push_back(std::move(holder));
    }

    /* Hands the records over and returns at once; outcomes come to the delivery callback.
     * All or nothing: KAFKA_ERR_QUEUE_FULL means poll, then retry. */
    void produce(const std::vector<record> &msgs) const {
        detail::or_throw([&](status &st) { produce(msgs, st); });
    }
    void produce(const std::vector<record> &msgs, status &st) const { produce(msgs.data(), msgs.size(), st); }
    void produce(const record &msg) const {
        detail::or_throw([&](status &st) { produce(&msg, 1, st); });
    }
    void produce(const record &msg, status &st) const { produce(&msg, 1, st); }

    /* Writes and waits until every record is acknowledged; returns their offsets. Throws the
     * first failure. The status& form also fills `errors` (if given) with each record's code. */
    std::vector<std::int64_t> write(const std::vector<record> &msgs, timeout t) const {
        return detail::or_throw([&](status &st) { return write(msgs, t, st); });
    }
    std::vector<std::int64_t> write(const std::vector<record> &msgs, timeout t, status &st,
                                    std::vector<err_t> *errors = nullptr) const {
        detail::c_records c(msgs.data(), msgs.size());
        std::vector<std::int64_t> offsets(msgs.size(), -1);
        std::vector<err_t> errs(msgs.size(), KAFKA_OK);
        detail::run(st, [&] {
            return kafka_writer_write(h_, c.data(), c.size(), t.ms(), t.cancel(), errs.data(), offsets.data());
        });
        if (errors)
            *errors = std::move(errs);
        return offsets;
    }
    /* One record; returns its offset. */
    std::int64_t write(const record &msg, timeout t) const {
        return detail::or_throw([&](status &st) { return write(msg, t, st); });
    }
    std::int64_t write(const record &msg, timeout t, status &st) const {
        detail::c_records c(&msg, 1);
        std::int64_t offset = -1;
        err_t err = KAFKA_OK;
        detail::run(st, [&] { return kafka_writer_write(h_, c.data(), 1, t.ms(), t.cancel(), &err, &offset); });
        return offset;
    }

    /* Serves delivery reports and log lines here, waiting up to `wait` (0: don't, negative:
     * until one comes) for the first; returns how many events were served. */
    std::size_t poll(timeout wait) const {
        return detail::or_throw([&](status &st) { return poll(wait, st); });
    }
    std::size_t poll(timeout wait, status &st) const {
        std::size_t served = 0;
        detail::run(st, [&] { return kafka_writer_poll(h_, wait.ms(), wait.cancel(), &served); });
        return served;
    }
    /* Sends everything and waits until every record produced so far is reported (serving the
     * callbacks); KAFKA_ERR_TIMED_OUT if some are still pending. */
    void flush(timeout wait) const {
        detail::or_throw([&](status &st) { flush(wait, st); });
    }
    void flush(timeout wait, status &st) const {
        detail::run(st, [&] { return kafka_writer_flush(h_, wait.ms(), wait.cancel()); });
    }
    /* Makes the calls blocked in poll/flush/write on other threads fail with KAFKA_ERR_WOKEN
     * (or the next one, if none is blocked). Any thread. */
    void wakeup() const {
        detail::or_throw([&](status &st) { wakeup(st); });
    }
    void wakeup(status &st) const {
        detail::run(st, [&] { return kafka_writer_wakeup(h_); });
    }
    /* Records produced and not yet reported. */
    std::size_t pending() const noexcept { return kafka_writer_pending(h_); }
    /* Statistics as a JSON object. */
    std::string stats() const {
        return detail::or_throw([&](status &st) { return stats(st); });
    }
    std::string stats(status &st) const {
        return detail::read_string(st, [&](char *buf, std::size_t *size) { return kafka_writer_stats(h_, buf, size); });
    }
    /* Flushes for up to `wait`, fails what is still pending (KAFKA_ERR_TIMED_OUT), serves the
     * last callbacks and frees the writer. Throws if something was lost. */
    void close(timeout wait) {
        detail::or_throw([&](status &st) { close(wait, st); });
    }
    void close(timeout wait, status &st) {
        if (!h_) {
            st.clear();
            return;
        }
        detail::run(st, [&] { return kafka_writer_close(h_, wait.ms(), wait.cancel()); });
        if (st.code() != KAFKA_ERR_STATE) /* STATE: closed from a callback; nothing was freed */
            h_ = nullptr;
    }
    explicit operator bool() const noexcept { return h_ != nullptr; }
    const kafka_writer_t *native() const noexcept { return h_; }

private:
    void create(const config &cfg, partitioner p, status &st) {
        cbs_ = std::make_unique<detail::writer_callbacks>();
        if (p) {
            cbs_->part = std::make_unique<partitioner>(std::move(p));
            detail::run(st, [&] {
                return kafka_writer_new_with_partitioner(cfg.native(), &detail::writer_callbacks::on_partition,
                                                         cbs_->part.get(), &h_);
            });
        } else {
            detail::run(st, [&] { return kafka_writer_new(cfg.native(), &h_); });
        }
    }
    void produce(const record *msgs, std::size_t n, status &st) const {
        detail::c_records c(msgs, n);
        detail::run(st, [&] { return kafka_writer_produce(h_, c.data(), c.size()); });
    }
    /* Closes with default_close_timeout; what a callback throws here is discarded. */
    void reset() noexcept {
        if (h_) {
            kafka_writer_close(std::exchange(h_, nullptr), timeout::to_ms(default_close_timeout), nullptr);
            detail::pending_exception() = nullptr;
        }
        cbs_.reset();
    }
    kafka_writer_t *h_ = nullptr;
    std::unique_ptr<detail::writer_callbacks> cbs_;
};

enum class rebalance_event : std::int32_t {
    assigned = KAFKA_REBALANCE_ASSIGNED,
    revoked = KAFKA_REBALANCE_REVOKED,
};

/* A partition in a rebalance callback (topic is valid during the callback). */
struct topic_partition {
    std::string_view topic;
    std::int32_t partition;
};

/* Called on the thread in the reader's reading calls, poll and close. */
using rebalance_callback = std::function<void(rebalance_event, const std::vector<topic_partition> &)>;

namespace detail {
struct reader_callbacks {
    std::vector<std::unique_ptr<rebalance_callback>> rebalance;

    static void on_rebalance(void *ud, std::int32_t event, const kafka_topic_partition_list_t *parts) noexcept {
        try {
            std::size_t count = kafka_topic_partition_list_count(parts);
            std::vector<topic_partition> v;
            v.reserve(count);
            for (std::size_t i = 0; i < count; i++) {
                const char *topic = nullptr;
                std::int32_t p = -1;
                if (kafka_topic_partition_list_get(parts, i, &topic, &p) == KAFKA_OK)
                    v.push_back({topic ? std::string_view(topic) : std::string_view(), p});
            }
            (*static_cast<rebalance_callback *>(ud))(static_cast<rebalance_event>(event), v);
        } catch (...) {
            capture_exception();
        }
    }
};
} // namespace detail

/* A reader of one partition (`reader.partition`) or a consumer-group member (`group.id`).
 * Calls may come from any thread; close (or the destructor) comes last. */
class reader {
public:
    reader() noexcept = default;
    explicit reader(const config &cfg) {
        detail::or_throw([&](status &st) { create(cfg, st); });
    }
    reader(const config &cfg, status &st) { create(cfg, st); }
    /* Closes with default_close_timeout; exceptions of callbacks run here are discarded. */
    ~reader() { reset(); }
    reader(reader &&o) noexcept : h_(std::exchange(o.h_, nullptr)), cbs_(std::move(o.cbs_)) {}
    reader &operator=(reader &&o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, nullptr);
            cbs_ = std::move(o.cbs_);
        }
        return *this;
    }
    reader(const reader &) = delete;
    reader &operator=(const reader &) = delete;

    /* The next message (kafka-go's ReadMessage; in a group it is committed), or nullopt if none
     * came within the timeout. Other failures (including KAFKA_ERR_CANCELLED) throw. If the
     * rebalance callback throws, the exception is rethrown here and the message is dropped. */
    std::optional<message> read(timeout t) const {
        return detail::or_throw([&](status &st) { return read(t, st); });
    }
    std::optional<message> read(timeout t, status &st) const {
        kafka_message_t *m = nullptr;
        err_t code = kafka_reader_read(h_, t.ms(), t.cancel(), &m);
        return take(st, code, m);
    }
    /* As read() without committing (kafka-go's FetchMessage); commit with commit(). */
    std::optional<message> fetch(timeout t) const {
        return detail::or_throw([&](status &st) { return fetch(t, st); });
    }
    std::optional<message> fetch(timeout t, status &st) const {
        kafka_message_t *m = nullptr;
        err_t code = kafka_reader_fetch(h_, t.ms(), t.cancel(), &m);
        return take(st, code, m);
    }
    /* Up to `max` messages already fetched, or waits for the first; empty on timeout. */
    std::vector<message> read_batch(std::size_t max, timeout t) const {
        return detail::or_throw([&](status &st) { return read_batch(max, t, st); });
    }
    std::vector<message> read_batch(std::size_t max, timeout t, status &st) const {
        std::vector<kafka_message_t *> raw(max > 0 ? max : 1, nullptr);
        std::size_t count = 0;
        err_t code = kafka_reader_read_batch(h_, max, t.ms(), t.cancel(), raw.data(), &count);
        st = code == KAFKA_ERR_TIMED_OUT ? status() : status::from_call(code);
        std::vector<message> out;
        if (code == KAFKA_OK) {
            out.reserve(count);
            for (std::size_t i = 0; i < count; i++)
                out.emplace_back(raw[i]);
        }
        detail::rethrow_pending();
        return out;
    }
    /* Commits the offsets after these messages (kafka-go's CommitMessages). */
    void commit(const std::vector<message> &msgs, timeout wait) const {
        detail::or_throw([&](status &st) { commit(msgs, wait, st); });
    }
    void commit(const std::vector<message> &msgs, timeout wait, status &st) const {
        std::vector<const kafka_message_t *> ptrs;
        ptrs.reserve(msgs.size());
        for (const message &m : msgs)
            ptrs.push_back(m.native());
        detail::run(st, [&] {
            return kafka_reader_commit(h_, ptrs.empty() ? nullptr : ptrs.data(), ptrs.size(), wait.ms(), wait.cancel());
        });
    }
    void commit(const message &msg, timeout wait) const {
        detail::or_throw([&](status &st) { commit(msg, wait, st); });
    }
    void commit(const message &msg, timeout wait, status &st) const {
        const kafka_message_t *p = msg.native();
        detail::run(st, [&] { return kafka_reader_commit(h_, &p, 1, wait.ms(), wait.cancel()); });
    }
    /* Makes the calls blocked in the reader on other threads fail with KAFKA_ERR_WOKEN (or the
     * next one, if none is blocked). Any thread. */
    void wakeup() const {
        detail::or_throw([&](status &st) { wakeup(st); });
    }
    void wakeup(status &st) const {
        detail::run(st, [&] { return kafka_reader_wakeup(h_); });
    }
    /* Sets the rebalance callback (an empty function removes it). */
    void set_rebalance_callback(rebalance_callback cb) {
        detail::or_throw([&](status &st) { set_rebalance_callback(std::move(cb), st); });
    }
    void set_rebalance_callback(rebalance_callback cb, status &st) {
        if (!cb) {
            detail::run(st, [&] { return kafka_reader_set_rebalance_cb(h_, nullptr, nullptr); });
            return;
        }
        auto holder = std::make_unique<rebalance_callback>(std::move(cb));
        if (detail::run(st, [&] {
                return kafka_reader_set_rebalance_cb(h_, &detail::reader_callbacks::on_rebalance, holder.get());
            }))
            cbs_->rebalance.push_back(std::move(holder));
    }
    /* Serves pending rebalance callbacks without reading; returns how many. */
    std::size_t poll() const {
        return detail::or_throw([&](status &st) { return poll(st); });
    }
    std::size_t poll(status &st) const {
        std::size_t served = 0;
        detail::run(st, [&] { return kafka_reader_poll(h_, &served); });
        return served;
    }
    /* Moves to `offset` (or offset_first / offset_last); no I/O. */
    void set_offset(std::int64_t offset) const {
        detail::or_throw([&](status &st) { set_offset(offset, st); });
    }
    void set_offset(std::int64_t offset, status &st) const {
        detail::run(st, [&] { return kafka_reader_set_offset(h_, offset); });
    }
    /* Moves to the first message at or after `unix_ms`; returns that offset. */
    std::int64_t set_offset_at(std::int64_t unix_ms, timeout t) const {
        return detail::or_throw([&](status &st) { return set_offset_at(unix_ms, t, st); });
    }
    std::int64_t set_offset_at(std::int64_t unix_ms, timeout t, status &st) const {
        std::int64_t o = -1;
        detail::run(st, [&] { return kafka_reader_set_offset_at(h_, unix_ms, t.ms(), t.cancel(), &o); });
        return o;
    }
    /* The offset the next read returns (offset_first/offset_last until known). */
    std::int64_t offset() const noexcept { return kafka_reader_offset(h_); }
    /* Messages behind the partition's end as of the last fetch; -1 before it. No I/O. */
    std::int64_t lag() const noexcept { return kafka_reader_lag(h_); }
    /* Asks the leader for the partition's end and returns the lag to it. */
    std::int64_t read_lag(timeout t) const {
        return detail::or_throw([&](status &st) { return read_lag(t, st); });
    }
    std::int64_t read_lag(timeout t, status &st) const {
        std::int64_t lag = -1;
        detail::run(st, [&] { return kafka_reader_read_lag(h_, t.ms(), t.cancel(), &lag); });
        return lag;
    }
    /* Statistics as a JSON object. */
    std::string stats() const {
        return detail::or_throw([&](status &st) { return stats(st); });
    }
    std::string stats(status &st) const {
        return detail::read_string(st, [&](char *buf, std::size_t *size) { return kafka_reader_stats(h_, buf, size); });
    }
    /* Stops reading and frees the reader; a group member commits what is pending and leaves the
     * group within `wait`. The last rebalance callbacks run here. */
    void close(timeout wait) {
        detail::or_throw([&](status &st) { close(wait, st); });
    }
    void close(timeout wait, status &st) {
        if (!h_) {
            st.clear();
            return;
        }
        detail::run(st, [&] { return kafka_reader_close(h_, wait.ms(), wait.cancel()); });
        if (st.code() != KAFKA_ERR_STATE) /* STATE: closed from a callback; nothing was freed */
            h_ = nullptr;
    }
    explicit operator bool() const noexcept { return h_ != nullptr; }
    const kafka_reader_t *native() const noexcept { return h_; }

private:
    void create(const config &cfg, status &st) {
        cbs_ = std::make_unique<detail::reader_callbacks>();
        detail::run(st, [&] { return kafka_reader_new(cfg.native(), &h_); });
    }
    static std::optional<message> take(status &st, err_t code, kafka_message_t *m) {
        st = code == KAFKA_ERR_TIMED_OUT ? status() : status::from_call(code);
        std::optional<message> out;
        if (code == KAFKA_OK)
            out.emplace(m);
        detail::rethrow_pending();
        return out;
    }
    /* Closes with default_close_timeout; what a callback throws here is discarded. */
    void reset() noexcept {
        if (h_) {
            kafka_reader_close(std::exchange(h_, nullptr), timeout::to_ms(default_close_timeout), nullptr);
            detail::pending_exception() = nullptr;
        }
        cbs_.reset();
    }
    kafka_reader_t *h_ = nullptr;
    std::unique_ptr<detail::reader_callbacks> cbs_;
};

} // namespace kafka_rs

#endif /* KAFKA_RS_HPP */
