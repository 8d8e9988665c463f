package main

import (
	"flag"
	"os"
	"runtime"
	"runtime/debug"
)

// The Go collector starts a cycle when the heap has grown by GOGC percent
// over what the last one left live. A node's live heap is small (~7 MB under
// load), so Go's default of 100 meant ~10 collections a second at 500
// sales/s; each takes a quarter of the CPU for several milliseconds plus
// assists from the allocating requests. 400 lowered the p99 of `kasa bench
// --rate 500` from 5.9-7.8 ms to 4.6-5.8 ms in three alternating runs (1000
// did no better and took 60 % more memory). To cap memory instead, set the
// runtime's GOMEMLIMIT; a default cap was tried and dropped: with a live
// heap above it the collector runs without pause (the in-process
// simulator's ledger did that to `kasa bench`).
const defaultGCPercent = 400

// Scheduler threads. Go runs goroutines on GOMAXPROCS threads, by default
// one per CPU, which suits network I/O: the netpoller waits without holding
// a thread. SQLite's file I/O does not go through it: every WAL write and
// checkpoint fsync is a blocking system call that holds its thread, and the
// runtime takes that thread's turn back only after a while (its monitor
// naps up to 10 ms when the process looks idle). On 2 CPUs a checkpoint's
// fsync (~0.3 ms here) thus halved the goroutines' CPU for its duration.
// Twice as many threads as CPUs leaves the kernel to share the CPUs: at
// 500 sales/s the added p99 of `kasa bench` went from +3.7-4.9 ms to
// +1.7-2.9 ms in alternating runs, the p50 unchanged.
const procsPerCPU = 2

var (
	gcPercent = defaultGCPercent
	procs     int
)

// runtimeFlags registers --gc-percent and --procs on fs; applyRuntime
// applies them.
func runtimeFlags(fs *flag.FlagSet) {
	fs.IntVar(&gcPercent, "gc-percent", defaultGCPercent, "Go GC target: heap growth in percent over the live heap before a collection (Go's default is 100; GOGC, if set, wins; negative: off)")
	fs.IntVar(&procs, "procs", 0, "Go scheduler threads running goroutines (GOMAXPROCS); 0: twice the CPUs Go sees, so blocking file I/O does not idle a CPU (GOMAXPROCS, if set, wins)")
}

// applyRuntime sets the collector's target and the scheduler's threads.
// GOGC and GOMAXPROCS in the environment, if set, win: they are the
// runtime's own knobs.
func applyRuntime() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMAXPROCS") == "" {
		n := procs
		if n <= 0 {
			n = procsPerCPU * runtime.GOMAXPROCS(0) // Go's default: the CPUs it may use (cgroup limits included)
		}
		runtime.GOMAXPROCS(n)
	}
}
