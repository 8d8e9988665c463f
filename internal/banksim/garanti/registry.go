package garantisim

import (
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

func init() {
	banksim.Register("garanti", func(addr string) banksim.Simulator { return New(Config{Addr: addr}) })
}

// TestCard is Garanti's published sandbox card (research notes §7).
var TestCard = banksim.TestCard{Bank: "garanti", PAN: "4282209004348015", Expiry: "08/30", CVV: "123"}

// POS points a Kasa POS at this simulator's sandbox terminal. Credential
// keys are those of Kasa's garanti protocol.
func (s *Server) POS() banksim.SimPOS {
	sb := Sandbox()
	return banksim.SimPOS{
		Protocol:  "garanti",
		Bank:      "garanti",
		Endpoints: gateway.Endpoints{API: s.APIURL(), ThreeDGate: s.GateURL()},
		Credentials: map[string]string{
			"merchant_id": sb.MerchantID, "terminal_id": sb.TerminalID,
			"provaut_password": sb.AutPassword, "provrfn_password": sb.RfnPassword, "provoos_password": sb.OOSPassword,
			"store_key": sb.StoreKey, "mode": "TEST",
		},
		TestCard: TestCard,
	}
}

// FaultOp maps Kasa operations to GVPS transaction types.
func (s *Server) FaultOp(op gateway.Operation, capture bool) string {
	switch op {
	case gateway.OpAuthorize:
		if capture {
			return OpSales
		}
		return OpPreAuth
	case gateway.OpCapture:
		return OpPostAuth
	case gateway.OpVoid:
		return OpVoid
	case gateway.OpRefund:
		return OpRefund
	case gateway.OpStatus:
		return OpOrderInq
	case gateway.OpHistory:
		return OpOrderHistory
	}
	return banksim.AnyOp
}
