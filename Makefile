# Lapak — the two commands a newcomer needs: `make demo` and `make test`.
SWIFT ?= swift
BIN := $(CURDIR)/.build/debug/lapak

.PHONY: all deps build test demo run emulator bench install clean

all: build

deps:
	@./scripts/install-system-packages.sh

build: deps
	$(SWIFT) build

# The whole test suite, beside a throwaway PostgreSQL cluster with PostGIS (scripts/with-postgres.sh); then the built binary must find its data from an unrelated working directory.
# At most 8 tests at once: most of them start a bot and an emulator, and on a 2-core machine forty
# starting together starved each other's event loops for over 20 s (flaky time-outs). 8 keeps the
# run near a minute.
# A hung test stops the run after TEST_LIMIT seconds (it takes about 2.5 minutes, after the build), and
# scripts/watchdog.sh prints the process tree and each thread's backtrace before it does. A crash prints
# its thread's whole stack (SWIFT_BACKTRACE), not just the top frame.
TEST_WIDTH ?= 8
TEST_LIMIT ?= 900
test: deps
	$(SWIFT) build --build-tests
	SWIFT_BACKTRACE=enable=yes,threads=crashed,top=40,limit=80 scripts/watchdog.sh $(TEST_LIMIT) scripts/with-postgres.sh $(SWIFT) test --skip-build --experimental-maximum-parallelization-width $(TEST_WIDTH)
	cd / && "$(BIN)" check --no-token

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

# A release build and its data where `lapak` finds them: $(PREFIX)/bin/lapak and $(PREFIX)/share/lapak/{intents,config,web}.
PREFIX ?= /usr/local
install: deps
	$(SWIFT) build -c release --product lapak
	install -D -m 0755 .build/release/lapak "$(DESTDIR)$(PREFIX)/bin/lapak"
	install -d "$(DESTDIR)$(PREFIX)/share/lapak"
	cp -R intents config web "$(DESTDIR)$(PREFIX)/share/lapak/"

clean:
	rm -rf .build Benchmarks/.build
