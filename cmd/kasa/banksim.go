package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/kasapos/kasa/internal/banksim/est3"
)

// runBanksim runs bank simulators on their own, for testing a Kasa elsewhere
// or another client against a bank's wire format.
func runBanksim(args []string, log *slog.Logger) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		return fmt.Errorf("usage: kasa banksim <est3|all> [--addr 127.0.0.1:8090]")
	}
	proto := args[0]
	fs := flag.NewFlagSet("banksim", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "listen address")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	switch proto {
	case "est3", "all":
		sim := est3sim.New(est3sim.Config{Addr: *addr, Logger: log.With("sim", "est3")})
		if _, err := sim.Start(); err != nil {
			return err
		}
		defer sim.Close()
		sb := est3sim.PaytenSandbox()
		fmt.Printf("EST v3 simulator\n  API:      %s\n  3D gate:  %s\n  control:  %s/_sim/faults, %s/_sim/orders/{id}\n  store:    client_id %s, api_user %s, api_password %s, store_key %s\n",
			sim.APIURL(), sim.ThreeDGateURL(), sim.URL(), sim.URL(), sb.ClientID, sb.User, sb.Password, sb.StoreKey)
	default:
		return fmt.Errorf("unknown protocol %q (have: est3, all)", proto)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return nil
}
