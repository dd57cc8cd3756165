// kafka-go README, "Reader": read partition 0 of a topic from offset 42, printing the first
// message, until nothing new arrives for 2 seconds. Usage: reader [topic]
#include <chrono>
#include <iostream>

#include "common.hpp"
#include "kafka_rs.hpp"

int main(int argc, char **argv) try {
    using namespace std::chrono_literals;
    const std::string topic = argc > 1 ? argv[1] : "topic-A";

    kafka_rs::reader r(kafka_rs::config{
        {"bootstrap.servers", broker_addr()},
        {"reader.topic", topic},
        {"reader.partition", "0"},
        {"fetch.max.bytes", "10000000"},
    });
    r.set_offset(42);

    int n = 0;
    while (std::optional<kafka_rs::message> m = r.read(2s)) { // nullopt: 2 s without a message
        if (n++ == 0)
            std::cout << "message at offset " << m->offset() << ": " << m->key().str() << " = " << m->value().str()
                      << "\n";
    }
    std::cout << "read " << n << " messages from offset 42, lag " << r.lag() << "\n";
    r.close(5s);
    return 0;
} catch (const kafka_rs::error &e) {
    std::cerr << "failed: " << e.what() << "\n";
    return 1;
}
