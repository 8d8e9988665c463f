package dashboard_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kasapos/kasa/client"
	"github.com/kasapos/kasa/internal/dashboard"
)

// A protocol whose results arrive by notification shows the POS's
// notification URL to paste into the bank's panel; others do not.
func TestPOSPageShowsNotificationURL(t *testing.T) {
	e := newEnv(t)
	p, err := e.C.CreatePOS(context.Background(), &client.POSRequest{Protocol: "paytr", Preset: "paytr-test",
		Credentials: map[string]string{"merchant_id": "100001", "merchant_key": "k", "merchant_salt": "s"}})
	if err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(dashboard.Roles[0])
	_, body := b.get("/dashboard/pos/" + p.ID)
	if !strings.Contains(body, e.K.URL+"/notify/"+p.ID) || !strings.Contains(body, "Bildirim URL") {
		t.Fatalf("PayTR POS page lacks its notification URL:\n%s", body)
	}
	if _, body := b.get("/dashboard/pos/" + e.POS.ID); strings.Contains(body, `id="notify-url"`) {
		t.Fatal("an EST POS page shows a notification URL")
	}
}
