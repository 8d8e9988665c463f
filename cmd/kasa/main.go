// Command kasa is the Kasa virtual POS gateway: one binary for the server,
// the bank simulators, the demo and the admin tasks.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kasapos/kasa/internal/api"
	"github.com/kasapos/kasa/internal/id"
	"github.com/kasapos/kasa/internal/keyrotate"
	"github.com/kasapos/kasa/internal/secret"
	"github.com/kasapos/kasa/internal/server"
	"github.com/kasapos/kasa/internal/store"
)

const usage = `kasa — virtual POS gateway for Turkish banks

Usage:
  kasa demo     [--addr 127.0.0.1:8080] [--data-dir .kasa]   server + bank simulators + demo merchant
  kasa serve    [--addr …] [--data-dir …] [--database-url postgres://…] [--tls-cert f --tls-key f | --tls-self-signed]
  kasa banksim  <protocol|all> [--addr 127.0.0.1:8090]           run a bank simulator
  kasa migrate  [--data-dir …] [--database-url …]                apply schema migrations and exit
  kasa merchant create --name NAME [--mode test|live] [...]      create a merchant and print its API key
  kasa bins import FILE.csv                                      import a BIN table (tr-bins.csv format)
  kasa keys new                                                  print a new master keyring spec
  kasa keys rotate | status                                      re-wrap every sealed value under the primary key (online) | count values per key
  kasa audit verify                                              check the audit log's hash chain
  kasa reconcile --date 2026-11-23 [--merchant ID] [--pos ID] [--json]   compare a day's payments with the banks
  kasa users create --merchant ID --email E --role R [--password P]   add a dashboard user (owner|finance|developer|viewer)
  kasa bench    [--scenario sale|sale-idem|refund|list|routing] [--clients 16] [--duration 10s] [--rate N] [--json]
                                                                 throughput and latency, Kasa vs. the simulator directly

Environment: KASA_DATABASE_URL, KASA_MASTER_KEYS ("id:base64key,…", first is primary).
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "demo":
		err = runDemo(args, log)
	case "serve":
		err = runServe(args, log)
	case "banksim":
		err = runBanksim(args, log)
	case "migrate":
		err = runMigrate(args, log)
	case "merchant":
		err = runMerchant(args, log)
	case "bins":
		err = runBins(args, log)
	case "keys":
		if len(args) > 0 && (args[0] == "rotate" || args[0] == "status") {
			err = runKeysAdmin(args, log)
			break
		}
		err = runKeys(args)
	case "audit":
		err = runAudit(args)
	case "users":
		err = runUsers(args, log)
	case "reconcile":
		err = runReconcile(args, log)
	case "bench":
		err = runBench(args)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "kasa: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kasa:", err)
		os.Exit(1)
	}
}

// serverFlags registers the flags every server-side command shares.
func serverFlags(fs *flag.FlagSet, cfg *server.Config) {
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&cfg.DataDir, "data-dir", ".kasa", "directory for the SQLite database and the dev key file")
	fs.StringVar(&cfg.DatabaseURL, "database-url", os.Getenv("KASA_DATABASE_URL"), "PostgreSQL URL (postgres://…); empty uses SQLite in --data-dir")
	fs.StringVar(&cfg.ReadDatabaseURL, "database-read-url", "", "PostgreSQL read replica for the dashboard's lists, exports and analytics (default: the primary)")
	fs.IntVar(&cfg.GroupCommit, "group-commit", 4, "PostgreSQL: committer goroutines that batch concurrent transactions into shared commits (0: off; SQLite always batches)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate file (PEM)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "TLS private key file (PEM)")
	fs.BoolVar(&cfg.TLSSelfSigned, "tls-self-signed", false, "serve HTTPS with an ephemeral self-signed certificate for localhost/127.0.0.1 (development only)")
	fs.DurationVar(&cfg.BankTimeout, "bank-timeout", 30*time.Second, "bound on one bank call; after it the outcome is unknown until a status query")
	fs.DurationVar(&cfg.ResolveEvery, "resolve-every", 15*time.Second, "how often the resolver settles payments left processing/unknown")
	fs.DurationVar(&cfg.ResolveAfter, "resolve-after", 0, "how old an open payment must be before the resolver queries the bank (default 2 × bank timeout)")
	fs.DurationVar(&cfg.IdempotencyStale, "idempotency-stale", 0, "age after which a dead request's idempotency claim may be taken over (default 2m; must exceed the longest request)")
	fs.DurationVar(&cfg.WebhookEvery, "webhook-every", time.Second, "how often the webhook dispatcher looks for due retries and for events other nodes committed (this node's own events wake it at once)")
	fs.IntVar(&cfg.WebhookWorkers, "webhook-workers", 8, "concurrent webhook attempts per node (more for endpoints that answer slowly)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "base URL browsers and banks use to reach Kasa (default: the listen URL)")
	fs.StringVar(&cfg.ReconcileAt, "reconcile-at", "", "daily end-of-day reconciliation of the previous day at HH:MM Istanbul time (default off)")
	fs.StringVar(&cfg.MetricsToken, "metrics-token", "", "bearer token required on /metrics (default: /metrics is open; keep it on a private network)")
	runtimeFlags(fs) // runtime.go
	cfg.MasterKeys = os.Getenv("KASA_MASTER_KEYS")
	envFlags(fs) // envflags.go: KASA_<FLAG> for every flag above
}

func parse(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(os.Stderr)
	return fs.Parse(args)
}

func runServe(args []string, log *slog.Logger) error {
	var cfg server.Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	serverFlags(fs, &cfg)
	if err := parse(fs, args); err != nil {
		return err
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	cfg.Log = log
	k, err := start(cfg)
	if err != nil {
		return err
	}
	fmt.Printf("Kasa API:  %s/v1\nOpenAPI:   %s/v1/openapi.yaml\n", k.URL, k.URL)
	fmt.Printf("Dashboard: %s/dashboard/\n", k.URL)
	printSetupLinks(k)
	return waitAndClose(k)
}

func start(cfg server.Config) (*server.Kasa, error) {
	applyRuntime()
	if cfg.MasterKeys == "" {
		cfg.Log.Warn("KASA_MASTER_KEYS is not set: using the dev key file in the data dir; set it in production")
	}
	k, err := server.Open(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	if err := k.Start(); err != nil {
		k.Close(context.Background())
		return nil, err
	}
	return k, nil
}

func waitAndClose(k *server.Kasa, closers ...func()) error {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	fmt.Println("\nshutting down: finishing in-flight requests")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := k.Close(ctx)
	for _, c := range closers {
		c()
	}
	return err
}

func runMigrate(args []string, log *slog.Logger) error {
	var cfg server.Config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	serverFlags(fs, &cfg)
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := server.OpenStore(context.Background(), cfg)
	if err != nil {
		return err
	}
	log.Info("schema is up to date")
	return st.Close()
}

func runMerchant(args []string, log *slog.Logger) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: kasa merchant create --name NAME [--mode test|live]")
	}
	var cfg server.Config
	fs := flag.NewFlagSet("merchant create", flag.ContinueOnError)
	serverFlags(fs, &cfg)
	name := fs.String("name", "", "merchant name")
	mode := fs.String("mode", "test", "API key mode: test or live")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *name == "" {
		return fmt.Errorf("--name is required")
	}
	ctx := context.Background()
	kr, err := server.LoadKeyring(cfg)
	if err != nil {
		return err
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := keyrotate.PinMACRoot(ctx, st, kr); err != nil {
		return err
	}
	m := &store.Merchant{ID: id.New("mer"), Name: *name, CreatedAt: time.Now().UTC()}
	if err := st.CreateMerchant(ctx, m); err != nil {
		return err
	}
	key, rec, err := api.CreateAPIKey(ctx, st, kr, m.ID, store.Mode(*mode))
	if err != nil {
		return err
	}
	if err := auditCLI(ctx, st, m.ID, rec); err != nil {
		return err
	}
	fmt.Printf("merchant: %s\napi key (shown once, store it now): %s\n", m.ID, key)
	return nil
}

func runKeys(args []string) error {
	if len(args) == 0 || args[0] != "new" {
		return fmt.Errorf("usage: kasa keys new")
	}
	fmt.Println(secret.NewKeyringSpec(1))
	return nil
}
