package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/banksim"
	_ "github.com/kasapos/kasa/internal/banksim/all"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/server"
)

// runDemo starts the bank simulators, Kasa on SQLite, and the demo merchant,
// then prints everything a newcomer needs for a first payment.
func runDemo(args []string, log *slog.Logger) error {
	var cfg server.Config
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	serverFlags(fs, &cfg)
	shopAddr := fs.String("shop-addr", "127.0.0.1:8081", "listen address of the demo shop (a merchant site using the hosted checkout)")
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
	shopURL, closeShop, err := startShop(*shopAddr, client.New(k.URL, d.APIKey), log)
	if err != nil {
		k.Close(context.Background())
		closeSims()
		return fmt.Errorf("demo shop: %w", err)
	}
	fmt.Print(demoBanner(k.URL, shopURL, d, poses))
	fmt.Print(ensureDemoOwner(k))
	printSetupLinks(k)
	return waitAndClose(k, closeShop, closeSims)
}

// startSimulators starts every registered bank simulator on a free loopback
// port and returns the demo POS definitions that point at them.
func startSimulators(log *slog.Logger) (closers []func(), poses []server.DemoPOS, err error) {
	// EST first: EnsureDemo gives the first POS the top priority, and the
	// README's test card and the checkout demo are written for EST.
	protos := banksim.Protocols()
	if i := slices.Index(protos, "est3"); i > 0 {
		protos = append([]string{"est3"}, slices.Delete(protos, i, i+1)...)
	}
	for _, proto := range protos {
		sim, err := banksim.New(proto, "")
		if err != nil {
			return closers, nil, err
		}
		if _, err := sim.Start(); err != nil {
			return closers, nil, fmt.Errorf("%s simulator: %w", proto, err)
		}
		closers = append(closers, func() { sim.Close() })
		sp := sim.POS()
		dp := server.DemoPOS{
			Protocol: sp.Protocol, Bank: sp.Bank, Name: proto + " simulator (" + sp.Bank + ")",
			APIURL: sp.Endpoints.API, ThreeDURL: sp.Endpoints.ThreeDGate, Credentials: sp.Credentials,
		}
		if n, ok := sim.(banksim.NotifyURLSetter); ok {
			dp.SetNotifyURL = n.SetNotifyURL // PayTR: set once the POS exists
		}
		// 3D Secure by default, as real Turkish e-commerce payments are:
		// checkout pages then show the simulator's ACS page.
		if d, err := gateway.Lookup(proto); err == nil {
			for _, m := range []string{gateway.Model3DPay, gateway.Model3D, gateway.Model3DHost} {
				if slices.Contains(d.ThreeDModels, m) {
					dp.ThreeDModel = m
					break
				}
			}
		}
		poses = append(poses, dp)
	}
	return closers, poses, nil
}

func demoBanner(url, shopURL string, d *server.Demo, poses []server.DemoPOS) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nKasa demo is running.\n\n")
	fmt.Fprintf(&b, "  Demo shop:    %s\n", shopURL)
	fmt.Fprintf(&b, "  API:          %s/v1\n", url)
	fmt.Fprintf(&b, "  OpenAPI:      %s/v1/openapi.yaml\n", url)
	fmt.Fprintf(&b, "  Test API key: %s\n", d.APIKey)
	w := 0
	for _, p := range poses {
		w = max(w, len(p.Protocol)+1)
	}
	for i, p := range poses {
		fmt.Fprintf(&b, "  POS %-*s %s → %s (%s)\n", w, p.Protocol+":", d.POSIDs[i], p.APIURL, p.Name)
	}
	fmt.Fprintf(&b, `
Open the demo shop and press Buy: Kasa's checkout page takes the card (4355 0843 5508 4358,
12/30, CVV 000), then the simulated bank's 3-D Secure page (code 123456).

A payment link (each visit opens a checkout page; no return_url: Kasa shows a receipt):

curl -s %s/v1/payment_links -H 'Authorization: Bearer %s' \
  -H 'Content-Type: application/json' -d '{"amount": 9900, "currency": "TRY", "description": "Yoga class"}'

A payment by API without 3-D Secure (the demo POS defaults to 3d_pay, so "three_d": "none"):

curl -s %s/v1/payments \
  -H 'Authorization: Bearer %s' \
  -H "Idempotency-Key: $(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" \
  -H 'Content-Type: application/json' \
  -d '{"amount": 12550, "currency": "TRY", "capture": true, "installments": 1, "three_d": "none",
       "order_id": "SO-1001", "description": "2 books",
       "card": {"number": "4355084355084358", "expiry_month": 12, "expiry_year": 2030, "cvv": "000", "holder": "Ayşe Yılmaz"},
       "customer": {"email": "ayse@example.com", "ip": "203.0.113.7"}}'

A card ending in 0051 (e.g. 4000000000000051) is declined for insufficient funds; see README.md.
Press Ctrl-C to stop.
`, url, d.APIKey, url, d.APIKey)
	return b.String()
}
