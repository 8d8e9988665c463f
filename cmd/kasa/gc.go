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
// assists from the allocating requests, and showed up in the p99 of `kasa
// bench --rate 500` (docs/performance.md). 400 trades ~30 MB of heap for a
// quarter of the collections.
const defaultGCPercent = 400

var gcPercent = defaultGCPercent

// gcFlag registers --gc-percent on fs; applyGC applies it.
func gcFlag(fs *flag.FlagSet) {
	fs.IntVar(&gcPercent, "gc-percent", defaultGCPercent, "Go GC target: heap growth in percent over the live heap before a collection (Go's default is 100; GOGC, if set, wins; negative: off)")
}

// applyGC sets the collector's target. GOGC in the environment, if set,
// wins: it is the runtime's own knob.
func applyGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
