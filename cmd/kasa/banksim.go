package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/kasapos/kasa/internal/banksim"
	_ "github.com/kasapos/kasa/internal/banksim/all"
)

// runBanksim runs bank simulators on their own, for testing a Kasa elsewhere
// or another client against a bank's wire format. With "all", simulators
// take consecutive ports from --addr.
func runBanksim(args []string, log *slog.Logger) error {
	protos := banksim.Protocols()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		return fmt.Errorf("usage: kasa banksim <%s|all> [--addr 127.0.0.1:8090]", strings.Join(protos, "|"))
	}
	which := args[0]
	fs := flag.NewFlagSet("banksim", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "listen address (the first, with all)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if which != "all" {
		if !slices.Contains(protos, which) {
			return fmt.Errorf("unknown protocol %q (have: %s, all)", which, strings.Join(protos, ", "))
		}
		protos = []string{which}
	}
	host, portStr, err := net.SplitHostPort(*addr)
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return err
	}
	for i, proto := range protos {
		a := net.JoinHostPort(host, strconv.Itoa(port+i))
		if port == 0 {
			a = *addr
		}
		sim, err := banksim.New(proto, a)
		if err != nil {
			return err
		}
		if _, err := sim.Start(); err != nil {
			return fmt.Errorf("%s: %w", proto, err)
		}
		defer sim.Close()
		p := sim.POS()
		fmt.Printf("%s simulator\n  API:      %s\n  3D gate:  %s\n  control:  /_sim/faults, /_sim/orders/{id}\n  credentials: %s\n\n",
			proto, p.Endpoints.API, p.Endpoints.ThreeDGate, describeCreds(p.Credentials))
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return nil
}

func describeCreds(c map[string]string) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s ", k, c[k])
	}
	return strings.TrimSpace(b.String())
}
