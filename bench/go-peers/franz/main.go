// franz_perf: the peer of bench/kafka_perf.c on twmb/franz-go, with the same options and output
// line. Settings:
//
//	-P  RequiredAcks -a, ProducerBatchCompression -z, ProducerLinger -l ms,
//	    DisableIdempotentWrite with -I, MaxBufferedRecords 1000000 (kafka_perf's queue);
//	    batch bytes at the default 1 MB (franz-go has no message-count limit, -B is ignored);
//	    Produce with a counting promise, then Flush.
//	-C  PollFetches: ConsumePartitions(partition 0 from the start), or ConsumerGroup -G with
//	    ConsumeTopics, AutoCommitInterval 1s, reset to the start.
//	-E  a producer client (ProducerLinger 1ms, acks -a) paced at -r msgs/s, a partition consumer.
//	-L  a client with default settings (acks all, idempotent, no linger), ProduceSync per message.
package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/libkafka_rs/bench/go-peers/internal/perf"
	"github.com/twmb/franz-go/pkg/kgo"
)

func opts(o *perf.Opts) []kgo.Opt {
	return []kgo.Opt{kgo.SeedBrokers(o.Brokers...), kgo.DefaultProduceTopic(o.Topic)}
}

func producerOpts(o *perf.Opts, linger time.Duration) []kgo.Opt {
	os := opts(o)
	if o.Acks == "1" || o.Acks == "one" || o.Acks == "leader" {
		os = append(os, kgo.RequiredAcks(kgo.LeaderAck()))
	} else {
		os = append(os, kgo.RequiredAcks(kgo.AllISRAcks()))
	}
	if o.NoIdempotence || o.Acks != "all" {
		os = append(os, kgo.DisableIdempotentWrite())
	}
	switch o.Codec {
	case "lz4":
		os = append(os, kgo.ProducerBatchCompression(kgo.Lz4Compression()))
	case "zstd":
		os = append(os, kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	default:
		os = append(os, kgo.ProducerBatchCompression(kgo.NoCompression()))
	}
	if linger > 0 {
		os = append(os, kgo.ProducerLinger(linger))
	}
	return append(os, kgo.MaxBufferedRecords(1000000))
}

func consumerOpts(o *perf.Opts) []kgo.Opt {
	os := opts(o)
	if o.Group != "" {
		return append(os, kgo.ConsumerGroup(o.Group), kgo.ConsumeTopics(o.Topic),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.AutoCommitInterval(time.Second))
	}
	return append(os, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{o.Topic: {0: kgo.NewOffset().AtStart()}}))
}

func client(os []kgo.Opt) *kgo.Client {
	c, err := kgo.NewClient(os...)
	if err != nil {
		perf.Die("NewClient", err)
	}
	return c
}

func produce(o *perf.Opts) {
	c := client(producerOpts(o, time.Duration(max(o.Linger, 0))*time.Millisecond))
	var delivered, failed atomic.Int64
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			if failed.Add(1) == 1 {
				perf.Die("delivery failed", err)
			}
			return
		}
		delivered.Add(1)
	}
	payload := perf.Payload(o.Size)
	ctx := context.Background()
	m := perf.Start()
	for i := 0; i < o.Count; i++ {
		c.Produce(ctx, &kgo.Record{Value: payload}, promise)
	}
	if err := c.Flush(ctx); err != nil {
		perf.Die("Flush", err)
	}
	o.Produced(m, delivered.Load(), failed.Load())
	c.Close()
}

func consume(o *perf.Opts) {
	m := perf.Start()
	c := client(consumerOpts(o))
	ctx := context.Background()
	var first time.Time
	got, bytes := 0, 0.0
	for got < o.Count {
		fs := c.PollFetches(ctx)
		if errs := fs.Errors(); len(errs) > 0 {
			perf.Die("PollFetches", errs[0].Err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if got == 0 {
				first = time.Now()
			}
			got++
			bytes += float64(len(r.Value))
		})
	}
	o.Consumed(m, first, got, bytes)
	c.Close()
}

func e2e(o *perf.Opts) {
	ref := time.Now()
	p := client(producerOpts(o, time.Millisecond))
	o.Group = ""
	c := client(consumerOpts(o))
	var warm atomic.Bool
	done := make(chan struct{})
	m := perf.Start()
	go func() {
		ctx := context.Background()
		fail := func(_ *kgo.Record, err error) {
			if err != nil {
				perf.Die("delivery failed", err)
			}
		}
		for !warm.Load() {
			v := perf.Payload(o.Size)
			copy(v, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
			p.Produce(ctx, &kgo.Record{Value: v}, fail)
			time.Sleep(200 * time.Millisecond)
		}
		start := time.Now()
		for i := 0; i < o.Count; i++ {
			perf.Pace(start, i, o.Rate)
			v := perf.Payload(o.Size)
			perf.Stamp(v, ref)
			p.Produce(ctx, &kgo.Record{Value: v}, fail)
		}
		_ = p.Flush(ctx)
		close(done)
	}()
	lat := make([]float64, 0, o.Count)
	ctx := context.Background()
	for len(lat) < o.Count {
		fs := c.PollFetches(ctx)
		now := time.Since(ref).Nanoseconds()
		fs.EachRecord(func(r *kgo.Record) {
			if sent := perf.Stamped(r.Value); sent < 0 {
				warm.Store(true)
			} else if len(lat) < o.Count {
				lat = append(lat, float64(now-sent)/1e3)
			}
		})
	}
	<-done
	o.Latencies("e2e", m, lat)
	c.Close()
	p.Close()
}

func syncWrites(o *perf.Opts) {
	c := client(opts(o))
	payload := perf.Payload(o.Size)
	ctx := context.Background()
	if err := c.ProduceSync(ctx, &kgo.Record{Value: payload}).FirstErr(); err != nil { // warm up
		perf.Die("ProduceSync", err)
	}
	lat := make([]float64, 0, o.Count)
	m := perf.Start()
	for len(lat) < o.Count && m.Secs() < o.MaxSecs {
		t := time.Now()
		if err := c.ProduceSync(ctx, &kgo.Record{Value: payload}).FirstErr(); err != nil {
			perf.Die("ProduceSync", err)
		}
		lat = append(lat, float64(time.Since(t).Nanoseconds())/1e3)
	}
	o.Latencies("sync", m, lat)
	c.Close()
}

func main() {
	o := perf.Parse("franz-go")
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
