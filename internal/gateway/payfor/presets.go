package payfor

import (
	"strings"

	"github.com/kasapos/kasa/internal/gateway"
)

// Hosts come from the research notes (public library configs). QNB serves
// the API on /Gateway/XMLGate.aspx and the 3D gate on /Gateway/Default.aspx;
// Ziraat Katılım's PayFor uses /Mpi/... on its own hosts.
const (
	hostQNBTest          = "vpostest.qnbfinansbank.com"
	hostQNBProd          = "vpos.qnbfinansbank.com"
	hostZiraatKatilimTst = "payfortestziraatkatilim.cordisnetwork.com"
	hostZiraatKatilimPrd = "vpos.ziraatkatilim.com.tr"
)

func endpoints(host, dir string) gateway.Endpoints {
	return gateway.Endpoints{
		API:        "https://" + host + "/" + dir + "/XMLGate.aspx",
		ThreeDGate: "https://" + host + "/" + dir + "/Default.aspx",
	}
}

func preset(bank, env, host, dir string) gateway.Preset {
	return gateway.Preset{Name: bank + "-" + env, Bank: bank, Environment: env, Endpoints: endpoints(host, dir)}
}

// Presets lists the named PayFor environments. Enpara is QNB's brand and no
// separate PayFor host is published for it, so its presets use QNB's hosts.
// Ziraat Katılım's 3D hash is verified like everyone else's: some libraries
// switch the check off for that bank, Kasa never does (a bank whose hash
// truly differs would get its own preset-level recipe, not a switch).
func Presets() []gateway.Preset {
	return []gateway.Preset{
		preset("qnb", "test", hostQNBTest, "Gateway"),
		preset("qnb", "production", hostQNBProd, "Gateway"),
		preset("enpara", "test", hostQNBTest, "Gateway"),
		preset("enpara", "production", hostQNBProd, "Gateway"),
		preset("ziraat-katilim", "test", hostZiraatKatilimTst, "Mpi"),
		preset("ziraat-katilim", "production", hostZiraatKatilimPrd, "Mpi"),
	}
}

// hostGateURL derives the 3D Host page from the 3D gate URL: PayFor serves
// it next to Default.aspx as 3DHost.aspx (gateway.Endpoints has one gate).
func hostGateURL(gate string) string {
	i := strings.LastIndexByte(gate, '/')
	if i < 0 {
		return gate
	}
	return gate[:i+1] + "3DHost.aspx"
}
