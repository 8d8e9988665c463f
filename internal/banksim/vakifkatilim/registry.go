package vakifkatilimsim

import (
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

func init() {
	banksim.Register("vakifkatilim", func(addr string) banksim.Simulator { return New(Config{Addr: addr}) })
}

// TestCard is the card the public library's Vakıf Katılım request tests
// use (a QNB-issued number, so Kasa's BIN table knows it and installments
// can be tested). Its expiry there (01/25) has passed and the simulator
// declines expired cards like the bank, so it is served with a later one.
var TestCard = banksim.TestCard{Bank: "vakifkatilim", PAN: "4155650100416111", Expiry: "01/30", CVV: "123"}

// POS points a Kasa POS at this simulator's sandbox merchant.
func (s *Server) POS() banksim.SimPOS {
	m := Sandbox()
	return banksim.SimPOS{
		Protocol:  "vakifkatilim",
		Bank:      "vakifkatilim",
		Endpoints: gateway.Endpoints{API: s.URL() + PathHome, ThreeDGate: s.URL() + PathHome + "/" + OpEnrollment},
		Credentials: map[string]string{
			"merchant_id": m.MerchantID, "customer_id": m.CustomerID, "user_name": m.UserName, "password": m.Password,
		},
		TestCard: TestCard,
		// BOA's 3D result has no half-secure level.
		NoHalfSecure: true,
	}
}

// FaultOp maps Kasa operations to the gate's operations.
func (s *Server) FaultOp(op gateway.Operation, capture bool) string {
	switch op {
	case gateway.OpAuthorize:
		if capture {
			return OpSale
		}
		return OpPreAuth
	case gateway.OpCapture:
		return OpClose
	case gateway.OpVoid:
		return OpSaleReversal
	case gateway.OpRefund:
		return OpPartialDrawBack
	case gateway.OpStatus:
		return OpStatus
	case gateway.OpHistory:
		return OpHistory
	case gateway.Op3D:
		return OpProvision
	}
	return banksim.AnyOp
}
