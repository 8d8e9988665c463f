package akbanksim

import (
	"strconv"

	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

func init() {
	banksim.Register("akbank", func(addr string) banksim.Simulator { return New(Config{Addr: addr}) })
}

// TestCard is Akbank's published sandbox card.
var TestCard = banksim.TestCard{Bank: "akbank", PAN: "4355093000315232", Expiry: "11/40", CVV: "471"}

// POS points a Kasa POS at this simulator's sandbox merchant.
func (s *Server) POS() banksim.SimPOS {
	sb := Sandbox()
	return banksim.SimPOS{
		Protocol:  "akbank",
		Bank:      "akbank",
		Endpoints: gateway.Endpoints{API: s.APIURL(), ThreeDGate: s.ThreeDGateURL()},
		Credentials: map[string]string{
			"merchant_safe_id": sb.MerchantSafeID, "terminal_safe_id": sb.TerminalSafeID, "secret_key": sb.SecretKey,
		},
		TestCard: TestCard,
	}
}

// FaultOp maps Kasa operations to the simulator's operation names.
func (s *Server) FaultOp(op gateway.Operation, capture bool) string {
	switch op {
	case gateway.OpAuthorize:
		if capture {
			return OpSale
		}
		return OpPreAuth
	case gateway.OpCapture:
		return OpPostAuth
	case gateway.OpVoid:
		return OpCancel
	case gateway.OpRefund:
		return OpRefund
	case gateway.OpStatus, gateway.OpHistory:
		return OpOrderHistory
	case gateway.Op3D:
		return Op3DProvision
	}
	return banksim.AnyOp
}

func itoa(n int) string { return strconv.Itoa(n) }
