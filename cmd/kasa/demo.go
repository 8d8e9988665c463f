package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"github.com/kasapos/kasa/internal/banksim"
	_ "github.com/kasapos/kasa/internal/banksim/all"
	"github.com/kasapos/kasa/internal/server"
)

// runDemo starts the bank simulators, Kasa on SQLite, and the demo merchant,
// then prints everything a newcomer needs for a first payment.
func runDemo(args []string, log *slog.Logger) error {
	var cfg server.Config
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	serverFlags(fs, &cfg)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg.Log = log
	sims, poses, err := startSimulators(log)
	closeSims := func() {
		for _, c := range sims {
			c()
		}
	}
	if err != nil {
		closeSims()
		return err
	}
	k, err := start(cfg)
	if err != nil {
		closeSims()
		return err
	}
	d, err := k.EnsureDemo(context.Background(), poses)
	if err != nil {
		k.Close(context.Background())
		closeSims()
		return err
	}
	fmt.Print(demoBanner(k.URL, d, poses))
	return waitAndClose(k, closeSims)
}

// startSimulators starts every registered bank simulator on a free loopback
// port and returns the demo POS definitions that point at them.
func startSimulators(log *slog.Logger) (closers []func(), poses []server.DemoPOS, err error) {
	for _, proto := range banksim.Protocols() {
		sim, err := banksim.New(proto, "")
		if err != nil {
			return closers, nil, err
		}
		if _, err := sim.Start(); err != nil {
			return closers, nil, fmt.Errorf("%s simulator: %w", proto, err)
		}
		closers = append(closers, func() { sim.Close() })
		sp := sim.POS()
		poses = append(poses, server.DemoPOS{
			Protocol: sp.Protocol, Bank: sp.Bank, Name: proto + " simulator (" + sp.Bank + ")",
			APIURL: sp.Endpoints.API, ThreeDURL: sp.Endpoints.ThreeDGate, Credentials: sp.Credentials,
		})
	}
	return closers, poses, nil
}

func demoBanner(url string, d *server.Demo, poses []server.DemoPOS) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nKasa demo is running.\n\n")
	fmt.Fprintf(&b, "  API:          %s/v1\n", url)
	fmt.Fprintf(&b, "  OpenAPI:      %s/v1/openapi.yaml\n", url)
	fmt.Fprintf(&b, "  Test API key: %s\n", d.APIKey)
	for i, p := range poses {
		fmt.Fprintf(&b, "  POS %-9s %s → %s (%s)\n", p.Protocol+":", d.POSIDs[i], p.APIURL, p.Name)
	}
	fmt.Fprintf(&b, `
First payment (test card 4355 0843 5508 4358, approved by the simulator):

curl -s %s/v1/payments \
  -H 'Authorization: Bearer %s' \
  -H "Idempotency-Key: $(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" \
  -H 'Content-Type: application/json' \
  -d '{"amount": 12550, "currency": "TRY", "capture": true, "installments": 1,
       "order_id": "SO-1001", "description": "2 books",
       "card": {"number": "4355084355084358", "expiry_month": 12, "expiry_year": 2030, "cvv": "000", "holder": "Ayşe Yılmaz"},
       "customer": {"email": "ayse@example.com", "ip": "203.0.113.7"}}'

A card ending in 0051 (e.g. 4000000000000051) is declined for insufficient funds; see README.md.
Press Ctrl-C to stop.
`, url, d.APIKey)
	return b.String()
}
