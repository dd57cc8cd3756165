// kafka-go README, "Writer": a writer for one topic with the least-bytes balancer writes three
// keyed messages synchronously, then the same asynchronously with a delivery callback.
// Usage: writer [topic]
#include <chrono>
#include <iostream>

#include "common.hpp"
#include "kafka_rs.hpp"

int main(int argc, char **argv) try {
    using namespace std::chrono_literals;
    const std::string topic = argc > 1 ? argv[1] : "topic-A";

    kafka_rs::config cfg{
        {"bootstrap.servers", broker_addr()},
        {"writer.topic", topic},
        {"balancer", "least_bytes"},
        {"allow.auto.create.topics", "true"},
    };
    kafka_rs::writer w(cfg);

    std::vector<kafka_rs::record> msgs(3);
    const char *keys[] = {"Key-A", "Key-B", "Key-C"};
    const char *values[] = {"Hello World!", "One!", "Two!"};
    for (int i = 0; i < 3; i++) {
        msgs[i].key = keys[i];
        msgs[i].value = values[i];
    }
    std::vector<std::int64_t> offsets = w.write(msgs, 10s);
    std::cout << "wrote 3 messages to " << topic << " at offsets " << offsets[0] << ", " << offsets[1] << ", "
              << offsets[2] << "\n";

    int delivered = 0;
    w.set_delivery_callback([&](const kafka_rs::delivery_report &r) {
        if (r.err == KAFKA_OK)
            delivered++;
        else
            std::cerr << "not delivered: " << kafka_rs::err_name(r.err) << "\n";
    });
    w.produce(msgs);
    w.flush(10s); // the callback runs in here
    std::cout << "produced 3 more, " << delivered << " delivered\n";
    w.close(10s);
    return 0;
} catch (const kafka_rs::error &e) {
    std::cerr << "failed: " << e.what() << "\n";
    return 1;
}
