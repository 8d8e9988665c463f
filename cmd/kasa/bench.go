package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/bench"
)

// runBench is `kasa bench`: load against a Kasa (in process, or --url) and,
// for comparison, against the EST simulator directly, in the same run.
func runBench(args []string) error {
	var cfg bench.Config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&cfg.Scenario, "scenario", bench.ScenarioSale, "what to drive: "+strings.Join(bench.Scenarios, ", "))
	fs.IntVar(&cfg.Clients, "clients", 16, "concurrent clients (with --rate: the worker pool)")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "length of each measured phase (direct, then Kasa)")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "untimed traffic before each phase")
	fs.Float64Var(&cfg.Rate, "rate", 0, "open-loop request rate per second (0: closed loop, as fast as the clients go)")
	fs.StringVar(&cfg.URL, "url", "", "base URL of a running Kasa (default: start one in process)")
	fs.StringVar(&cfg.Key, "key", os.Getenv("KASA_BENCH_KEY"), "API key for --url (env KASA_BENCH_KEY)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", os.Getenv("KASA_DATABASE_URL"), "PostgreSQL URL for the in-process node, or the --url node's database for seeding (env KASA_DATABASE_URL); empty: SQLite in a temp dir")
	fs.IntVar(&cfg.GroupCommit, "group-commit", 4, "in-process PostgreSQL node: group-commit committers (as kasa serve --group-commit)")
	fs.IntVar(&cfg.SeedRows, "seed-rows", 0, "payments to insert before measuring, into the benchmark merchant (list needs them; other scenarios then run on a grown database)")
	fs.BoolVar(&cfg.NoDirect, "no-direct", false, "skip the direct simulator phase")
	fs.BoolVar(&cfg.Webhook, "webhook", false, "give the merchant a webhook endpoint for every event, on a local receiver: the run then carries webhook fan-out and delivery")
	fs.DurationVar(&cfg.WebhookEvery, "webhook-every", 0, "in-process node: webhook polling period (as kasa serve --webhook-every; 0: its default)")
	fs.IntVar(&cfg.WebhookWorkers, "webhook-workers", 0, "in-process node: concurrent webhook attempts (as kasa serve --webhook-workers; 0: its default)")
	fs.BoolVar(&cfg.Hop, "hop", false, "also time the direct requests through a pass-through HTTP proxy: what one HTTP hop adds here")
	fs.BoolVar(&cfg.Interleave, "interleave", false, "mix the direct (and hop) requests with Kasa's in one phase, each request's target drawn at random, so a noisy host's drift between phases falls on all alike (with --rate, each target gets the rate: the machine carries them all at once)")
	runtimeFlags(fs)
	jsonOut := fs.Bool("json", false, "print the report as JSON")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured phases to this file (in process: server, simulator and load generator together)")
	if err := parse(fs, args); err != nil {
		return err
	}
	applyRuntime() // in process, the node's settings (as kasa serve) cover the load generator too
	cfg.Progress = os.Stderr
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := bench.Run(ctx, cfg)
	if rep != nil {
		if *jsonOut {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(rep); err != nil {
				return err
			}
		} else {
			bench.WriteTable(os.Stdout, rep)
		}
	}
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}
