package interpos

import (
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
)

// Hosts come from the research notes (public library configs). InterVPOS
// serves the API and the 3D gate on the same mpi/Default.aspx, and the 3D
// Host card page next to it as mpi/3DHost.aspx.
const (
	hostTest = "test.inter-vpos.com.tr"
	hostProd = "inter-vpos.com.tr"
)

func preset(env, host string) gateway.Preset {
	u := "https://" + host + "/mpi/Default.aspx"
	return gateway.Preset{
		Name:        "denizbank-" + env,
		Bank:        "denizbank",
		Environment: env,
		Endpoints:   gateway.Endpoints{API: u, ThreeDGate: u},
	}
}

// Presets lists the named InterVPOS environments.
func Presets() []gateway.Preset {
	return []gateway.Preset{preset("test", hostTest), preset("production", hostProd)}
}

// hostGateURL derives the 3D Host page from the 3D gate URL
// (gateway.Endpoints has a single gate): 3DHost.aspx in the same directory.
func hostGateURL(gate string) string {
	i := strings.LastIndexByte(gate, '/')
	if i < 0 {
		return gate
	}
	return gate[:i+1] + "3DHost.aspx"
}
