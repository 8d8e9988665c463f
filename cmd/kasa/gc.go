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
// did no better and took 60 % more memory). To cap memory instead, set the
// runtime's GOMEMLIMIT; a default cap was tried and dropped: with a live
// heap above it the collector runs without pause (the in-process
// simulator's ledger did that to `kasa bench`).
const defaultGCPercent = 400

var gcPercent = defaultGCPercent

// gcFlags registers --gc-percent on fs; applyGC applies it.
func gcFlags(fs *flag.FlagSet) {
	fs.IntVar(&gcPercent, "gc-percent", defaultGCPercent, "Go GC target: heap growth in percent over the live heap before a collection (Go's default is 100; GOGC, if set, wins; negative: off)")
}

// applyGC sets the collector's target. GOGC in the environment, if set,
// wins: it is the runtime's own knob.
func applyGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
