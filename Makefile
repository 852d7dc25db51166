# Lapak — the two commands a newcomer needs: `make demo` and `make test`.
SWIFT ?= swift
BIN := $(CURDIR)/.build/debug/lapak

.PHONY: all deps build test demo run emulator bench clean

all: build

deps:
	@./scripts/install-system-packages.sh

build: deps
	$(SWIFT) build

# The whole test suite; then the built binary must find its data from an unrelated working directory.
test: deps
	$(SWIFT) build
	$(SWIFT) test
	cd / && "$(BIN)" check

# The bot against the built-in Bot API emulator: no token, no network.
demo: deps
	$(SWIFT) build --product lapak
	"$(BIN)" demo

# The bot against the real Telegram: LAPAK_TELEGRAM_TOKEN=... make run
run: deps
	$(SWIFT) build --product lapak
	"$(BIN)" run

emulator: deps
	$(SWIFT) build --product lapak
	"$(BIN)" emulator

# Benchmarks (release build, ordo-one/benchmark): see Benchmarks/README.md.
bench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark

clean:
	rm -rf .build Benchmarks/.build
