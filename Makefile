# Quick start on a fresh Debian 12 machine (as root):  make demo   |   make test
# Everything installs what it needs from the Debian archive first (only what is missing).

JOBS      ?= 2
BUILD     ?= build
ASAN      ?= build-asan
SHARED    ?= $(CURDIR)/../shared
DEMO_PORT ?= 5353

# Build and test dependencies (Debian package names).
PKGS = g++ cmake make pkg-config libldns-dev libc-ares-dev libboost-dev libsqlite3-dev \
	   nlohmann-json3-dev libgtest-dev libgmock-dev libssl-dev python3 bind9-dnsutils \
	   knot-dnsutils ldnsutils nsd unbound psmisc procps
# Peers for `make bench`.
BENCH_PKGS = gdnsd nsd knot pdns-server pdns-backend-bind dnsperf psmisc gcc

.PHONY: all deps bench-deps build build-asan demo test unit bench clean format

all: build

deps:
	@./tools/install-deps.sh $(PKGS)

bench-deps:
	@./tools/install-deps.sh $(PKGS) $(BENCH_PKGS)

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DGSLBD_SANITIZE=ON >/dev/null
	cmake --build $(ASAN) -j$(JOBS)

demo: build
	@echo
	@echo "gslbd is serving demo/example.test.zone on 127.0.0.1:$(DEMO_PORT) (UDP and TCP). Try, in another shell:"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) www.example.test A"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) chain.example.test A       # CNAME chain, chased in-zone"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) x.sub.example.test A       # referral with glue"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) nope.example.test A        # NXDOMAIN with the SOA"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) anything.apps.example.test # wildcard"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) +tcp example.test ANY"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) +nsid CH TXT id.server"
	@echo "Ctrl-C stops it."
	@echo
	./$(BUILD)/gslbd --listen 127.0.0.1:$(DEMO_PORT) --listen [::1]:$(DEMO_PORT) \
	  --zone demo/example.test.zone --identity gslbd-demo --nsid gslbd-demo

# Every unit and integration test: the release build's unit tests, then everything again under
# ASan+UBSan (integration tests drive the sanitized gslbd).
test: build build-asan
	cd $(BUILD) && ctest -L unit --output-on-failure -j$(JOBS)
	cd $(ASAN) && ctest --output-on-failure -j$(JOBS)

unit: build
	cd $(BUILD) && ctest -L unit --output-on-failure -j$(JOBS)

bench: bench-deps build
	./tools/bench.sh

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN)
