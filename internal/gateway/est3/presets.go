package est3

import "github.com/kasapos/kasa/internal/gateway"

// Hosts come from the research notes (public library configs). Every EST host
// serves the API on /fim/api and the 3D gate on /fim/est3Dgate. Where no host
// is known for a bank's production, no production preset is given: the
// merchant enters the URLs the bank sent them.
const (
	hostPaytenTest = "entegrasyon.asseco-see.com.tr" // shared Asseco/Payten test system
	hostIsbankTest = "istest.asseco-see.com.tr"
)

func endpoints(host string) gateway.Endpoints {
	return gateway.Endpoints{
		API:        "https://" + host + "/fim/api",
		ThreeDGate: "https://" + host + "/fim/est3Dgate",
	}
}

func preset(bank, env, host string) gateway.Preset {
	return gateway.Preset{Name: bank + "-" + env, Bank: bank, Environment: env, Endpoints: endpoints(host)}
}

// Presets lists the named EST environments.
func Presets() []gateway.Preset {
	return []gateway.Preset{
		preset("payten", "test", hostPaytenTest),

		preset("isbank", "test", hostIsbankTest),
		preset("isbank", "production", "sanalpos.isbank.com.tr"),

		preset("halkbank", "test", hostPaytenTest),
		preset("halkbank", "production", "sanalpos.halkbank.com.tr"),

		preset("ziraat", "test", hostPaytenTest),
		preset("ziraat", "production", "sanalpos2.ziraatbank.com.tr"),

		preset("teb", "test", hostPaytenTest),
		preset("teb", "production", "sanalpos.teb.com.tr"),

		// Akbank moved to its own JSON API in 2024; the EST POS remains for
		// merchants not yet migrated.
		preset("akbank-legacy", "test", hostPaytenTest),
		preset("akbank-legacy", "production", "www.sanalakpos.com"),

		// QNB Finansbank's old EST POS (the current one speaks PayFor).
		preset("finansbank-legacy", "test", hostPaytenTest),
		preset("finansbank-legacy", "production", "www.fbwebpos.com"),

		// Production hosts not known from public sources.
		preset("sekerbank", "test", hostPaytenTest),
		preset("anadolubank", "test", hostPaytenTest),
	}
}
