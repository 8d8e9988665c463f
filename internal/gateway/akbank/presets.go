package akbank

import "github.com/kasapos/kasa/internal/gateway"

// Hosts come from the research notes (public library configs). The API
// endpoint is the base under which /transaction/process lives; the 3D gate
// is securepay, and 3D Host's payhosting sits next to it (hostedGate).
func endpoints(apiHost, gateHost string) gateway.Endpoints {
	return gateway.Endpoints{
		API:        "https://" + apiHost + "/api/v1/payment/virtualpos",
		ThreeDGate: "https://" + gateHost + "/securepay",
	}
}

// Presets lists the named Akbank environments.
func Presets() []gateway.Preset {
	return []gateway.Preset{
		{Name: "akbank-test", Bank: "akbank", Environment: "test",
			Endpoints: endpoints("apipre.akbank.com", "virtualpospaymentgatewaypre.akbank.com")},
		{Name: "akbank-production", Bank: "akbank", Environment: "production",
			Endpoints: endpoints("api.akbank.com", "virtualpospaymentgateway.akbank.com")},
	}
}
