package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// envFlags lets every flag registered so far on fs be set from the
// environment as KASA_<NAME> (dashes as underscores: --data-dir is
// KASA_DATA_DIR), for systemd units and containers. A flag on the command
// line still wins: the environment only replaces the default. Each flag's
// help names its variable, and --help ends with the settings that exist only
// in the environment.
func envFlags(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		env := "KASA_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		f.Usage += " (env " + env + ")"
		if v, ok := os.LookupEnv(env); ok && v != "" {
			if err := f.Value.Set(v); err != nil {
				fmt.Fprintf(os.Stderr, "kasa: %s=%q: %v\n", env, v, err)
				os.Exit(2)
			}
			f.DefValue = f.Value.String()
		}
	})
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage of kasa %s:\n", fs.Name())
		fs.PrintDefaults()
		fmt.Fprint(out, "\nEnvironment only:\n"+
			"  KASA_MASTER_KEYS\n    \tmaster keyring \"id:base64key,…\", first is primary (kasa keys new); unset uses a dev key file in --data-dir\n")
	}
}
