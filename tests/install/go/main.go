// A Go program that links an installed libkafka_rs through cgo and pkg-config, as README.md
// shows: it prints the library's version and lists the broker's topics through a Conn.
// Usage: PKG_CONFIG_PATH=<prefix>/lib/pkgconfig go build && ./kafka_rs_cgo_check
package main

/*
#cgo pkg-config: kafka_rs
#include <stdlib.h>
#include <kafka_rs.h>
*/
import "C"

import (
	"fmt"
	"os"
	"unsafe"
)

func main() {
	addr := os.Getenv("KAFKA_BOOTSTRAP")
	if addr == "" {
		addr = "127.0.0.1:9092"
	}
	fmt.Printf("libkafka_rs %s\n", C.GoString(C.kafka_version_str()))
	if len(os.Args) > 1 && os.Args[1] == "-version" {
		return
	}

	var cfg *C.kafka_config_t
	if err := C.kafka_config_new(&cfg); err != C.KAFKA_OK {
		fail("config", err)
	}
	defer C.kafka_config_free(cfg)
	caddr := C.CString(addr)
	defer C.free(unsafe.Pointer(caddr))
	var conn *C.kafka_conn_t
	if err := C.kafka_conn_dial(cfg, caddr, 10000, nil, &conn); err != C.KAFKA_OK {
		fail("dial", err)
	}
	defer C.kafka_conn_close(conn)
	var brokers *C.kafka_broker_list_t
	if err := C.kafka_conn_brokers(conn, 10000, nil, &brokers); err != C.KAFKA_OK {
		fail("brokers", err)
	}
	defer C.kafka_broker_list_free(brokers)
	fmt.Printf("connected to %s: %d broker(s)\n", addr, int(C.kafka_broker_list_count(brokers)))
}

func fail(what string, err C.kafka_err_t) {
	fmt.Fprintf(os.Stderr, "%s: %s (%s)\n", what, C.GoString(C.kafka_err_name(err)), C.GoString(C.kafka_last_error_message()))
	os.Exit(1)
}
