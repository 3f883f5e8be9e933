# Quick start on a fresh Debian 12 machine (as root):  make demo   |   make test
# Everything installs what it needs from the Debian archive first (only what is missing).

JOBS      ?= 2
BUILD     ?= build
ASAN      ?= build-asan
SHARED    ?= $(CURDIR)/../shared
DEMO_PORT ?= 5353

# Build and test dependencies (Debian package names). chromium: the status page's browser test
# (tests/integration/test_page.py); prometheus: promtool, which checks tools/monitoring/.
PKGS = g++ cmake make pkg-config libldns-dev libc-ares-dev libboost-dev libsqlite3-dev \
	   nlohmann-json3-dev libgtest-dev libgmock-dev libssl-dev python3 bind9-dnsutils \
	   knot-dnsutils ldnsutils nsd unbound psmisc procps sqlite3 systemd openssl python3-yaml \
	   dpkg-dev lintian libfstrm-dev libprotobuf-c-dev protobuf-c-compiler dnstap-ldns fstrm-bin \
	   chromium prometheus libmaxminddb-dev libmaxmind-db-writer-perl mmdb-bin
# Peers for `make bench`, and iproute2 for its network namespace (the agent CPU figure with the
# sites apart).
BENCH_PKGS = gdnsd nsd knot pdns-server pdns-backend-bind dnsperf psmisc gcc iproute2

.PHONY: all deps bench-deps build build-asan deb demo test unit bench soak fuzz clean format

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

# The .deb (gslbd_VERSION-1_ARCH.deb in $(BUILD)), built with CPack from the release build;
# only gslbd and gslbctl are compiled for it. Install it with: apt install ./$(BUILD)/gslbd_*.deb
deb: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS) --target deb

demo: build
	./$(BUILD)/gslbd apply --db $(BUILD)/demo.db demo/gslb.json
	@echo
	@echo "gslbd is serving demo/example.test.zone and the GSLB services of demo/gslb.json"
	@echo "(database $(BUILD)/demo.db) on 127.0.0.1:$(DEMO_PORT), UDP and TCP. Try, in another shell:"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) app.example.test A         # weighted 1:2:1 over three sites"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) app.example.test AAAA"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) www.gslb.test A            # priority: primary, then secondary"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) sticky.gslb.test A +subnet=198.51.100.0/24   # persistent, ECS scope /24"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) web.gslb.test A            # health-checked (tcp :$(DEMO_PORT)): 127.0.0.2 is down, so 127.0.0.1"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) www.example.test A         # static records from the zone file"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) chain.example.test A       # CNAME chain, chased in-zone"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) x.sub.example.test A       # referral with glue"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) nope.example.test A        # NXDOMAIN with the SOA"
	@echo "  dig @127.0.0.1 -p $(DEMO_PORT) +nsid CH TXT id.server"
	@echo "Mark a site down and watch the answers move (no restart):"
	@echo "  sqlite3 $(BUILD)/demo.db \"insert into observations(agent_id,member_id,up,checked_at_ms) select 'local',id,0,strftime('%s','now')*1000 from members where name='primary'\""
	@echo "Edit demo/gslb.json and run ./$(BUILD)/gslbd apply --db $(BUILD)/demo.db demo/gslb.json to change pools live."
	@echo "Ctrl-C stops it."
	@echo
	./$(BUILD)/gslbd --listen 127.0.0.1:$(DEMO_PORT) --listen [::1]:$(DEMO_PORT) \
	  --db $(BUILD)/demo.db --identity gslbd-demo --nsid gslbd-demo --api-insecure-loopback

# Every unit and integration test: the release build's unit tests and its .deb (tests/package),
# then everything again under ASan+UBSan (integration tests drive the sanitized gslbd; the
# sanitized build has no package test).
test: build build-asan
	cd $(BUILD) && ctest -L 'unit|package' --output-on-failure -j$(JOBS)
	cd $(ASAN) && ctest --output-on-failure -j$(JOBS)

unit: build
	cd $(BUILD) && ctest -L unit --output-on-failure -j$(JOBS)

bench: bench-deps build
	./tools/bench.sh
	BUILD=$(BUILD) ./tools/bench_topology.sh
	./tools/bench_health.py $(BUILD)/gslbd
	./tools/bench_api.py $(BUILD)/gslbd

# The long fault runs of issue 14 against the sanitized gslbd: the mutation flood for 10 minutes,
# a backend flapping at 10 Hz for 60 s a part, 1000 stalled TCP connections held 25 s, the
# health role and an agent killed under 1000 qps for 60 s, the database locked for 30 s (with
# its p99 bound).
soak: build-asan
	cd tests/integration && GSLBD_SOAK=1 GSLBD=$(CURDIR)/$(ASAN)/gslbd GSLBD_SOURCE_DIR=$(CURDIR) \
	  python3 -m unittest -v test_mutation_flood test_flapping_backend test_tcp_stall \
	    test_health_kill_flood test_database_faults.TestLockLatency

# libFuzzer over every tests/fuzz target (clang), FUZZ_SECONDS each (default 60), FUZZ_JOBS at a
# time (default 1).
fuzz: deps
	@./tools/install-deps.sh clang
	./tools/fuzz.sh

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN) build-fuzz
