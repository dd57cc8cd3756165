// The C header compiles as C++ and, like the C++ header, may be included more than once.
#include "kafka_rs.h"
#include "kafka_rs.h"
#include "kafka_rs.hpp"
#include "kafka_rs.hpp"

int kafka_rs_header_twice_ok() { return KAFKA_RS_VERSION_MAJOR + static_cast<int>(kafka_rs::infinite.count() < 0); }
