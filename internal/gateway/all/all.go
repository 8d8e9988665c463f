// Package all links every bank protocol adapter into the binary: importing it
// runs each adapter's gateway.Register.
package all

import (
	_ "github.com/kasapos/kasa/internal/gateway/akbank"
	_ "github.com/kasapos/kasa/internal/gateway/est3"
	_ "github.com/kasapos/kasa/internal/gateway/garanti"
	_ "github.com/kasapos/kasa/internal/gateway/interpos"
	_ "github.com/kasapos/kasa/internal/gateway/iyzico"
	_ "github.com/kasapos/kasa/internal/gateway/kuveyt"
	_ "github.com/kasapos/kasa/internal/gateway/payflex"
	_ "github.com/kasapos/kasa/internal/gateway/payflexcp"
	_ "github.com/kasapos/kasa/internal/gateway/payfor"
	_ "github.com/kasapos/kasa/internal/gateway/paytr"
	_ "github.com/kasapos/kasa/internal/gateway/posnet"
	_ "github.com/kasapos/kasa/internal/gateway/posnetv1"
	_ "github.com/kasapos/kasa/internal/gateway/vakifkatilim"
)
