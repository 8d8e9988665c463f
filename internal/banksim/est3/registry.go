package est3sim

import (
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

func init() {
	banksim.Register("est3", func(addr string) banksim.Simulator { return New(Config{Addr: addr}) })
}

// POS points a Kasa POS at this simulator's Payten sandbox store.
func (s *Server) POS() banksim.SimPOS {
	sb := PaytenSandbox()
	return banksim.SimPOS{
		Protocol:  "est3",
		Bank:      "payten",
		Endpoints: gateway.Endpoints{API: s.APIURL(), ThreeDGate: s.ThreeDGateURL()},
		Credentials: map[string]string{
			"client_id": sb.ClientID, "api_user": sb.User, "api_password": sb.Password, "store_key": sb.StoreKey,
		},
		TestCard: banksim.TestCards[0],
	}
}

// FaultOp maps Kasa operations to EST request types.
func (s *Server) FaultOp(op gateway.Operation, capture bool) string {
	switch op {
	case gateway.OpAuthorize, gateway.Op3D:
		// 3D's only server-to-server call is the 3D model's provisioning.
		if capture {
			return OpAuth
		}
		return OpPreAuth
	case gateway.OpCapture:
		return OpPostAuth
	case gateway.OpVoid:
		return OpVoid
	case gateway.OpRefund:
		return OpCredit
	case gateway.OpStatus:
		return OpOrderStatus
	case gateway.OpHistory:
		return OpOrderHistory
	}
	return banksim.AnyOp
}
