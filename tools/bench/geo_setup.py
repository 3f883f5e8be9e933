#!/usr/bin/env python3
"""The files of tools/bench_topology.sh, from one table of pools and rules, so gslbd and gdnsd
are given the same steering:

  geo_setup.py MMDB MAP OUTDIR [SUBNETS]

OUTDIR gets
  geo.json          gslbd's document: zone example.test, app.example.test (the weighted name of
                    ../shared/bench) and geo.example.test: country rules, then continent rules,
                    then a default, over pools of 2-3 members (weighted, one answer)
  plain.json        the same without geoip and geo.example.test (gslbd's RSS without the MMDB)
  gdnsd/config      gdnsd 3: the same app resource, and plugin geoip with one map of the same
                    rules (continent -> country nesting) over MMDB; a dc per pool, each a
                    weighted resource of the pool's members
  gdnsd/zones/example.test, gdnsd-plain/...   (plain: without the geoip plugin)
  subnets.txt       SUBNETS (default 100000) ECS client subnets, /24 inside the IPv4 networks of
                    MAP and /56 inside its IPv6 ones, drawn uniformly over the networks (seed 1)
  check.txt         "SUBNET COUNTRY EXPECTED_POOL|-" lines: two subnets of each rule country and
                    some drawn at random; EXPECTED_POOL for the country rules ("-": decided by a
                    continent rule or the default, checked only as gslbd == gdnsd)
  pools.txt         "ADDRESS POOL" lines, to name the pool of an answer
"""
import ipaddress
import json
import os
import random
import sys

# pool name -> member count; rules in order (the first match decides).
POOLS = [("jp", 3), ("us", 3), ("de", 2), ("gb", 2), ("br", 2),
         ("asia", 3), ("europe", 3), ("namerica", 2), ("samerica", 2), ("oceania", 2),
         ("world", 3)]
COUNTRY_RULES = [(["JP", "KR"], "jp"), (["US", "CA"], "us"), (["DE", "AT", "CH"], "de"),
                 (["GB", "IE"], "gb"), (["BR"], "br")]
CONTINENT_RULES = [("AS", "asia"), ("EU", "europe"), ("NA", "namerica"), ("SA", "samerica"),
                   ("OC", "oceania")]
DEFAULT_POOL = "world"
# The continent of each rule country (the gdnsd map nests countries under continents).
CONTINENT_OF = {"JP": "AS", "KR": "AS", "US": "NA", "CA": "NA", "DE": "EU", "AT": "EU",
                "CH": "EU", "GB": "EU", "IE": "EU", "BR": "SA"}

ZONE = """$TTL 300
@       IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 604800 30
@       IN NS  ns1.example.test.
ns1     IN A   127.0.0.1
www     IN A   192.0.2.10
www     IN AAAA 2001:db8::10
"""


def members(pool_index, count):
    return [(f"{POOLS[pool_index][0]}{j + 1}", f"127.0.{pool_index + 1}.{j + 1}") for j in range(count)]


def main():
    mmdb, map_file, out = sys.argv[1], sys.argv[2], sys.argv[3]
    n_subnets = int(sys.argv[4]) if len(sys.argv) > 4 else 100000
    os.makedirs(out, exist_ok=True)
    mmdb = os.path.abspath(mmdb)
    app = {"name": "app.example.test", "policy": "weighted", "ttl": 30,
           "members": [{"name": "s1", "address": "192.0.2.1", "weight": 1},
                       {"name": "s2", "address": "192.0.2.2", "weight": 2},
                       {"name": "s3", "address": "192.0.2.3", "weight": 1}]}
    pools = [{"name": name, "policy": "weighted",
              "members": [{"name": m, "address": a, "weight": 1} for m, a in members(i, c)]}
             for i, (name, c) in enumerate(POOLS)]
    rules = ([{"country": cc, "pool": p} for cc, p in COUNTRY_RULES] +
             [{"continent": [c], "pool": p} for c, p in CONTINENT_RULES] +
             [{"pool": DEFAULT_POOL}])
    geo = {"name": "geo.example.test", "ttl": 30, "pools": pools, "rules": rules}
    zones = [{"name": "example.test", "file": "example.test.zone"}]
    with open(os.path.join(out, "example.test.zone"), "w") as f:
        f.write(ZONE)
    with open(os.path.join(out, "geo.json"), "w") as f:
        json.dump({"geoip": {"country": mmdb}, "zones": zones, "services": [app, geo]}, f,
                  indent=1)
    with open(os.path.join(out, "plain.json"), "w") as f:
        json.dump({"zones": zones, "services": [app]}, f, indent=1)
    with open(os.path.join(out, "pools.txt"), "w") as f:
        for i, (name, c) in enumerate(POOLS):
            for _, a in members(i, c):
                f.write(f"{a} {name}\n")

    # gdnsd: map = continent -> {default, country...}; every dc a weighted resource.
    by_continent = {c: {"default": p} for c, p in CONTINENT_RULES}
    for countries, p in COUNTRY_RULES:
        for cc in countries:
            by_continent.setdefault(CONTINENT_OF[cc], {"default": DEFAULT_POOL})[cc] = p
    lines = []
    for c, entries in by_continent.items():
        inner = ", ".join(f"{k} => [ {v} ]" for k, v in entries.items())
        lines.append(f"          {c} => {{ {inner} }}")
    lines.append(f"          default => [ {DEFAULT_POOL} ]")
    dcmap = []
    for i, (name, c) in enumerate(POOLS):
        ms = ", ".join(f"{m} => [ {a}, 1 ]" for m, a in members(i, c))
        dcmap.append(f"          {name} => {{ plugin => weighted, service_types => up, {ms} }}")
    base = """options => {
  listen => [ 127.0.0.1 ]
  dns_port => PORT
  udp_threads => 1
  tcp_threads => 1
  edns_client_subnet => true
  run_dir => DIR/run
  state_dir => DIR/state
}
plugins => {
  weighted => {
    app => {
      service_types = up
      s1 = [ 192.0.2.1, 1 ]
      s2 = [ 192.0.2.2, 2 ]
      s3 = [ 192.0.2.3, 1 ]
    }
  }
"""
    geoip = f"""  geoip => {{
    maps => {{
      m => {{
        geoip2_db => {mmdb}
        datacenters => [ {", ".join(p for p, _ in POOLS)} ]
        map => {{
{chr(10).join(lines)}
        }}
      }}
    }}
    resources => {{
      geo => {{
        map => m
        dcmap => {{
{chr(10).join(dcmap)}
        }}
      }}
    }}
  }}
"""
    for d, with_geo in (("gdnsd", True), ("gdnsd-plain", False)):
        os.makedirs(os.path.join(out, d, "zones"), exist_ok=True)
        with open(os.path.join(out, d, "config"), "w") as f:
            f.write(base + (geoip if with_geo else "") + "}\n")
        with open(os.path.join(out, d, "zones", "example.test"), "w") as f:
            f.write(ZONE + "app     30 DYNA weighted!app\n" +
                    ("geo     30 DYNA geoip!geo\n" if with_geo else ""))

    # Client subnets: a network drawn uniformly, then a /24 (/56) inside it.
    nets = []
    with open(map_file) as f:
        for line in f:
            net, cc = line.split()
            nets.append((ipaddress.ip_network(net), cc))
    rnd = random.Random(1)

    def inside(net):
        plen = 24 if net.version == 4 else 56
        span = 1 << (plen - net.prefixlen) if plen > net.prefixlen else 1
        sub = int(net.network_address) + (rnd.randrange(span) << (net.max_prefixlen - plen))
        return f"{ipaddress.ip_address(sub)}/{max(plen, net.prefixlen)}"

    with open(os.path.join(out, "subnets.txt"), "w") as f:
        for _ in range(n_subnets):
            f.write(inside(rnd.choice(nets)[0]) + "\n")
    rule_of = {cc: p for countries, p in COUNTRY_RULES for cc in countries}
    checks = []
    for cc in rule_of:
        mine = [n for n, c in nets if c == cc]
        v4 = [n for n in mine if n.version == 4]
        v6 = [n for n in mine if n.version == 6]
        for n in (v4[:1] + v6[:1]):
            checks.append((inside(n), cc, rule_of[cc]))
    for _ in range(30):
        n, cc = rnd.choice(nets)
        checks.append((inside(n), cc, rule_of.get(cc, "-")))
    with open(os.path.join(out, "check.txt"), "w") as f:
        for s, cc, p in checks:
            f.write(f"{s} {cc} {p}\n")


if __name__ == "__main__":
    main()
