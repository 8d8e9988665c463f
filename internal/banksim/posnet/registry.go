package posnetsim

import (
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

func init() {
	banksim.Register("posnet", func(addr string) banksim.Simulator { return New(Config{Addr: addr}) })
}

// TestCard is the public Yapı Kredi test card (research notes §7).
var TestCard = banksim.TestCard{Bank: "yapikredi", PAN: "4048095010857528", Expiry: "05/28", CVV: "454"}

// POS points a Kasa POS at this simulator's sandbox terminal.
func (s *Server) POS() banksim.SimPOS {
	sb := YKBSandbox()
	return banksim.SimPOS{
		Protocol:  "posnet",
		Bank:      "yapikredi",
		Endpoints: gateway.Endpoints{API: s.APIURL(), ThreeDGate: s.ThreeDGateURL()},
		Credentials: map[string]string{
			"merchant_id": sb.MID, "terminal_id": sb.TID, "posnet_id": sb.PosnetID, "enc_key": sb.EncKey,
		},
		TestCard: TestCard,
	}
}

// FaultOp maps Kasa operations to PosNet request elements. Capture, void
// and refund look the order up with agreement first; the fault targets the
// operation itself.
func (s *Server) FaultOp(op gateway.Operation, capture bool) string {
	switch op {
	case gateway.OpAuthorize:
		if capture {
			return OpSale
		}
		return OpAuth
	case gateway.OpCapture:
		return OpCapt
	case gateway.OpVoid:
		return OpReverse
	case gateway.OpRefund:
		return OpReturn
	case gateway.OpStatus:
		return OpAgreement
	case gateway.Op3D:
		return OpOOSTranData
	}
	return banksim.AnyOp
}
