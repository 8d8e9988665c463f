package garanti

import "github.com/kasapos/kasa/internal/gateway"

// Hosts from public integrations (research notes §1.2 and the public
// library's production config). Both serve the API on /VPServlet and the 3D
// gate on /servlet/gt3dengine.
const (
	hostTest       = "sanalposprovtest.garantibbva.com.tr"
	hostProduction = "sanalposprov.garanti.com.tr"
)

func endpoints(host string) gateway.Endpoints {
	return gateway.Endpoints{
		API:        "https://" + host + "/VPServlet",
		ThreeDGate: "https://" + host + "/servlet/gt3dengine",
	}
}

// Presets lists the named Garanti BBVA environments.
func Presets() []gateway.Preset {
	return []gateway.Preset{
		{Name: "garanti-test", Bank: "garanti", Environment: "test", Endpoints: endpoints(hostTest)},
		{Name: "garanti-production", Bank: "garanti", Environment: "production", Endpoints: endpoints(hostProduction)},
	}
}
