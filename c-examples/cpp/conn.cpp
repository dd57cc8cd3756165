// kafka-go README, "Connection": produce three messages to a partition's leader with a write
// deadline, then read them back as one batch with a read deadline. Usage: conn [topic]
#include <chrono>
#include <iostream>

#include "common.hpp"
#include "kafka_rs.hpp"

int main(int argc, char **argv) try {
    using namespace std::chrono_literals;
    const std::string topic = argc > 1 ? argv[1] : "my-topic";

    kafka_rs::config cfg;
    auto conn = kafka_rs::conn::dial_leader(cfg, broker_addr(), topic, 0, 10s);

    // To produce messages.
    conn.set_write_deadline(std::chrono::system_clock::now() + 10s);
    std::vector<kafka_rs::record> msgs(3);
    msgs[0].value = "one!";
    msgs[1].value = "two!";
    msgs[2].value = "three!";
    std::int64_t first = conn.write_messages(msgs, kafka_rs::compression::none, kafka_rs::infinite);
    std::cout << "wrote 3 messages to " << topic << "/0 at offset " << first << "\n";

    // To consume messages: min 10 KB, max 1 MB; the broker answers after 1 s with less.
    conn.seek(first, kafka_rs::whence::absolute, 10s);
    conn.set_read_deadline(std::chrono::system_clock::now() + 10s);
    kafka_rs::batch batch = conn.read_batch(10000, 1000000, 1s, kafka_rs::infinite);
    int n = 0;
    for (kafka_rs::message &m : batch) {
        std::cout << m.offset() - first << ": " << m.value().str() << "\n";
        if (++n == 3)
            break;
    }
    std::cout << "read " << n << " messages back\n";
    return n == 3 ? 0 : 1;
} catch (const kafka_rs::error &e) {
    std::cerr << "failed: " << e.what() << "\n";
    return 1;
}
