package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os/user"
	"sort"

	"github.com/kasapos/kasa/internal/api"
	"github.com/kasapos/kasa/internal/audit"
	"github.com/kasapos/kasa/internal/keyrotate"
	"github.com/kasapos/kasa/internal/server"
	"github.com/kasapos/kasa/internal/store"
)

// kasa keys rotate / kasa keys status (issue #5, KEY-2).
func runKeysAdmin(args []string, log *slog.Logger) error {
	var cfg server.Config
	fs := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	serverFlags(fs, &cfg)
	batch := fs.Int("batch", 100, "rows per page")
	if err := parse(fs, args[1:]); err != nil {
		return err
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
	switch args[0] {
	case "rotate":
		if err := keyrotate.PinMACRoot(ctx, st, kr); err != nil {
			return err
		}
		fmt.Printf("re-wrapping every sealed value under key id %d\n", kr.Primary())
		_, err := keyrotate.Rotate(ctx, st, kr, *batch, func(c keyrotate.Counts) {
			fmt.Printf("%-30s scanned %d, rewrapped %d, already current %d, retried %d, vanished %d, failed %d\n",
				c.Column, c.Scanned, c.Rewrapped, c.Current, c.Retried, c.Vanished, c.Failed)
		})
		if errors.Is(err, keyrotate.ErrFailed) {
			return fmt.Errorf("%w: they are left as they were (wrong AAD or a missing key); nothing else is affected", err)
		} else if err != nil {
			return err
		}
		fallthrough
	case "status":
		census, err := keyrotate.Census(ctx, st)
		if err != nil {
			return err
		}
		ids := make([]int, 0, len(census))
		for id := range census {
			ids = append(ids, int(id))
		}
		sort.Ints(ids)
		fmt.Println("sealed values per key id:")
		for _, id := range ids {
			fmt.Printf("  key %d: %d\n", id, census[uint32(id)])
		}
		if len(ids) == 1 && uint32(ids[0]) == kr.Primary() {
			fmt.Printf("every value is under the primary key %d: the other keys can be removed from KASA_MASTER_KEYS\n", kr.Primary())
		} else if args[0] == "rotate" {
			log.Warn("values are still under older keys (written concurrently?): run kasa keys rotate again")
		}
		return nil
	}
	return fmt.Errorf("usage: kasa keys new | rotate | status")
}

// kasa audit verify (issue #5, API-6).
func runAudit(args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("usage: kasa audit verify [--data-dir …] [--database-url …]")
	}
	var cfg server.Config
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	serverFlags(fs, &cfg)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	ctx := context.Background()
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := audit.Verify(ctx, st)
	if err != nil {
		return err
	}
	fmt.Println(res)
	if !res.OK {
		return errors.New("audit log verification failed")
	}
	return nil
}

// auditCLI records kasa merchant create in the audit log.
func auditCLI(ctx context.Context, st store.Store, merchantID string, k *store.APIKey) error {
	actor := "kasa-cli"
	if u, err := user.Current(); err == nil {
		actor += ":" + u.Username
	}
	for _, e := range []*store.AuditEvent{
		{Action: "merchant.create", ResourceType: "merchant", ResourceID: merchantID},
		{Action: "api_key.create", ResourceType: "api_key", ResourceID: k.ID, Mode: k.Mode,
			Summary: []byte(`{"prefix":"` + k.Prefix[:8] + `"}`)},
	} {
		e.MerchantID, e.ActorType, e.ActorID, e.ClientIP = merchantID, store.ActorCLI, actor, "local"
		if err := api.RecordAudit(ctx, st, e); err != nil {
			return err
		}
	}
	return nil
}
