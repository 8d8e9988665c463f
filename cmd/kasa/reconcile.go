package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"text/tabwriter"

	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/reconcile"
	"github.com/kasapos/kasa/internal/server"
	"github.com/kasapos/kasa/internal/store"
)

// runReconcile reconciles one Istanbul day against the banks and stores one
// report per merchant and mode (origin "cli"). It exits 3 when a report lists
// a mismatch, so a cron job can alert on it.
func runReconcile(args []string, log *slog.Logger) error {
	var cfg server.Config
	fs := flag.NewFlagSet("reconcile", flag.ContinueOnError)
	serverFlags(fs, &cfg)
	date := fs.String("date", "", "Istanbul day to reconcile, YYYY-MM-DD (required)")
	merchant := fs.String("merchant", "", "only this merchant")
	posID := fs.String("pos", "", "only this POS")
	asJSON := fs.Bool("json", false, "print the reports as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *date == "" {
		return fmt.Errorf("--date is required (YYYY-MM-DD)")
	}
	if _, _, err := reconcile.ParseDate(*date); err != nil {
		return err
	}
	ctx := context.Background()
	kr, err := server.LoadKeyring(cfg)
	if err != nil {
		return err
	}
	// Not server.Open: that would purge the 3D vault of a running node.
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := &payment.Service{Store: st, Keys: kr, HTTPClient: gateway.DefaultClient(), Log: log, BankTimeout: cfg.BankTimeout}
	rs := reconcile.New(svc)
	all, err := st.AllPOS(ctx)
	if err != nil {
		return err
	}
	type scope struct {
		merchant string
		mode     store.Mode
	}
	groups := map[scope][]*store.POS{}
	var order []scope
	for _, p := range all {
		if (*merchant != "" && p.MerchantID != *merchant) || (*posID != "" && p.ID != *posID) {
			continue
		}
		k := scope{p.MerchantID, p.Mode}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], p)
	}
	if len(order) == 0 {
		return fmt.Errorf("no POS matches --merchant %q --pos %q", *merchant, *posID)
	}
	var reports []*reconcile.Report
	mismatches := 0
	for _, k := range order {
		rep, err := rs.Run(ctx, reconcile.Request{MerchantID: k.merchant, Mode: k.mode, Date: *date, POSID: *posID, Origin: reconcile.OriginCLI})
		if err != nil {
			return fmt.Errorf("merchant %s (%s): %w", k.merchant, k.mode, err)
		}
		reports = append(reports, rep)
		mismatches += rep.Summary.Mismatches
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			return err
		}
	} else {
		for _, rep := range reports {
			printReport(rep)
		}
	}
	if mismatches > 0 {
		os.Exit(3)
	}
	return nil
}

func printReport(rep *reconcile.Report) {
	s := rep.Summary
	fmt.Printf("reconciliation %s  merchant %s (%s)  day %s: %s\n", rep.ID, rep.MerchantID, rep.Mode, rep.Date, rep.Status)
	fmt.Printf("  payments %d  matched %d  mismatches %d  unverified %d  skipped %d\n", s.Payments, s.Matched, s.Mismatches, s.Unverified, s.Skipped)
	for _, p := range rep.POS {
		fmt.Printf("  pos %s (%s, %s) via %s: %d payments, %d mismatches, %d unverified; missing_in_kasa %s\n",
			p.POSID, p.Protocol, p.Bank, p.Method, p.Payments, p.Mismatches, p.Unverified, p.MissingInKasa)
	}
	if len(rep.Mismatches)+len(rep.Unverified) == 0 {
		return
	}
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  KIND\tPAYMENT\tBANK ORDER\tKASA\tBANK\tMESSAGE\tACTION")
	for _, it := range append(append([]reconcile.Item{}, rep.Mismatches...), rep.Unverified...) {
		bank := "-"
		if it.Bank != nil {
			bank = fmt.Sprintf("%s %d/%d", it.Bank.State, it.Bank.Captured, it.Bank.Refunded)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s %d/%d\t%s\t%s\t%s\n", it.Kind, it.PaymentID, it.BankOrderID,
			it.Kasa.Status, it.Kasa.Captured, it.Kasa.Refunded, bank, it.Message, it.SuggestedAction)
	}
	tw.Flush()
}
