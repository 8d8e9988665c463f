package payflexsim

import (
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

func init() {
	banksim.Register("payflex", func(addr string) banksim.Simulator { return New(Config{Addr: addr}) })
}

// TestCard is the public VakıfBank test card (research notes §7).
var TestCard = banksim.TestCard{Bank: "vakifbank", PAN: "4938410157705591", Expiry: "12/29", CVV: "453"}

// POS points a Kasa POS at this simulator's sandbox terminal.
func (s *Server) POS() banksim.SimPOS {
	sb := VakifSandbox()
	return banksim.SimPOS{
		Protocol:    "payflex",
		Bank:        "vakifbank",
		Endpoints:   gateway.Endpoints{API: s.APIURL(), ThreeDGate: s.EnrollmentURL()},
		Credentials: map[string]string{"merchant_id": sb.MerchantID, "password": sb.Password, "terminal_no": sb.TerminalNo},
		TestCard:    TestCard,
	}
}

// FaultOp maps Kasa operations to PayFlex operation names: the
// TransactionType of the VPOS request, "Search" and "Enrollment". 3D
// provisioning is a Sale or Auth like a plain payment. Capture, Cancel and
// Refund look the order up with Search first; the fault targets the
// operation itself.
func (s *Server) FaultOp(op gateway.Operation, capture bool) string {
	switch op {
	case gateway.OpAuthorize, gateway.Op3D:
		if capture {
			return OpSale
		}
		return OpAuth
	case gateway.OpCapture:
		return OpCapture
	case gateway.OpVoid:
		return OpCancel
	case gateway.OpRefund:
		return OpRefund
	case gateway.OpStatus:
		return OpSearch
	}
	return banksim.AnyOp
}
