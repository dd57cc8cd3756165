// kafkago_perf: the peer of bench/kafka_perf.c on segmentio/kafka-go, with the same options and
// output line. Settings:
//
//	-P  Writer{Async, Balancer RoundRobin, RequiredAcks -a, Compression -z, BatchTimeout -l ms,
//	    BatchSize -B (BatchBytes default 1 MB)}; WriteMessages with slices of 1000; Close
//	    waits for the rest. kafka-go has no idempotent producer: -I changes nothing.
//	-C  Reader{Partition 0} or Reader{GroupID -G, CommitInterval 1s}, ReadMessage, from the
//	    first offset; other fields at their defaults (MaxBytes 1 MB).
//	-E  Writer{Async, BatchTimeout 1ms, RequiredAcks -a} paced at -r msgs/s, Reader{Partition 0}.
//	-L  the zero-value Writer (RequiredAcks none, BatchTimeout 1 s: each write waits for it),
//	    or with -B 1: BatchSize 1 and RequiredAcks all, what a user wanting synchronous writes
//	    sets. WriteMessages with one message.
package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/libkafka_rs/bench/go-peers/internal/perf"
	"github.com/segmentio/kafka-go"
)

func acks(s string) kafka.RequiredAcks {
	switch s {
	case "1", "one", "leader":
		return kafka.RequireOne
	case "0", "none":
		return kafka.RequireNone
	}
	return kafka.RequireAll
}

func codec(s string) kafka.Compression {
	switch s {
	case "lz4":
		return kafka.Lz4
	case "zstd":
		return kafka.Zstd
	case "gzip":
		return kafka.Gzip
	case "snappy":
		return kafka.Snappy
	}
	return 0
}

func produce(o *perf.Opts) {
	var delivered, failed atomic.Int64
	w := &kafka.Writer{
		Addr:         kafka.TCP(o.Brokers...),
		Topic:        o.Topic,
		Balancer:     &kafka.RoundRobin{},
		RequiredAcks: acks(o.Acks),
		Compression:  codec(o.Codec),
		Async:        true,
		Completion: func(msgs []kafka.Message, err error) {
			if err != nil {
				if failed.Add(int64(len(msgs))) == int64(len(msgs)) {
					perf.Die("delivery failed", err)
				}
				return
			}
			delivered.Add(int64(len(msgs)))
		},
	}
	if o.Linger >= 0 {
		w.BatchTimeout = time.Duration(o.Linger) * time.Millisecond
		if o.Linger == 0 {
			w.BatchTimeout = time.Microsecond // 0 means kafka-go's default of 1 s
		}
	}
	if o.Batch > 0 {
		w.BatchSize = o.Batch
	}
	payload := perf.Payload(o.Size)
	chunk := make([]kafka.Message, 1000)
	for i := range chunk {
		chunk[i].Value = payload
	}
	ctx := context.Background()
	m := perf.Start()
	for sent := 0; sent < o.Count; {
		n := min(o.Count-sent, len(chunk))
		if err := w.WriteMessages(ctx, chunk[:n]...); err != nil {
			perf.Die("WriteMessages", err)
		}
		sent += n
	}
	if err := w.Close(); err != nil {
		perf.Die("Close", err)
	}
	o.Produced(m, delivered.Load(), failed.Load())
}

func reader(o *perf.Opts) *kafka.Reader {
	cfg := kafka.ReaderConfig{Brokers: o.Brokers, Topic: o.Topic, StartOffset: kafka.FirstOffset}
	if o.Group != "" {
		cfg.GroupID = o.Group
		cfg.CommitInterval = time.Second
	}
	return kafka.NewReader(cfg)
}

func consume(o *perf.Opts) {
	m := perf.Start()
	r := reader(o)
	ctx := context.Background()
	var first time.Time
	got, bytes := 0, 0.0
	for got < o.Count {
		msg, err := r.ReadMessage(ctx)
		if err != nil {
			perf.Die("ReadMessage", err)
		}
		if got == 0 {
			first = time.Now()
		}
		got++
		bytes += float64(len(msg.Value))
	}
	o.Consumed(m, first, got, bytes)
	// No r.Close(): it takes seconds (it waits for the fetch loop's MaxWait), which would only
	// slow the matrix down; the process exits here.
}

func e2e(o *perf.Opts) {
	ref := time.Now()
	w := &kafka.Writer{
		Addr: kafka.TCP(o.Brokers...), Topic: o.Topic, RequiredAcks: acks(o.Acks),
		BatchTimeout: time.Millisecond, Async: true,
	}
	r := reader(o)
	var warm atomic.Bool
	done := make(chan struct{})
	m := perf.Start()
	go func() {
		ctx := context.Background()
		for !warm.Load() {
			p := perf.Payload(o.Size)
			copy(p, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
			_ = w.WriteMessages(ctx, kafka.Message{Value: p})
			time.Sleep(200 * time.Millisecond)
		}
		start := time.Now()
		for i := 0; i < o.Count; i++ {
			perf.Pace(start, i, o.Rate)
			p := perf.Payload(o.Size)
			perf.Stamp(p, ref)
			if err := w.WriteMessages(ctx, kafka.Message{Value: p}); err != nil {
				perf.Die("WriteMessages", err)
			}
		}
		_ = w.Close()
		close(done)
	}()
	lat := make([]float64, 0, o.Count)
	ctx := context.Background()
	for len(lat) < o.Count {
		msg, err := r.ReadMessage(ctx)
		if err != nil {
			perf.Die("ReadMessage", err)
		}
		now := time.Since(ref).Nanoseconds()
		if sent := perf.Stamped(msg.Value); sent < 0 {
			warm.Store(true)
		} else {
			lat = append(lat, float64(now-sent)/1e3)
		}
	}
	<-done
	o.Latencies("e2e", m, lat)
	// No r.Close(), as in consume.
}

func syncWrites(o *perf.Opts) {
	w := &kafka.Writer{Addr: kafka.TCP(o.Brokers...), Topic: o.Topic}
	if o.Batch == 1 {
		w.BatchSize = 1
		w.RequiredAcks = kafka.RequireAll
		o.Client = "kafka-go(BatchSize=1,acks=all)"
	}
	payload := perf.Payload(o.Size)
	ctx := context.Background()
	if err := w.WriteMessages(ctx, kafka.Message{Value: payload}); err != nil { // warm up
		perf.Die("WriteMessages", err)
	}
	lat := make([]float64, 0, o.Count)
	m := perf.Start()
	for len(lat) < o.Count && m.Secs() < o.MaxSecs {
		t := time.Now()
		if err := w.WriteMessages(ctx, kafka.Message{Value: payload}); err != nil {
			perf.Die("WriteMessages", err)
		}
		lat = append(lat, float64(time.Since(t).Nanoseconds())/1e3)
	}
	o.Latencies("sync", m, lat)
	_ = w.Close()
}

func main() {
	o := perf.Parse("kafka-go")
	switch o.Mode {
	case 'C':
		consume(o)
	case 'E':
		e2e(o)
	case 'L':
		syncWrites(o)
	default:
		produce(o)
	}
}
