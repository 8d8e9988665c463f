package payflexsim

import "github.com/kasapos/kasa/internal/gateway"

func gatewayOp(s string) gateway.Operation { return gateway.Operation(s) }
