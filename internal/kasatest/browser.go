package kasatest

import (
	"github.com/kasapos/kasa/internal/banksim"
	"github.com/kasapos/kasa/internal/banksim/customer"
)

// The customer's browser lives in banksim/customer (kasa bench drives it
// too); these names keep the tests' spelling.
type (
	ACS        = customer.ACS
	HostedCard = customer.HostedCard
)

// ReturnURL is where test payments send the customer back.
const ReturnURL = customer.ReturnURL

var (
	// Drive3D plays the customer's browser through a 3D Secure flow.
	Drive3D = customer.Drive3D
	// Post sends a form as a browser would and returns the status code.
	Post = customer.Post
)

// ACSCode re-exports the simulators' accepted one-time code.
const ACSCode = banksim.ACSCode
