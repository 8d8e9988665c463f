package payflex

import "github.com/kasapos/kasa/internal/gateway"

// Presets lists the named PayFlex v4 environments (research notes §1.2 and
// public integrations). ThreeDGate is the MPI enrollment endpoint, which
// Kasa calls server to server. İşbank publishes no PayFlex test host.
func Presets() []gateway.Preset {
	p := func(name, bank, env, api, mpi string) gateway.Preset {
		return gateway.Preset{Name: name, Bank: bank, Environment: env, Endpoints: gateway.Endpoints{API: api, ThreeDGate: mpi}}
	}
	return []gateway.Preset{
		p("vakifbank-test", "vakifbank", "test",
			"https://onlineodemetest.vakifbank.com.tr:4443/VposService/v3/Vposreq.aspx",
			"https://3dsecuretest.vakifbank.com.tr:4443/MPIAPI/MPI_Enrollment.aspx"),
		p("vakifbank-production", "vakifbank", "production",
			"https://onlineodeme.vakifbank.com.tr:4443/VposService/v3/Vposreq.aspx",
			"https://3dsecure.vakifbank.com.tr:4443/MPIAPI/MPI_Enrollment.aspx"),
		p("ziraat-test", "ziraat", "test",
			"https://preprod.payflex.com.tr/Ziraatbank/VposWeb/v3/Vposreq.aspx",
			"https://preprod.payflex.com.tr/ZiraatBank/MpiWeb/MPI_Enrollment.aspx"),
		p("ziraat-production", "ziraat", "production",
			"https://sanalpos.ziraatbank.com.tr/v4/v3/Vposreq.aspx",
			"https://mpi.ziraatbank.com.tr/Enrollment.aspx"),
		p("isbank-production", "isbank", "production",
			"https://trx.vpos.isbank.com.tr/v3/Vposreq.aspx",
			"https://mpi.vpos.isbank.com.tr/Enrollment.aspx"),
	}
}
