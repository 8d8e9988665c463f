package paytrsim

import (
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

func init() {
	banksim.Register("paytr", func(addr string) banksim.Simulator { return New(Config{Addr: addr}) })
}

// TestCard is a card PayTR's public samples use for test payments.
var TestCard = banksim.TestCard{Bank: "paytr", PAN: "5406675406675403", Expiry: "12/30", CVV: "000"}

var _ banksim.NotifyURLSetter = (*Server)(nil)

// POS points a Kasa POS at this simulator's sandbox store.
func (s *Server) POS() banksim.SimPOS {
	m := Sandbox()
	return banksim.SimPOS{
		Protocol:    "paytr",
		Bank:        "paytr",
		Endpoints:   gateway.Endpoints{API: s.URL()},
		Credentials: map[string]string{"merchant_id": m.ID, "merchant_key": m.Key, "merchant_salt": m.Salt},
		TestCard:    TestCard,
		// PayTR requires full 3-D Secure: no half-secure level.
		NoHalfSecure: true,
	}
}

// FaultOp maps Kasa operations to the simulator's: a payment starts with
// get-token; the charge itself happens in the browser flow, outside faults.
func (s *Server) FaultOp(op gateway.Operation, _ bool) string {
	switch op {
	case gateway.OpAuthorize, gateway.Op3D:
		return OpGetToken
	case gateway.OpRefund:
		return OpRefund
	case gateway.OpStatus:
		return OpStatus
	}
	return banksim.AnyOp
}
