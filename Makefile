# `make test` is the project test command: see scripts/test.sh (it starts a
# throwaway PostgreSQL when the server binaries are installed).

.PHONY: build test

build:
	go build -o kasa ./cmd/kasa

# Extra `go test` arguments: make test ARGS="-run TestStore ./internal/store/..."
test:
	scripts/test.sh $(ARGS)
