// C++ wrapper tests that need no broker: errors carry code, name and message; status& overloads
// never throw; handles are move-only; invalid use is reported, not crashed; cancel tokens;
// timeouts and byte views.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <type_traits>

#include "kafka_rs.hpp"

int kafka_rs_header_twice_ok(); // header_twice.cpp: includes both headers twice

using namespace std::chrono_literals;

namespace {

template <class T>
constexpr bool move_only_v = !std::is_copy_constructible_v<T> && !std::is_copy_assignable_v<T> &&
                             std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_assignable_v<T>;

static_assert(move_only_v<kafka_rs::config>);
static_assert(move_only_v<kafka_rs::conn>);
static_assert(move_only_v<kafka_rs::writer>);
static_assert(move_only_v<kafka_rs::reader>);
static_assert(move_only_v<kafka_rs::message>);
static_assert(move_only_v<kafka_rs::batch>);
static_assert(move_only_v<kafka_rs::cancel_token>);
static_assert(std::is_base_of_v<std::runtime_error, kafka_rs::error>);

TEST(CppHeader, BothHeadersIncludeTwice) { EXPECT_EQ(kafka_rs_header_twice_ok(), KAFKA_RS_VERSION_MAJOR + 1); }

TEST(CppHeader, VersionMatchesTheLibrary) {
    std::uint32_t v = kafka_rs::version();
    EXPECT_EQ(v >> 16, static_cast<std::uint32_t>(KAFKA_RS_VERSION_MAJOR));
    EXPECT_EQ((v >> 8) & 0xff, static_cast<std::uint32_t>(KAFKA_RS_VERSION_MINOR));
    EXPECT_EQ(kafka_rs::version_string(), std::to_string(KAFKA_RS_VERSION_MAJOR) + "." +
                                              std::to_string(KAFKA_RS_VERSION_MINOR) + "." +
                                              std::to_string(KAFKA_RS_VERSION_PATCH));
    EXPECT_EQ(v, static_cast<std::uint32_t>(KAFKA_RS_VERSION));
}

// The header's macros compile as C++: KAFKA_MSG_INIT / KAFKA_HEADER_INIT set the size and zero
// the rest; KAFKA_RS_DEPRECATED expands to an attribute the compiler accepts.
KAFKA_RS_DEPRECATED("only to check that the macro compiles") inline int kafka_rs_deprecated_probe() { return 1; }

TEST(CppHeader, InitMacrosAndPackedVersion) {
    kafka_msg_t m = KAFKA_MSG_INIT;
    EXPECT_EQ(m.size, sizeof(kafka_msg_t));
    EXPECT_EQ(m.flags, 0u);
    EXPECT_EQ(m.partition, 0);
    EXPECT_EQ(m.topic, nullptr);
    EXPECT_EQ(m.opaque, nullptr);
    kafka_header_t h = KAFKA_HEADER_INIT;
    EXPECT_EQ(h.size, sizeof(kafka_header_t));
    EXPECT_EQ(h.key, nullptr);
    EXPECT_EQ(KAFKA_RS_VERSION, (KAFKA_RS_VERSION_MAJOR << 16) | (KAFKA_RS_VERSION_MINOR << 8) | KAFKA_RS_VERSION_PATCH);
    EXPECT_EQ(KAFKA_PARTITION_ANY - 1, -2); // negative macros are parenthesised
}

TEST(CppConfig, UnknownKeyThrowsConfigErrorWithDetail) {
    kafka_rs::config cfg;
    try {
        cfg.set("no.such.key", "1");
        FAIL() << "set did not throw";
    } catch (const kafka_rs::error &e) {
        EXPECT_EQ(e.code(), KAFKA_ERR_CONFIG);
        EXPECT_STREQ(e.name(), kafka_err_name(KAFKA_ERR_CONFIG));
        EXPECT_NE(e.message().find("no.such.key"), std::string::npos) << e.message();
        EXPECT_EQ(std::string(e.what()), std::string(e.name()) + ": " + e.message());
    }
}

TEST(CppConfig, BadValueThroughStatusDoesNotThrow) {
    kafka_rs::config cfg;
    kafka_rs::status st;
    cfg.set("acks", "most", st);
    EXPECT_FALSE(st);
    EXPECT_EQ(st.code(), KAFKA_ERR_CONFIG);
    EXPECT_NE(st.message().find("acks"), std::string::npos) << st.message();
    cfg.set("acks", "1", st);
    EXPECT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(cfg.get("acks"), "1");
}

TEST(CppConfig, GetReturnsDefaultsAndLongValues) {
    kafka_rs::config cfg{{"client.id", std::string(1000, 'x')}};
    EXPECT_EQ(cfg.get("client.id"), std::string(1000, 'x')); // longer than the first buffer
    kafka_rs::status st;
    std::string v = cfg.get("no.such.key", st);
    EXPECT_EQ(st.code(), KAFKA_ERR_CONFIG);
    EXPECT_TRUE(v.empty());
    EXPECT_THROW(cfg.get("no.such.key"), kafka_rs::error);
}

TEST(CppError, DetailIsCapturedOnTheFailingCall) {
    kafka_rs::config cfg;
    kafka_rs::status st;
    cfg.set("no.such.key", "1", st);
    std::string detail = st.message();
    cfg.set("client.id", "fine"); // resets the thread's last error in the library
    EXPECT_STREQ(kafka_last_error_message(), "");
    EXPECT_EQ(st.message(), detail);
    EXPECT_FALSE(detail.empty());
}

TEST(CppWriter, ConfigIsValidatedAsAWhole) {
    kafka_rs::config cfg;
    try {
        kafka_rs::writer w(cfg);
        FAIL() << "a writer without bootstrap.servers was created";
    } catch (const kafka_rs::error &e) {
        EXPECT_EQ(e.code(), KAFKA_ERR_CONFIG);
        EXPECT_NE(e.message().find("bootstrap.servers"), std::string::npos) << e.message();
    }
    cfg.set("bootstrap.servers", "127.0.0.1:1").set("acks", "1").set("enable.idempotence", "true");
    kafka_rs::status st;
    kafka_rs::writer w(cfg, st);
    EXPECT_EQ(st.code(), KAFKA_ERR_CONFIG);
    EXPECT_NE(st.message().find("acks=all"), std::string::npos) << st.message();
    EXPECT_FALSE(w);
}

TEST(CppReader, MissingTopicIsAConfigError) {
    kafka_rs::status st;
    kafka_rs::reader r(kafka_rs::config{{"bootstrap.servers", "127.0.0.1:1"}}, st);
    EXPECT_EQ(st.code(), KAFKA_ERR_CONFIG);
    EXPECT_NE(st.message().find("reader.topic"), std::string::npos) << st.message();
    EXPECT_FALSE(r);
}

TEST(CppMove, MovedFromHandlesAreEmptyAndReportInvalidArg) {
    kafka_rs::config a{{"client.id", "moved"}};
    kafka_rs::config b(std::move(a));
    EXPECT_FALSE(a); // NOLINT: testing the moved-from state
    EXPECT_TRUE(b);
    EXPECT_EQ(b.get("client.id"), "moved");
    try {
        a.set("client.id", "x"); // NOLINT
        FAIL() << "set on a moved-from config did not throw";
    } catch (const kafka_rs::error &e) {
        EXPECT_EQ(e.code(), KAFKA_ERR_INVALID_ARG);
        EXPECT_STREQ(e.name(), "INVALID_ARG");
    }
    a = std::move(b);
    EXPECT_EQ(a.get("client.id"), "moved");

    kafka_rs::writer w(kafka_rs::config{{"bootstrap.servers", "127.0.0.1:1"}, {"writer.topic", "t"}});
    kafka_rs::writer w2 = std::move(w);
    EXPECT_FALSE(w); // NOLINT
    EXPECT_TRUE(w2);
    kafka_rs::record rec;
    rec.value = "v";
    try {
        w.produce(rec); // NOLINT
        FAIL() << "produce on a moved-from writer did not throw";
    } catch (const kafka_rs::error &e) {
        EXPECT_EQ(e.code(), KAFKA_ERR_INVALID_ARG);
    }
    EXPECT_EQ(w.pending(), 0u); // NOLINT
    w = std::move(w2);            // the moved-to writer still works
    EXPECT_TRUE(w);
    kafka_rs::status closed;
    w.close(0ms, closed);
    EXPECT_TRUE(closed) << closed.message(); // nothing was pending
    EXPECT_FALSE(w);
    w.close(0ms); // closing twice is a no-op
}

TEST(CppInvalid, EmptyHandlesNeverCrash) {
    kafka_rs::reader r;
    kafka_rs::status st;
    EXPECT_FALSE(r.read(10ms, st));
    EXPECT_EQ(st.code(), KAFKA_ERR_INVALID_ARG);
    EXPECT_THROW(r.read(10ms), kafka_rs::error);
    EXPECT_EQ(r.lag(), -1);
    EXPECT_THROW(r.set_offset(3), kafka_rs::error);

    kafka_rs::message m;
    EXPECT_FALSE(m);
    EXPECT_EQ(m.offset(), -1);
    EXPECT_EQ(m.partition(), -1);
    EXPECT_TRUE(m.key().is_null());
    EXPECT_TRUE(m.value().is_null());
    EXPECT_TRUE(m.topic().empty());
    EXPECT_EQ(m.header_count(), 0u);
    EXPECT_THROW(m.header(0), kafka_rs::error);

    kafka_rs::batch b;
    EXPECT_EQ(b.high_water_mark(), -1);
    EXPECT_THROW(b.next(), kafka_rs::error);

    kafka_rs::conn c;
    EXPECT_THROW(c.offset(), kafka_rs::error);
    kafka_rs::writer w;
    EXPECT_THROW(w.flush(0ms), kafka_rs::error);
    EXPECT_THROW(w.set_delivery_callback([](const kafka_rs::delivery_report &) {}), kafka_rs::error);
}

TEST(CppConn, RefusedDialSaysWhere) {
    kafka_rs::config cfg{{"socket.connection.setup.timeout.ms", "2000"}};
    kafka_rs::status st;
    kafka_rs::conn c = kafka_rs::conn::dial(cfg, "127.0.0.1:1", 5s, st);
    EXPECT_FALSE(c);
    EXPECT_EQ(st.code(), KAFKA_ERR_TRANSPORT) << st.name() << ": " << st.message();
    EXPECT_NE(st.message().find("127.0.0.1:1"), std::string::npos) << st.message();
}

TEST(CppCancel, FiredTokenCancelsCalls) {
    kafka_rs::cancel_token token;
    EXPECT_FALSE(token.fired());
    std::thread([&] { token.fire(); }).join();
    EXPECT_TRUE(token.fired());
    token.fire(); // any number of times
    kafka_rs::config cfg;
    try {
        kafka_rs::conn::dial(cfg, "127.0.0.1:1", {5s, token});
        FAIL() << "dial with a fired token did not throw";
    } catch (const kafka_rs::error &e) {
        EXPECT_EQ(e.code(), KAFKA_ERR_CANCELLED);
        EXPECT_STREQ(e.name(), "CANCELLED");
    }
    kafka_rs::cancel_token moved = std::move(token);
    EXPECT_TRUE(moved.fired());
    EXPECT_FALSE(token); // NOLINT
    EXPECT_FALSE(token.fired());
    EXPECT_THROW(token.fire(), kafka_rs::error);
}

TEST(CppTimeout, ConvertsDurations) {
    EXPECT_EQ(kafka_rs::timeout(2s).ms(), 2000);
    EXPECT_EQ(kafka_rs::timeout(1500us).ms(), 1);
    EXPECT_EQ(kafka_rs::timeout(kafka_rs::infinite).ms(), -1);
    EXPECT_EQ(kafka_rs::timeout(-5ms).ms(), -1);
    EXPECT_EQ(kafka_rs::timeout(std::chrono::hours(24 * 365)).ms(), INT32_MAX);
    EXPECT_EQ(kafka_rs::timeout(1s).cancel(), nullptr);
    kafka_rs::cancel_token t;
    EXPECT_EQ(kafka_rs::timeout(1s, t).cancel(), t.native());
}

TEST(CppBytes, NullIsNotEmpty) {
    kafka_rs::bytes_view null;
    kafka_rs::bytes_view empty("");
    kafka_rs::bytes_view s(std::string("abc"));
    EXPECT_TRUE(null.is_null());
    EXPECT_FALSE(empty.is_null());
    EXPECT_TRUE(empty.empty());
    EXPECT_NE(null, empty);
    EXPECT_EQ(kafka_rs::bytes_view("abc"), kafka_rs::bytes_view(std::string_view("abc")));
    EXPECT_EQ(s.size(), 3u);
    EXPECT_EQ(kafka_rs::bytes_view("abc").str(), "abc");
    std::vector<std::uint8_t> bytes{0, 255, 7};
    kafka_rs::bytes_view b(bytes);
    EXPECT_EQ(b.data(), bytes.data());
    EXPECT_EQ(std::vector<std::uint8_t>(b.begin(), b.end()), bytes);
    EXPECT_EQ(b[1], 255);
}

TEST(CppErrors, NamesAndDescriptions) {
    EXPECT_EQ(kafka_rs::err_name(KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION), "UNKNOWN_TOPIC_OR_PARTITION");
    EXPECT_EQ(kafka_rs::err_name(KAFKA_ERR_TIMED_OUT), "TIMED_OUT");
    EXPECT_FALSE(kafka_rs::err_str(KAFKA_ERR_TIMED_OUT).empty());
    kafka_rs::error e(KAFKA_ERR_QUEUE_FULL, "");
    EXPECT_STREQ(e.what(), "QUEUE_FULL");
    kafka_rs::status st(KAFKA_ERR_STATE, "why");
    EXPECT_THROW(st.throw_if_error(), kafka_rs::error);
    st.clear();
    EXPECT_NO_THROW(st.throw_if_error());
}

} // namespace
