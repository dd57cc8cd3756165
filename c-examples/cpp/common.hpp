// Shared by the C++ examples: the broker address (KAFKA_BOOTSTRAP, default the local test broker).
#ifndef KAFKA_CPP_EXAMPLES_COMMON_HPP
#define KAFKA_CPP_EXAMPLES_COMMON_HPP

#include <cstdlib>
#include <string>

inline std::string broker_addr() {
    const char *addr = std::getenv("KAFKA_BOOTSTRAP");
    return addr ? addr : "127.0.0.1:9092";
}

#endif
