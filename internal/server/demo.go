package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kasapos/kasa/internal/api"
	"github.com/kasapos/kasa/internal/gateway"
	"github.com/kasapos/kasa/internal/payment"
	"github.com/kasapos/kasa/internal/store"
)

// DemoMerchantID is the fixed id of the demo merchant, so a second `kasa demo`
// finds the first one's data.
const DemoMerchantID = "mer_demo"

// DemoPOS describes the simulator a demo POS points at.
type DemoPOS struct {
	Protocol    string
	Bank        string
	Name        string
	APIURL      string
	ThreeDURL   string
	Credentials map[string]string
	// ThreeDModel is the POS's default 3D Secure model ("" for none), so
	// the demo's checkout pages go through the simulator's ACS page.
	ThreeDModel string
	// SetNotifyURL, if set, tells a simulator whose bank reports results
	// server to server (banksim.NotifyURLSetter) the POS's notification URL
	// once the POS exists.
	SetNotifyURL func(url string)
}

// Demo is what `kasa demo` prints.
type Demo struct {
	MerchantID string
	APIKey     string
	POSIDs     []string
}

// EnsureDemo creates (first run) or refreshes (later runs) the demo merchant,
// its test API key and one POS per simulator. The key is kept in the data dir
// because keys are stored hashed and could not be shown again otherwise; that
// is acceptable only for a local demo.
func (k *Kasa) EnsureDemo(ctx context.Context, poses []DemoPOS) (*Demo, error) {
	st := k.Store
	d := &Demo{MerchantID: DemoMerchantID}
	keyFile := filepath.Join(k.Config.DataDir, "demo-api-key")
	_, err := st.GetMerchant(ctx, DemoMerchantID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// The demo shop runs on this machine: its return URLs are local.
		m := &store.Merchant{ID: DemoMerchantID, Name: "Demo Shop", ReturnDomains: []string{"127.0.0.1", "localhost"}, CreatedAt: time.Now().UTC()}
		if err := st.CreateMerchant(ctx, m); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	}
	if b, err := os.ReadFile(keyFile); err == nil {
		d.APIKey = strings.TrimSpace(string(b))
	} else {
		key, _, err := api.CreateAPIKey(ctx, st, k.Keys, DemoMerchantID, store.ModeTest)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
			return nil, err
		}
		d.APIKey = key
	}
	existing, err := k.Service.ListPOS(ctx, DemoMerchantID, store.ModeTest)
	if err != nil {
		return nil, err
	}
	for i, dp := range poses {
		in := &payment.POSInput{
			Protocol: &dp.Protocol, Bank: &dp.Bank, Name: &dp.Name, Credentials: dp.Credentials,
			Endpoints: &gateway.Endpoints{API: dp.APIURL, ThreeDGate: dp.ThreeDURL}, Priority: &i,
			ThreeDModel: &dp.ThreeDModel, Routing: demoRouting(),
		}
		var id string
		for _, p := range existing {
			if p.Protocol == dp.Protocol && p.Name == dp.Name {
				id = p.ID
			}
		}
		var v *payment.POSView
		if id == "" {
			v, err = k.Service.CreatePOS(ctx, DemoMerchantID, store.ModeTest, in)
		} else {
			// The simulators listen on fresh ports each run: point the POS there.
			v, err = k.Service.UpdatePOS(ctx, DemoMerchantID, id, in)
		}
		if err != nil {
			return nil, err
		}
		if dp.SetNotifyURL != nil {
			dp.SetNotifyURL(k.Service.PublicURL + gateway.NotifyPath(v.ID))
		}
		d.POSIDs = append(d.POSIDs, v.ID)
	}
	return d, nil
}

// demoRouting gives every demo POS typical Turkish terms: 1.75 % for a
// single payment; 2-12 instalments for any domestic credit card, the shop
// absorbing the commission up to 3 and the customer paying it from 4 on
// (vade farkı), and a 3+2 campaign.
func demoRouting() *payment.POSRouting {
	absorbed := map[string]int64{"2": 250, "3": 325}
	passed := map[string]int64{}
	for n := 4; n <= 12; n++ {
		passed[fmt.Sprint(n)] = int64(150 + 75*n)
	}
	return &payment.POSRouting{Weight: 1, CommissionBPS: map[string]int64{"1": 175},
		Plans: []payment.PlanConfig{
			{Name: "peşin fiyatına 2-3 taksit", CountsBPS: absorbed, Plus: map[string]int{"3": 2}, Programs: []string{"*"}},
			{Name: "vade farklı taksit", CountsBPS: passed, CustomerPays: true, Programs: []string{"*"}},
		}}
}
