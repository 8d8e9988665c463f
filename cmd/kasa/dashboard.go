package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/kasapos/kasa/internal/dashboard"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/server"
	"github.com/kasapos/kasa/internal/store"
)

// The merchant dashboard's shell side (issue #7).

// printSetupLinks prints a one-time first-owner link for every merchant
// that has no dashboard user yet.
func printSetupLinks(k *server.Kasa) {
	links, err := dashboard.SetupLinks(context.Background(), k.Store, k.Service.PublicURL)
	if err != nil {
		k.Config.Log.Warn("dashboard setup links", "err", err)
		return
	}
	for _, l := range links {
		fmt.Printf("Dashboard:  %s has no users yet; create its first owner (one-time link, 24 h):\n            %s\n", l.Name, l.URL)
	}
}

// ensureDemoOwner gives the demo merchant a dashboard owner whose password
// is kept in the data dir (like the demo API key: acceptable only for a
// local demo) and returns a line to print.
func ensureDemoOwner(k *server.Kasa) string {
	ctx := context.Background()
	const email = "owner@demo.kasa.test"
	file := filepath.Join(k.Config.DataDir, "demo-dashboard-password")
	pw := ""
	if b, err := os.ReadFile(file); err == nil {
		pw = strings.TrimSpace(string(b))
	}
	if _, err := k.Store.DashboardUserByEmail(ctx, email); errors.Is(err, store.ErrNotFound) {
		pw = id.Random(16)
		if _, _, err := dashboard.CreateUser(ctx, k.Store, server.DemoMerchantID, email, store.RoleOwner, pw); err != nil {
			k.Config.Log.Warn("demo dashboard owner", "err", err)
			return ""
		}
		if err := os.WriteFile(file, []byte(pw+"\n"), 0o600); err != nil {
			k.Config.Log.Warn("demo dashboard owner", "err", err)
		}
	}
	if pw == "" {
		return fmt.Sprintf("  Dashboard:    %s/dashboard/ (%s)\n", k.URL, email)
	}
	return fmt.Sprintf("  Dashboard:    %s/dashboard/  e-mail %s  password %s\n", k.URL, email, pw)
}

// runUsers: kasa users create --merchant ID --email E --role R [--password P]
func runUsers(args []string, log *slog.Logger) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: kasa users create --merchant ID --email E --role owner|finance|developer|viewer [--password P]")
	}
	var cfg server.Config
	fs := flag.NewFlagSet("users create", flag.ContinueOnError)
	serverFlags(fs, &cfg)
	merchant := fs.String("merchant", "", "merchant id")
	email := fs.String("email", "", "the user's e-mail (sign-in name)")
	role := fs.String("role", "", "owner, finance, developer or viewer")
	password := fs.String("password", "", "password (at least 12 characters); empty prints a one-time link to set it")
	publicURL := fs.String("url", "http://127.0.0.1:8080", "Kasa's public URL, for the printed link")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	st, err := server.OpenStore(context.Background(), cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	u, link, err := dashboard.CreateUser(context.Background(), st, *merchant, *email, *role, *password)
	if err != nil {
		return err
	}
	fmt.Printf("user: %s (%s, %s)\n", u.ID, u.Email, u.Role)
	if link != "" {
		fmt.Printf("set the password (one-time link, 24 h): %s%s\n", strings.TrimRight(*publicURL, "/"), link)
	}
	return nil
}
