package iyzicosim

import (
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

func init() {
	banksim.Register("iyzico", func(addr string) banksim.Simulator { return New(Config{Addr: addr}) })
}

// TestCard is the card POS() advertises. The simulator approves any
// Luhn-valid card; iyzico's own sandbox card (5528790000000008, Halkbank
// Master Card) would be the natural choice, but its BIN 552879 is not in
// Kasa's seed BIN table, without which Kasa refuses installments. So this is
// the Payten sandbox card, whose BIN (Akbank Axess) is in the table.
var TestCard = banksim.TestCards[0]

// POS points a Kasa POS at this simulator's sandbox merchant.
func (s *Server) POS() banksim.SimPOS {
	m := Sandbox()
	return banksim.SimPOS{
		Protocol:    "iyzico",
		Bank:        "iyzico",
		Endpoints:   gateway.Endpoints{API: s.URL()},
		Credentials: map[string]string{"api_key": m.APIKey, "secret_key": m.SecretKey},
		TestCard:    TestCard,
	}
}

// FaultOp maps Kasa operations to the simulator's operations.
func (s *Server) FaultOp(op gateway.Operation, capture bool) string {
	switch op {
	case gateway.OpAuthorize:
		if capture {
			return OpAuth
		}
		return OpPreAuth
	case gateway.Op3D:
		// 3D's money-moving call is the 3DS auth.
		return Op3DAuth
	case gateway.OpCapture:
		return OpPostAuth
	case gateway.OpVoid:
		return OpCancel
	case gateway.OpRefund:
		return OpRefund
	case gateway.OpStatus:
		return OpDetail
	}
	return banksim.AnyOp
}
