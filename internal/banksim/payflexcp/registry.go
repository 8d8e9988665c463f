package payflexcpsim

import (
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

func init() {
	banksim.Register("payflexcp", func(addr string) banksim.Simulator { return New(Config{Addr: addr}) })
}

// TestCard is the public VakıfBank test card (research notes §7).
var TestCard = banksim.TestCard{Bank: "vakifbank", PAN: "4938410157705591", Expiry: "12/29", CVV: "453"}

// POS points a Kasa POS at this simulator's sandbox merchant.
func (s *Server) POS() banksim.SimPOS {
	sb := VakifSandbox()
	return banksim.SimPOS{
		Protocol:    "payflexcp",
		Bank:        "vakifbank",
		Endpoints:   gateway.Endpoints{API: s.QueryURL(), ThreeDGate: s.RegisterURL()},
		Credentials: map[string]string{"merchant_id": sb.HostMerchantID, "password": sb.Password, "terminal_id": sb.HostTerminalID},
		TestCard:    TestCard,
	}
}

// FaultOp maps Kasa operations to the simulator's: a payment starts with
// RegisterTransaction, its result is read with the query. The bank-side
// provisioning happens in the browser flow, outside faults.
func (s *Server) FaultOp(op gateway.Operation, _ bool) string {
	switch op {
	case gateway.OpAuthorize, gateway.Op3D:
		return OpRegister
	case gateway.OpStatus:
		return OpQuery
	}
	return banksim.AnyOp
}
