package payforsim

import (
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

func init() {
	banksim.Register("payfor", func(addr string) banksim.Simulator { return New(Config{Addr: addr}) })
}

// TestCard is QNB's published sandbox card. Its published expiry (01/25) has
// passed and the simulator declines expired cards like the bank, so it is
// served with a later one.
var TestCard = banksim.TestCard{Bank: "qnb", PAN: "4155650100416111", Expiry: "01/30", CVV: "123"}

// POS points a Kasa POS at this simulator's QNB sandbox merchant.
func (s *Server) POS() banksim.SimPOS {
	sb := QNBSandbox()
	return banksim.SimPOS{
		Protocol:  "payfor",
		Bank:      "qnb",
		Endpoints: gateway.Endpoints{API: s.APIURL(), ThreeDGate: s.ThreeDGateURL()},
		Credentials: map[string]string{
			"mbr_id": sb.MbrID, "merchant_id": sb.MerchantID, "user_code": sb.UserCode,
			"user_pass": sb.UserPass, "store_key": sb.StoreKey,
		},
		TestCard: TestCard,
	}
}

// FaultOp maps Kasa operations to PayFor transaction types.
func (s *Server) FaultOp(op gateway.Operation, capture bool) string {
	switch op {
	case gateway.OpAuthorize:
		if capture {
			return OpAuth
		}
		return OpPreAuth
	case gateway.OpCapture:
		return OpPostAuth
	case gateway.OpVoid:
		return OpVoid
	case gateway.OpRefund:
		return OpRefund
	case gateway.OpStatus:
		return OpOrderInquiry
	case gateway.OpHistory:
		return OpTxnHistory
	case gateway.Op3D:
		return Op3DModelPayment
	}
	return banksim.AnyOp
}
