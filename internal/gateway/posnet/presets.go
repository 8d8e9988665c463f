package posnet

import "github.com/kasapos/kasa/internal/gateway"

// Hosts from the research notes (public library configs): the API is
// /PosnetWebService/XML, the 3D gate /3DSWebService/YKBPaymentService.
const (
	hostTest       = "setmpos.ykb.com"
	hostProduction = "posnet.yapikredi.com.tr"
)

func endpoints(host string) gateway.Endpoints {
	return gateway.Endpoints{
		API:        "https://" + host + "/PosnetWebService/XML",
		ThreeDGate: "https://" + host + "/3DSWebService/YKBPaymentService",
	}
}

// Presets lists the named Yapı Kredi environments.
func Presets() []gateway.Preset {
	return []gateway.Preset{
		{Name: "yapikredi-test", Bank: "yapikredi", Environment: "test", Endpoints: endpoints(hostTest)},
		{Name: "yapikredi-production", Bank: "yapikredi", Environment: "production", Endpoints: endpoints(hostProduction)},
	}
}
