module example.com/kafka_rs_cgo_check

go 1.21
