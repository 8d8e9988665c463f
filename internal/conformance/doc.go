// Package conformance is the one suite every bank protocol must pass against
// its simulator, through Kasa's full stack (API, payment service, storage on
// both backends, adapter, simulator over loopback HTTP). A new protocol is
// done when `go test ./internal/conformance/ -run TestConformance/<name>`
// passes. See conformance_test.go.
package conformance
