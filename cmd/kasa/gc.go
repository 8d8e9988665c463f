package main

import (
	"flag"
	"os"
	"runtime/debug"
)

// The Go collector starts a cycle when the heap has grown by GOGC percent
// over what the last one left live. A node's live heap is small (~7 MB under
// load), so Go's default of 100 meant ~10 collections a second at 500
// sales/s; each takes a quarter of the CPU for several milliseconds plus
// assists from the allocating requests. 400 lowered the p99 of `kasa bench
// --rate 500` from 5.9-7.8 ms to 4.6-5.8 ms in three alternating runs (1000
// did no better and took 60 % more memory). The soft memory limit bounds
// what 400 costs under a heavy closed loop: near it the collector runs as
// often as it must, so the heap stays under it unless the live data itself
// is larger (then Go caps the collector at half the CPU; it never fails an
// allocation).
const (
	defaultGCPercent     = 400
	defaultMemoryLimitMB = 160
)

var (
	gcPercent     = defaultGCPercent
	memoryLimitMB = defaultMemoryLimitMB
)

// gcFlags registers --gc-percent and --memory-limit-mb on fs; applyGC
// applies them.
func gcFlags(fs *flag.FlagSet) {
	fs.IntVar(&gcPercent, "gc-percent", defaultGCPercent, "Go GC target: heap growth in percent over the live heap before a collection (Go's default is 100; GOGC, if set, wins; negative: off)")
	fs.IntVar(&memoryLimitMB, "memory-limit-mb", defaultMemoryLimitMB, "soft limit on the Go heap in MiB: the collector runs harder near it (0: none; GOMEMLIMIT, if set, wins)")
}

// applyGC sets the collector's targets. GOGC and GOMEMLIMIT in the
// environment, if set, win: they are the runtime's own knobs.
func applyGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" && memoryLimitMB > 0 {
		debug.SetMemoryLimit(int64(memoryLimitMB) << 20)
	}
}
