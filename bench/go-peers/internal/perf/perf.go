// Package perf holds what the Go peers of bench/kafka_perf.c share: the same options, the same
// payload and the same output line (see the comment at the top of kafka_perf.c).
package perf

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Opts are kafka_perf's options.
type Opts struct {
	Mode                              byte // 'P', 'C', 'E', 'L'
	Brokers                           []string
	Topic, Acks, Codec, Group, Client string
	Count, Size, Rate, Linger, Batch  int
	NoIdempotence                     bool
	MaxSecs                           float64
}

// Parse reads kafka_perf's options from the command line.
func Parse(client string) *Opts {
	o := &Opts{Client: client}
	p := flag.Bool("P", false, "produce")
	c := flag.Bool("C", false, "consume")
	e := flag.Bool("E", false, "end-to-end latency at a fixed rate")
	l := flag.Bool("L", false, "synchronous single-message writes, default settings")
	brokers := flag.String("b", "127.0.0.1:9092", "bootstrap brokers")
	flag.StringVar(&o.Topic, "t", "", "topic")
	flag.IntVar(&o.Count, "n", 1000000, "messages")
	flag.IntVar(&o.Size, "s", 100, "message size")
	flag.Int("p", 1, "partitions (informational: topics are created beforehand)")
	flag.StringVar(&o.Acks, "a", "all", "acks: 1 or all")
	flag.StringVar(&o.Codec, "z", "none", "compression: none, lz4, zstd")
	flag.IntVar(&o.Linger, "l", -1, "linger ms (-1: client default)")
	flag.IntVar(&o.Batch, "B", 0, "most messages per batch (0: client default)")
	flag.StringVar(&o.Group, "G", "", "consumer group (consume mode)")
	flag.IntVar(&o.Rate, "r", 10000, "messages/s (end-to-end mode)")
	flag.Float64Var(&o.MaxSecs, "d", 10, "most seconds (sync mode)")
	flag.BoolVar(&o.NoIdempotence, "I", false, "idempotence off")
	flag.Parse()
	o.Brokers = strings.Split(*brokers, ",")
	switch {
	case *c:
		o.Mode = 'C'
	case *e:
		o.Mode = 'E'
	case *l:
		o.Mode = 'L'
	default:
		_ = *p
		o.Mode = 'P'
	}
	if o.Topic == "" || o.Count <= 0 || o.Size < 0 || o.Rate <= 0 || (o.Mode == 'E' && o.Size < 8) {
		fmt.Fprintln(os.Stderr, "usage: -P|-C|-E|-L -t topic [-b brokers] [-n count] [-s size] ... (see bench/kafka_perf.c)")
		os.Exit(2)
	}
	return o
}

// Payload is kafka_perf's payload: "abc..xyz0..9"[i % 36] ^ (i / 36 % 3).
func Payload(size int) []byte {
	n := size
	if n < 8 {
		n = 8
	}
	p := make([]byte, n)
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789"
	for i := 0; i < size; i++ {
		p[i] = chars[i%36] ^ byte(i/36%3)
	}
	return p[:size]
}

// CPU is the process's user + system CPU seconds so far.
func CPU() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// MaxRSSMB is the process's peak resident set in MiB.
func MaxRSSMB() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024
}

// Die reports a failure and exits 1.
func Die(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}

// Percentiles formats p50/p99/max of lat (microseconds), sorting it.
func Percentiles(lat []float64) string {
	if len(lat) == 0 {
		return " p50_us=0 p99_us=0 max_us=0"
	}
	sort.Float64s(lat)
	n := len(lat)
	return fmt.Sprintf(" p50_us=%.0f p99_us=%.0f max_us=%.0f", lat[n/2], lat[int(float64(n)*0.99)], lat[n-1])
}

// Meter measures the timed part of a run.
type Meter struct {
	t0   time.Time
	cpu0 float64
}

// Start starts the clock.
func Start() Meter { return Meter{time.Now(), CPU()} }

// Secs and CPUSecs since Start.
func (m Meter) Secs() float64    { return time.Since(m.t0).Seconds() }
func (m Meter) CPUSecs() float64 { return CPU() - m.cpu0 }

// Produced prints the produce line.
func (o *Opts) Produced(m Meter, delivered, failed int64) {
	secs, cpu := m.Secs(), m.CPUSecs()
	fmt.Printf("mode=produce client=%s count=%d size=%d acks=%s codec=%s delivered=%d failed=%d secs=%.3f "+
		"msgs_per_s=%.0f mb_per_s=%.2f cpu_s=%.3f cpu_s_per_million=%.3f max_rss_mb=%.1f\n",
		o.Client, o.Count, o.Size, o.Acks, o.Codec, delivered, failed, secs, float64(o.Count)/secs,
		float64(o.Count)*float64(o.Size)/secs/1e6, cpu, cpu/float64(o.Count)*1e6, MaxRSSMB())
}

// Consumed prints the consume line; m started before the consumer was created, first is when
// the first message arrived.
func (o *Opts) Consumed(m Meter, first time.Time, got int, bytes float64) {
	secs, cpu := m.Secs(), m.CPUSecs()
	g := o.Group
	if g == "" {
		g = "-"
	}
	fmt.Printf("mode=consume client=%s count=%d group=%s secs=%.3f first_msg_after_s=%.3f msgs_per_s=%.0f "+
		"mb_per_s=%.2f cpu_s=%.3f cpu_s_per_million=%.3f max_rss_mb=%.1f\n",
		o.Client, got, g, secs, first.Sub(m.t0).Seconds(), float64(got)/secs, bytes/secs/1e6, cpu,
		cpu/float64(got)*1e6, MaxRSSMB())
}

// Latencies prints the e2e or sync line.
func (o *Opts) Latencies(mode string, m Meter, lat []float64) {
	secs, cpu := m.Secs(), m.CPUSecs()
	n := float64(len(lat))
	extra := ""
	if mode == "e2e" {
		extra = fmt.Sprintf(" rate=%d", o.Rate)
	}
	fmt.Printf("mode=%s client=%s count=%d size=%d%s secs=%.3f msgs_per_s=%.0f cpu_s=%.3f "+
		"cpu_s_per_million=%.3f max_rss_mb=%.1f%s\n",
		mode, o.Client, len(lat), o.Size, extra, secs, n/secs, cpu, cpu/n*1e6, MaxRSSMB(), Percentiles(lat))
}

// Pace sleeps until message i of a run at rate msgs/s that started at start is due.
func Pace(start time.Time, i, rate int) {
	due := start.Add(time.Duration(int64(i) * int64(time.Second) / int64(rate)))
	if d := time.Until(due); d > 0 {
		time.Sleep(d)
	}
}

// Stamp puts the send time (ns since ref) into the first 8 bytes of p.
func Stamp(p []byte, ref time.Time) {
	ns := time.Since(ref).Nanoseconds()
	for i := 0; i < 8; i++ {
		p[i] = byte(ns >> (8 * i))
	}
}

// Stamped reads the send time Stamp wrote; -1 marks the warm-up message.
func Stamped(p []byte) int64 {
	var ns int64
	for i := 0; i < 8; i++ {
		ns |= int64(p[i]) << (8 * i)
	}
	return ns
}
