// consumer.c in C++ through the installed header-only wrapper kafka_rs.hpp: writes one message,
// reads it back and names the library it ran with. Usage: consumer_cpp <topic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>

#include <kafka_rs.hpp>

int main(int argc, char **argv) {
    using namespace std::chrono_literals;
    if (argc != 2) {
        std::cerr << "usage: " << argv[0] << " <topic>\n";
        return 2;
    }
    const std::string topic = argv[1];
    const char *env = std::getenv("KAFKA_BOOTSTRAP");
    const std::string bootstrap = env ? env : "127.0.0.1:9092";
    try {
        kafka_rs::config cfg{{"bootstrap.servers", bootstrap}, {"writer.topic", topic},
                             {"allow.auto.create.topics", "true"}};
        const std::string value = "installed-" + std::to_string(std::time(nullptr));
        kafka_rs::record rec;
        rec.partition = 0;
        rec.value = value;
        std::int64_t offset;
        {
            kafka_rs::writer w(cfg);
            offset = w.write(rec, 30s);
            w.close(10s);
        }
        cfg.set("reader.topic", topic).set("reader.partition", "0");
        kafka_rs::reader r(cfg);
        r.set_offset(offset);
        std::optional<kafka_rs::message> m = r.read(30s);
        if (!m) {
            std::cerr << "no message within 30 s\n";
            return 1;
        }
        std::cout << "C++: wrote and read back '" << m->value().str() << "' at offset " << m->offset() << " of "
                  << topic << " with libkafka_rs " << kafka_rs::version_string() << "\n";
        const bool same = m->value().str() == value;
        r.close(10s);
        return same ? 0 : 1;
    } catch (const kafka_rs::error &e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
}
