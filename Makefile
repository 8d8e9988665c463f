# `make test` is the project test command: see scripts/test.sh (it starts a
# throwaway PostgreSQL when the server binaries are installed).

.PHONY: build test chaos

build:
	go build -o kasa ./cmd/kasa

# Extra `go test` arguments: make test ARGS="-run TestStore ./internal/store/..."
test:
	scripts/test.sh $(ARGS)

# Kill -9 loop with bank faults against real processes; prints the
# attempted / succeeded / declined / unknown→resolved / lost / doubled table.
chaos:
	go test -count=1 -v -run TestChaosKill9 ./internal/chaos/ -args -chaos.rounds=20 -chaos.workers=8
