package interpossim

import (
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

func init() {
	banksim.Register("interpos", func(addr string) banksim.Simulator { return New(Config{Addr: addr}) })
}

// TestCard is Denizbank's published InterPos sandbox card. Its published
// expiry (01/22) has passed and the simulator declines expired cards like
// the bank, so it is served with a later one.
var TestCard = banksim.TestCard{Bank: "denizbank", PAN: "4090700090840057", Expiry: "01/30", CVV: "592"}

// POS points a Kasa POS at this simulator's sandbox merchant.
func (s *Server) POS() banksim.SimPOS {
	sb := Sandbox()
	return banksim.SimPOS{
		Protocol:  "interpos",
		Bank:      "denizbank",
		Endpoints: gateway.Endpoints{API: s.APIURL(), ThreeDGate: s.APIURL()},
		Credentials: map[string]string{
			"shop_code": sb.ShopCode, "user_code": sb.UserCode, "user_pass": sb.UserPass, "store_key": sb.StoreKey,
		},
		TestCard: TestCard,
	}
}

// FaultOp maps Kasa operations to InterVPOS transaction types.
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
		return OpStatusHistory
	case gateway.Op3D:
		return Op3DPayment
	}
	return banksim.AnyOp
}
