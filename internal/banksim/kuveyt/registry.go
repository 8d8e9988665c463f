package kuveytsim

import (
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/gateway"
)

func init() {
	banksim.Register("kuveyt", func(addr string) banksim.Simulator { return New(addr) })
}

// TestCard is Kuveyt Türk's published sandbox card (research notes §7).
var TestCard = banksim.TestCard{Bank: "kuveyt", PAN: "5188961939192544", Expiry: "06/29", CVV: "588"}

// POS points a Kasa POS at this simulator's sandbox merchant.
func (s *Server) POS() banksim.SimPOS {
	m := s.merchant
	return banksim.SimPOS{
		Protocol:  "kuveyt",
		Bank:      "kuveyt",
		Endpoints: gateway.Endpoints{API: s.URL() + PathHome, ThreeDGate: s.URL() + PathGate},
		Credentials: map[string]string{
			"merchant_id": m.MerchantID, "customer_id": m.CustomerID, "user_name": m.UserName, "password": m.Password,
		},
		TestCard: TestCard,
		// BOA's 3D result has no half-secure level.
		NoHalfSecure: true,
	}
}

// FaultOp maps Kasa operations to the bank's operations.
func (s *Server) FaultOp(op gateway.Operation, _ bool) string {
	switch op {
	case gateway.OpAuthorize:
		return OpSale
	case gateway.OpVoid:
		return OpSaleReversal
	case gateway.OpRefund:
		return OpPartialDrawback
	case gateway.OpStatus:
		return OpOrderDetail
	case gateway.Op3D:
		return OpThreeDProvision
	}
	return banksim.AnyOp
}
