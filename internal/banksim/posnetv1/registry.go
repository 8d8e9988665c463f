package posnetv1sim

import (
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

func init() {
	banksim.Register("posnetv1", func(addr string) banksim.Simulator { return New(Config{Addr: addr}) })
}

// TestCard is the Albaraka test card of the reference library's examples
// (published as 09/26). The simulator approves any unexpired card, so the
// expiry given here is one that has not passed.
var TestCard = banksim.TestCard{Bank: "albaraka", PAN: "4506347010299085", Expiry: "09/30", CVV: "000"}

// POS points a Kasa POS at this simulator's sandbox terminal.
func (s *Server) POS() banksim.SimPOS {
	sb := AlbarakaSandbox()
	return banksim.SimPOS{
		Protocol:  "posnetv1",
		Bank:      "albaraka",
		Endpoints: gateway.Endpoints{API: s.APIURL(), ThreeDGate: s.ThreeDGateURL()},
		Credentials: map[string]string{
			"merchant_no": sb.MerchantNo, "terminal_no": sb.TerminalNo, "posnet_id": sb.PosnetID, "enc_key": sb.EncKey,
		},
		TestCard: TestCard,
	}
}

// FaultOp maps Kasa operations to the API's operation names. Capture, void
// and refund look the order up with TransactionInquiry first; the fault
// targets the operation itself. 3D provisioning is Sale/Auth.
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
		return OpReverse
	case gateway.OpRefund:
		return OpReturn
	case gateway.OpStatus:
		return OpInquiry
	}
	return banksim.AnyOp
}
