package vakifkatilim

import "github.com/kasapos/kasa/internal/gateway"

// Presets are the bank's environments. Vakıf Katılım runs no separate
// sandbox host that we could find (research notes, the public library's
// test configuration and other integrations all use the production host):
// its test merchants are issued on boa.vakifkatilim.com.tr, so the test
// preset differs from production only in name and environment. The 3D host
// page (…/VirtualPOS.Gateway/CommonPaymentPage/CommonPaymentPage) is
// derived from the API endpoint.
func Presets() []gateway.Preset {
	const home = "https://boa.vakifkatilim.com.tr/VirtualPOS.Gateway/Home"
	endpoints := gateway.Endpoints{API: home, ThreeDGate: home + PathEnrollment}
	return []gateway.Preset{
		{Name: "vakifkatilim-test", Bank: "vakifkatilim", Environment: "test", Endpoints: endpoints},
		{Name: "vakifkatilim-production", Bank: "vakifkatilim", Environment: "production", Endpoints: endpoints},
	}
}
