package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/kasapos/kasa/internal/routing"
	"github.com/kasapos/kasa/internal/server"
)

// runBins imports a BIN table (the tr-bins.csv format) into the database,
// replacing the previous import; nodes load it at start-up. No release needed.
func runBins(args []string, log *slog.Logger) error {
	if len(args) < 2 || args[0] != "import" {
		return fmt.Errorf("usage: kasa bins import FILE.csv [--data-dir …] [--database-url …]")
	}
	var cfg server.Config
	fs := flag.NewFlagSet("bins import", flag.ContinueOnError)
	serverFlags(fs, &cfg)
	if err := parse(fs, args[2:]); err != nil {
		return err
	}
	f, err := os.Open(args[1])
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := routing.ParseCSV(f)
	var ie *routing.ImportError
	if errors.As(err, &ie) {
		for _, r := range ie.Rows {
			fmt.Fprintf(os.Stderr, "line %d, %s: %s\n", r.Line, r.Column, r.Msg)
		}
		return fmt.Errorf("%d of %d rows are invalid; nothing was imported", len(ie.Rows), ie.Total)
	} else if err != nil {
		return err
	}
	cfg.Log = log
	k, err := server.Open(context.Background(), cfg)
	if err != nil {
		return err
	}
	defer k.Close(context.Background())
	if err := k.Service.ReplaceBINs(context.Background(), rows); err != nil {
		return err
	}
	fmt.Printf("imported %d BIN rows; running nodes load them at their next start\n", len(rows))
	return nil
}
