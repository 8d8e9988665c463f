// Package all links every bank simulator: importing it runs each
// simulator's banksim.Register.
package all

import (
	_ "github.com/kasapos/kasa/internal/banksim/akbank"
	_ "github.com/kasapos/kasa/internal/banksim/est3"
	_ "github.com/kasapos/kasa/internal/banksim/garanti"
	_ "github.com/kasapos/kasa/internal/banksim/interpos"
	_ "github.com/kasapos/kasa/internal/banksim/iyzico"
	_ "github.com/kasapos/kasa/internal/banksim/kuveyt"
	_ "github.com/kasapos/kasa/internal/banksim/payflex"
	_ "github.com/kasapos/kasa/internal/banksim/payflexcp"
	_ "github.com/kasapos/kasa/internal/banksim/payfor"
	_ "github.com/kasapos/kasa/internal/banksim/paytr"
	_ "github.com/kasapos/kasa/internal/banksim/posnet"
	_ "github.com/kasapos/kasa/internal/banksim/posnetv1"
	_ "github.com/kasapos/kasa/internal/banksim/vakifkatilim"
)
