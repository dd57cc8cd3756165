// C++ wrapper tests against the broker at $KAFKA_BOOTSTRAP: a Conn round trip with keys and
// headers, topic admin and metadata; the writer synchronous and asynchronous with delivery
// callbacks; the reader on one partition and in a group with a rebalance callback; callbacks
// that throw; cancelling a blocked read.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>

#include "kafka_rs.hpp"

using namespace std::chrono_literals;

namespace {

std::string bootstrap() {
    const char *a = std::getenv("KAFKA_BOOTSTRAP");
    return a ? a : "127.0.0.1:9092";
}

std::string unique_topic(const std::string &what) {
    static int n = 0;
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    return "cpp-" + what + "-" + std::to_string(now) + "-" + std::to_string(getpid()) + "-" + std::to_string(n++);
}

/* Writes values "v0".."v<count-1>" with keys "k<i>" to partition 0 of a new topic. */
void fill(const std::string &topic, int count) {
    kafka_rs::config cfg;
    auto c = kafka_rs::conn::dial_leader(cfg, bootstrap(), topic, 0, 15s);
    std::vector<std::string> keys, values;
    for (int i = 0; i < count; i++) {
        keys.push_back("k" + std::to_string(i));
        values.push_back("v" + std::to_string(i));
    }
    std::vector<kafka_rs::record> recs(count);
    for (int i = 0; i < count; i++) {
        recs[i].key = keys[i];
        recs[i].value = values[i];
    }
    c.write_messages(recs, kafka_rs::compression::lz4, 10s);
}

TEST(CppConnBroker, RoundTripWithKeysHeadersAndMetadata) {
    const std::string topic = unique_topic("conn");
    kafka_rs::config cfg{{"client.id", "cpp-test"}};
    auto c = kafka_rs::conn::dial_leader(cfg, bootstrap(), topic, 0, 15s);
    ASSERT_TRUE(c);

    std::vector<kafka_rs::record> recs(3);
    recs[0].key = "a";
    recs[0].value = "one";
    recs[0].headers = {{"h1", "x"}, {"h2", kafka_rs::bytes_view::null()}};
    recs[1].value = ""; // empty, not null
    recs[2].key = "c";  // null value: a tombstone
    recs[2].timestamp_ms = 1700000000000;
    std::int64_t base = c.write_messages(recs, kafka_rs::compression::zstd, 10s);
    EXPECT_EQ(base, 0);

    auto [first, last] = c.offsets(10s);
    EXPECT_EQ(first, 0);
    EXPECT_EQ(last, 3);
    EXPECT_EQ(c.last_offset(10s), 3);
    EXPECT_EQ(c.offset_at(1700000000000, 10s), 0); // the first two are stamped now: later
    EXPECT_EQ(c.seek(0, kafka_rs::whence::start, 10s), 0);
    EXPECT_THROW(c.seek(10, kafka_rs::whence::absolute, 10s), kafka_rs::error);
    EXPECT_EQ(c.seek(10, kafka_rs::whence::absolute | kafka_rs::whence::dont_check, 10s), 10);
    c.seek(base, kafka_rs::whence::absolute, 10s);

    kafka_rs::batch b = c.read_batch(1, 1 << 20, 1s, 10s);
    EXPECT_EQ(b.high_water_mark(), 3);
    std::vector<kafka_rs::message> got;
    for (kafka_rs::message &m : b)
        got.push_back(std::move(m));
    b.close();
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].topic(), topic);
    EXPECT_EQ(got[0].key().str(), "a");
    EXPECT_EQ(got[0].value().str(), "one");
    ASSERT_EQ(got[0].header_count(), 2u);
    auto hs = got[0].headers();
    EXPECT_EQ(hs[0].key, "h1");
    EXPECT_EQ(hs[0].value, kafka_rs::bytes_view("x"));
    EXPECT_EQ(hs[1].key, "h2");
    EXPECT_TRUE(hs[1].value.is_null());
    EXPECT_TRUE(got[1].key().is_null());
    EXPECT_FALSE(got[1].value().is_null());
    EXPECT_TRUE(got[1].value().empty());
    EXPECT_TRUE(got[2].value().is_null());
    EXPECT_EQ(got[2].timestamp_ms(), 1700000000000);
    EXPECT_EQ(got[2].offset(), 2);
    EXPECT_EQ(c.offset().first, 3);

    // Nothing more: a timed-out read is an empty optional, not an exception.
    EXPECT_FALSE(c.read_message(1 << 20, 500ms));
    c.seek(1, kafka_rs::whence::absolute, 10s);
    std::optional<kafka_rs::message> m = c.read_message(1 << 20, 10s);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->offset(), 1);

    auto brokers = c.brokers(10s);
    ASSERT_FALSE(brokers.empty());
    EXPECT_EQ(c.controller(10s).id, brokers[0].id);
    auto parts = c.read_partitions({topic}, 10s);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].topic, topic);
    EXPECT_EQ(parts[0].leader, brokers[0].id);
    EXPECT_EQ(parts[0].replicas, std::vector<std::int32_t>{brokers[0].id});
    kafka_rs::status st;
    c.read_partitions({unique_topic("absent")}, 10s, st);
    EXPECT_EQ(st.code(), KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION);
}

TEST(CppConnBroker, CreatesAndDeletesTopics) {
    kafka_rs::config cfg;
    auto c = kafka_rs::conn::dial(cfg, bootstrap(), 10s);
    kafka_rs::topic_spec spec;
    spec.name = unique_topic("admin");
    spec.num_partitions = 3;
    spec.replication_factor = 1;
    spec.configs["cleanup.policy"] = "compact";
    c.create_topics({spec}, 30s);
    EXPECT_EQ(c.read_partitions({spec.name}, 10s).size(), 3u);
    c.delete_topics({spec.name}, 30s);
}

TEST(CppWriterBroker, SynchronousWritesReturnOffsets) {
    const std::string topic = unique_topic("wsync");
    kafka_rs::writer w(kafka_rs::config{{"bootstrap.servers", bootstrap()},
                                        {"writer.topic", topic},
                                        {"allow.auto.create.topics", "true"}});
    std::vector<kafka_rs::record> recs(3);
    recs[0].value = "a";
    recs[1].value = "b";
    recs[2].value = "c";
    auto offsets = w.write(recs, 15s);
    EXPECT_EQ(offsets, (std::vector<std::int64_t>{0, 1, 2}));
    kafka_rs::record one;
    one.value = "d";
    EXPECT_EQ(w.write(one, 10s), 3);

    // A record naming a topic on a writer with writer.topic is refused, per record.
    kafka_rs::record wrong;
    wrong.topic = "other";
    wrong.value = "x";
    kafka_rs::status st;
    std::vector<kafka_rs::err_t> errors;
    w.write({wrong}, 10s, st, &errors);
    EXPECT_EQ(st.code(), KAFKA_ERR_INVALID_ARG);
    EXPECT_NE(w.stats().find("\"messages_delivered\":4"), std::string::npos) << w.stats();
    w.close(10s);
}

TEST(CppWriterBroker, AsyncReportsComeThroughTheCallbackOnThePollingThread) {
    const std::string topic = unique_topic("wasync");
    kafka_rs::config cfg{{"bootstrap.servers", bootstrap()}, {"allow.auto.create.topics", "true"}, {"linger.ms", "5"}};
    kafka_rs::writer w(cfg);
    std::vector<int> seen(20, 0);
    int ok = 0, elsewhere = 0;
    const auto me = std::this_thread::get_id();
    w.set_delivery_callback([&](const kafka_rs::delivery_report &r) {
        if (std::this_thread::get_id() != me)
            elsewhere++;
        if (r.err == KAFKA_OK && r.topic == topic && r.offset >= 0)
            ok++;
        seen.at(reinterpret_cast<std::intptr_t>(r.opaque))++;
    });
    std::vector<std::string> values;
    for (int i = 0; i < 20; i++)
        values.push_back("async-" + std::to_string(i));
    for (int i = 0; i < 20; i++) {
        kafka_rs::record r;
        r.topic = topic;
        r.value = values[i];
        r.opaque = reinterpret_cast<void *>(static_cast<std::intptr_t>(i));
        w.produce(r);
    }
    w.flush(15s);
    EXPECT_EQ(w.pending(), 0u);
    EXPECT_EQ(ok, 20);
    EXPECT_EQ(elsewhere, 0);
    EXPECT_EQ(seen, std::vector<int>(20, 1));
    w.close(10s);
}

TEST(CppWriterBroker, ThrowingDeliveryCallbackIsRethrownAfterTheCall) {
    const std::string topic = unique_topic("wthrow");
    kafka_rs::writer w(kafka_rs::config{{"bootstrap.servers", bootstrap()},
                                        {"writer.topic", topic},
                                        {"allow.auto.create.topics", "true"}});
    int calls = 0;
    w.set_delivery_callback([&](const kafka_rs::delivery_report &) {
        calls++;
        throw std::runtime_error("boom from the callback");
    });
    std::vector<kafka_rs::record> recs(5);
    for (auto &r : recs)
        r.value = "x";
    w.produce(recs);
    try {
        w.flush(15s);
        FAIL() << "flush did not rethrow";
    } catch (const kafka_rs::error &) {
        FAIL() << "the callback's exception came back as a kafka_rs::error";
    } catch (const std::runtime_error &e) {
        EXPECT_STREQ(e.what(), "boom from the callback");
    }
    EXPECT_EQ(calls, 5); // every report was still delivered
    EXPECT_EQ(w.pending(), 0u);
    // The writer keeps working; a non-throwing callback replaces the old one.
    int later = 0;
    w.set_delivery_callback([&](const kafka_rs::delivery_report &r) { later += r.err == KAFKA_OK; });
    w.produce(recs[0]);
    w.close(10s);
    EXPECT_EQ(later, 1);
}

TEST(CppWriterBroker, LogLinesComeThroughTheCallbackInPoll) {
    kafka_rs::writer w(kafka_rs::config{{"bootstrap.servers", bootstrap()},
                                        {"writer.topic", unique_topic("wlog")},
                                        {"allow.auto.create.topics", "true"},
                                        {"log_level", "7"}});
    std::vector<std::pair<int, std::string>> lines;
    const auto me = std::this_thread::get_id();
    int elsewhere = 0;
    w.set_log_callback([&](int level, std::string_view line) {
        elsewhere += std::this_thread::get_id() != me;
        lines.emplace_back(level, std::string(line));
    });
    kafka_rs::record r;
    r.value = "logged";
    w.write(r, 15s);
    w.poll(0ms);
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(elsewhere, 0);
    bool producer_id = false;
    for (const auto &l : lines) {
        EXPECT_TRUE(l.first >= 3 && l.first <= 7) << l.first;
        producer_id |= l.second.find("producer id") != std::string::npos;
    }
    EXPECT_TRUE(producer_id); // the idempotent writer logs the id it got, at debug level
    w.set_log_callback(nullptr);
    w.close(10s);
}

TEST(CppWriterBroker, PartitionerChoosesThePartition) {
    kafka_rs::config cfg;
    auto c = kafka_rs::conn::dial(cfg, bootstrap(), 10s);
    kafka_rs::topic_spec spec;
    spec.name = unique_topic("wpart");
    spec.num_partitions = 3;
    c.create_topics({spec}, 30s);
    std::atomic<int> asked{0};
    kafka_rs::writer w(kafka_rs::config{{"bootstrap.servers", bootstrap()}, {"writer.topic", spec.name}},
                       [&](kafka_rs::bytes_view key, const std::int32_t *parts, std::size_t count) {
                           asked++;
                           if (key.str() == "bad")
                               throw std::runtime_error("no partition for you");
                           return parts[count - 1];
                       });
    std::vector<kafka_rs::record> recs(2);
    recs[0].key = "good";
    recs[0].value = "1";
    recs[1].key = "bad";
    recs[1].value = "2";
    kafka_rs::status st;
    std::vector<kafka_rs::err_t> errors;
    w.write(recs, 15s, st, &errors);
    EXPECT_EQ(st.code(), KAFKA_ERR_INVALID_ARG);
    EXPECT_EQ(errors, (std::vector<kafka_rs::err_t>{KAFKA_OK, KAFKA_ERR_INVALID_ARG}));
    EXPECT_GE(asked.load(), 2);
    w.close(10s);
    auto last = kafka_rs::conn::dial_leader(cfg, bootstrap(), spec.name, 2, 10s).last_offset(10s);
    EXPECT_EQ(last, 1);
}

TEST(CppReaderBroker, PartitionReaderReadsFromAnOffset) {
    const std::string topic = unique_topic("rpart");
    fill(topic, 10);
    kafka_rs::reader r(kafka_rs::config{{"bootstrap.servers", bootstrap()},
                                        {"reader.topic", topic},
                                        {"reader.partition", "0"}});
    r.set_offset(3);
    for (int i = 3; i < 6; i++) {
        std::optional<kafka_rs::message> m = r.read(10s);
        ASSERT_TRUE(m);
        EXPECT_EQ(m->offset(), i);
        EXPECT_EQ(m->key().str(), "k" + std::to_string(i));
        EXPECT_EQ(m->value().str(), "v" + std::to_string(i));
    }
    std::vector<kafka_rs::message> rest;
    while (rest.size() < 4) {
        auto more = r.read_batch(100, 10s);
        ASSERT_FALSE(more.empty());
        for (auto &m : more)
            rest.push_back(std::move(m));
    }
    EXPECT_EQ(rest.front().offset(), 6);
    EXPECT_EQ(rest.back().offset(), 9);
    EXPECT_FALSE(r.read(300ms)); // timed out: empty, no exception
    EXPECT_TRUE(r.read_batch(10, 300ms).empty());
    EXPECT_EQ(r.lag(), 0);
    EXPECT_EQ(r.read_lag(10s), 0);
    EXPECT_EQ(r.offset(), 10);
    EXPECT_NE(r.stats().find("\"messages\":7"), std::string::npos) << r.stats();
    kafka_rs::status st;
    r.commit(rest, 1s, st);
    EXPECT_EQ(st.code(), KAFKA_ERR_STATE); // not in a group
    r.close(5s);
}

TEST(CppReaderBroker, BlockedReadIsCancelledFromAnotherThread) {
    const std::string topic = unique_topic("rcancel");
    fill(topic, 1);
    kafka_rs::reader r(kafka_rs::config{{"bootstrap.servers", bootstrap()}, {"reader.topic", topic}});
    r.set_offset(kafka_rs::offset_last);
    kafka_rs::cancel_token token;
    std::thread firer([&] {
        std::this_thread::sleep_for(300ms);
        token.fire();
    });
    auto start = std::chrono::steady_clock::now();
    try {
        r.read({30s, token});
        ADD_FAILURE() << "read returned";
    } catch (const kafka_rs::error &e) {
        EXPECT_EQ(e.code(), KAFKA_ERR_CANCELLED);
    }
    firer.join();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(CppReaderBroker, GroupReaderReportsRebalancesAndCommits) {
    const std::string topic = unique_topic("rgroup");
    const std::string group = topic + "-g";
    fill(topic, 5);
    kafka_rs::config cfg{{"bootstrap.servers", bootstrap()},
                         {"reader.topic", topic},
                         {"group.id", group},
                         {"session.timeout.ms", "6000"}};
    std::vector<std::pair<kafka_rs::rebalance_event, std::vector<std::string>>> events;
    const auto me = std::this_thread::get_id();
    int elsewhere = 0;
    {
        kafka_rs::reader r(cfg);
        r.set_rebalance_callback([&](kafka_rs::rebalance_event ev, const std::vector<kafka_rs::topic_partition> &ps) {
            elsewhere += std::this_thread::get_id() != me;
            std::vector<std::string> names;
            for (const auto &p : ps)
                names.push_back(std::string(p.topic) + "/" + std::to_string(p.partition));
            events.emplace_back(ev, names);
        });
        std::vector<kafka_rs::message> fetched;
        for (int i = 0; i < 3; i++) {
            auto m = r.fetch(30s);
            ASSERT_TRUE(m);
            EXPECT_EQ(m->offset(), i);
            fetched.push_back(std::move(*m));
        }
        r.commit(fetched, 10s);
        r.close(10s);
    }
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.front().first, kafka_rs::rebalance_event::assigned);
    EXPECT_EQ(events.front().second, std::vector<std::string>{topic + "/0"});
    EXPECT_EQ(elsewhere, 0);

    // The next member starts after the commit.
    kafka_rs::reader r2(cfg);
    auto m = r2.read(30s);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->offset(), 3);
    r2.close(10s);
}

TEST(CppReaderBroker, ThrowingRebalanceCallbackIsRethrownFromTheRead) {
    const std::string topic = unique_topic("rthrow");
    fill(topic, 3);
    kafka_rs::reader r(kafka_rs::config{{"bootstrap.servers", bootstrap()},
                                        {"reader.topic", topic},
                                        {"group.id", topic + "-g"},
                                        {"session.timeout.ms", "6000"}});
    int calls = 0;
    r.set_rebalance_callback([&](kafka_rs::rebalance_event ev, const std::vector<kafka_rs::topic_partition> &) {
        calls++;
        if (ev == kafka_rs::rebalance_event::assigned)
            throw std::logic_error("rejected assignment");
    });
    bool thrown = false;
    for (int i = 0; i < 5 && !thrown; i++) {
        try {
            r.fetch(10s); // the assignment comes with the first fetch
        } catch (const std::logic_error &e) {
            EXPECT_STREQ(e.what(), "rejected assignment");
            thrown = true;
        }
    }
    EXPECT_TRUE(thrown);
    EXPECT_GE(calls, 1);
    auto m = r.fetch(10s); // the reader carries on
    ASSERT_TRUE(m);
    EXPECT_GE(m->offset(), 0);
    EXPECT_EQ(m->topic(), topic);
    kafka_rs::status st;
    r.close(10s, st); // the revoke callback does not throw
    EXPECT_TRUE(st) << st.message();
}

} // namespace
