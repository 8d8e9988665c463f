package kuveyt

import "github.com/kasapos/kasa/internal/gateway"

// Presets are the bank's environments (research notes §1.2). The SOAP
// service is derived from the API host.
func Presets() []gateway.Preset {
	return []gateway.Preset{
		{Name: "kuveyt-test", Bank: "kuveyt", Environment: "test", Endpoints: gateway.Endpoints{
			API:        "https://boatest.kuveytturk.com.tr/boa.virtualpos.services/Home",
			ThreeDGate: "https://boatest.kuveytturk.com.tr/boa.virtualpos.services/Home/ThreeDModelPayGate",
		}},
		{Name: "kuveyt-production", Bank: "kuveyt", Environment: "production", Endpoints: gateway.Endpoints{
			API:        "https://boa.kuveytturk.com.tr/sanalposservice/Home",
			ThreeDGate: "https://boa.kuveytturk.com.tr/sanalposservice/Home/ThreeDModelPayGate",
		}},
	}
}
