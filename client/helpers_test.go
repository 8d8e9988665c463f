package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/kasatest"
	"github.com/kasapos/kasa/internal/money"
)

var (
	ctx      = context.Background()
	istanbul = time.FixedZone("TRT", 3*60*60)
)

const testPAN = "4355084355084358"

func moneyTRY() money.Currency { return money.TRY }

func ptr[T any](v T) *T { return &v }

// backends runs fn against the EST simulator on both storage backends.
func backends(t *testing.T, fn func(t *testing.T, e *kasatest.Env)) {
	kasatest.Backends(t, func(t *testing.T, b string) { fn(t, kasatest.New(t, b, "est3", nil)) })
}

func wantStatus(t *testing.T, p *client.Payment, status string) {
	t.Helper()
	if p == nil {
		t.Fatalf("payment is nil, want %s", status)
	}
	if p.Status != status {
		t.Fatalf("payment %s is %s (bank %s %q), want %s", p.ID, p.Status, p.Bank.Code, p.Bank.Message, status)
	}
}

func wantCode(t *testing.T, err error, status int, code string) *client.Error {
	t.Helper()
	ce, ok := err.(*client.Error)
	if !ok || ce.Status != status || ce.Code != code {
		t.Fatalf("got error %v, want %d %s", err, status, code)
	}
	return ce
}

// getJSON GETs an API path with the env's key into out.
func getJSON(e *kasatest.Env, path string, out any) error {
	req, _ := http.NewRequest(http.MethodGet, e.K.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.C.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
