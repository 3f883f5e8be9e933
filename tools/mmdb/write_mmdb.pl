#!/usr/bin/perl
# write_mmdb.pl: MMDB fixtures for the geo tests and benchmarks (zones/geo), written with
# Debian's MaxMind::DB::Writer::Tree in the GeoIP2 layout, so they read like GeoLite2 files.
#
#   write_mmdb.pl --type country|asn|city OUT.mmdb < networks.jsonl
#       one JSON object a line: {"network":"192.0.2.0/24","country":"JP","continent":"AS",
#       "subdivision":"13","asn":64500,"org":"Example","latitude":35.68,"longitude":139.69}
#       (every field but network optional; --type only names the database).
#   write_mmdb.pl --generate N --seed S --type country [--map MAP] OUT.mmdb
#       N distinct networks: /24s and /20s over 1.0.0.0-223.255.255.255 and IPv6 /32s in
#       2000::/3, countries cycling over ~200 ISO codes with their continents. The same N and S
#       always give the same file. MAP gets one "NETWORK COUNTRY" line per network.
#   --ip-version 4|6 (6), --record-size 24|28|32 (28), --database-type NAME, --no-alias
#
# An ip_version 6 tree holds IPv4 networks at ::/96 (the writer puts dotted networks there) and,
# unless --no-alias, aliases ::ffff:0:0/96, 2001::/32 and 2002::/16 to it as GeoIP2 files do.
# Reserved networks are kept: the fixtures use the documentation and loopback ranges.
use strict;
use warnings;

use Getopt::Long qw(GetOptions);
use JSON::PP ();
use MaxMind::DB::Writer::Tree ();

my %opt = (type => 'country', 'ip-version' => 6, 'record-size' => 28, seed => 1);
GetOptions(\%opt, 'type=s', 'generate=i', 'seed=i', 'map=s', 'ip-version=i', 'record-size=i',
           'database-type=s', 'no-alias')
    or die "usage: $0 [--type country|asn|city] [--generate N --seed S --map FILE] OUT.mmdb\n";
my $out = shift @ARGV or die "$0: name the output file\n";
die "$0: --type is country, asn or city, not $opt{type}\n"
    unless $opt{type} =~ /^(country|asn|city)$/;

my %types = (
    country                        => 'map',
    registered_country             => 'map',
    continent                      => 'map',
    location                       => 'map',
    subdivisions                   => ['array', 'map'],
    iso_code                       => 'utf8_string',
    code                           => 'utf8_string',
    latitude                       => 'double',
    longitude                      => 'double',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);
my %type_names = (country => 'Country', asn => 'ASN', city => 'City');
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => $opt{'ip-version'},
    record_size              => $opt{'record-size'},
    database_type            => $opt{'database-type'} // "GSLBD-Test-$type_names{$opt{type}}",
    languages                => ['en'],
    description              => {en => 'gslbd test fixture'},
    map_key_type_callback    => sub { $types{$_[0]} },
    alias_ipv6_to_ipv4       => ($opt{'ip-version'} == 6 && !$opt{'no-alias'}) ? 1 : 0,
    remove_reserved_networks => 0,
);

# One input line (or generated network) as a GeoIP2 record.
sub record {
    my ($in) = @_;
    my %r;
    if (defined $in->{country}) {
        $r{country}            = {iso_code => $in->{country}};
        $r{registered_country} = {iso_code => $in->{country}};
    }
    $r{registered_country} = {iso_code => $in->{registered_country}}
        if defined $in->{registered_country};
    $r{continent}    = {code => $in->{continent}}         if defined $in->{continent};
    $r{subdivisions} = [{iso_code => $in->{subdivision}}] if defined $in->{subdivision};
    $r{location} = {latitude => 0.0 + $in->{latitude}, longitude => 0.0 + $in->{longitude}}
        if defined $in->{latitude} && defined $in->{longitude};
    $r{autonomous_system_number}       = 0 + $in->{asn} if defined $in->{asn};
    $r{autonomous_system_organization} = $in->{org}     if defined $in->{org};
    return \%r;
}

my $count = 0;
if (defined $opt{generate}) {
    generate($opt{generate}, $opt{seed});
} else {
    my $json = JSON::PP->new;
    while (my $line = <STDIN>) {
        next if $line =~ /^\s*$/;
        my $in = $json->decode($line);
        die "$0: line $.: no network\n" unless defined $in->{network};
        $tree->insert_network($in->{network}, record($in));
        ++$count;
    }
}
open my $fh, '>:raw', $out or die "$0: $out: $!\n";
$tree->write_tree($fh);
close $fh or die "$0: $out: $!\n";
print STDERR "$0: $out: $count networks\n";

# A small xorshift generator of our own: Perl's rand() differs between builds, the fixtures
# must not.
my $state;
sub next_random {
    $state ^= ($state << 13) & 0xFFFFFFFF;
    $state ^= $state >> 17;
    $state ^= ($state << 5) & 0xFFFFFFFF;
    return $state;
}

sub generate {
    my ($n, $seed) = @_;
    $state = (($seed * 2654435761) & 0xFFFFFFFF) || 1;
    my @countries = country_list();
    my $map;
    if (defined $opt{map}) { open $map, '>', $opt{map} or die "$0: $opt{map}: $!\n" }
    my $add = sub {
        my ($network) = @_;
        my ($cc, $continent) = @{$countries[$count % @countries]};
        my %in = (country => $cc, continent => $continent);
        if ($opt{type} ne 'country') {
            $in{asn} = 64512 + $count % 1000;
            $in{org} = "AS$in{asn}";
        }
        if ($opt{type} eq 'city') {
            $in{subdivision} = sprintf('%02d', $count % 47 + 1);
            $in{latitude}    = (next_random() % 18000) / 100 - 90;
            $in{longitude}   = (next_random() % 36000) / 100 - 180;
        }
        $tree->insert_network($network, record(\%in));
        print {$map} "$network $cc\n" if $map;
        ++$count;
    };
    # A tenth IPv6 /32s, spread over 2000::/3 (2^29 of them) in increasing order.
    my $v6 = $opt{'ip-version'} == 6 ? int($n / 10) : 0;
    # 2001::/32 (Teredo) and 2002::/16 (6to4) are aliases of the IPv4 networks: start past them.
    my $at = 0x20030000;
    for (1 .. $v6) {
        $at += 1 + next_random() % 1000;
        $add->(sprintf('%x:%x::/32', $at >> 16, $at & 0xFFFF));
    }
    # The rest over the /20 blocks of 1.0.0.0-223.255.255.255, in order so none overlap: each
    # block is skipped, taken whole, or gives some of its 16 /24s. The odds follow what is left
    # to place over what is left of the space, so exactly N fit.
    my $first = 1 << 12;        # 1.0.0.0 as a /20 block number
    my $last  = (224 << 12) - 1;
    for my $block ($first .. $last) {
        my $need = $n - $count;
        last if $need <= 0;
        my $left = $last - $block + 1;
        my $per_block = $need / $left;    # networks each remaining block must give
        next if $per_block < 2 && next_random() % 1000000 >= $per_block / 2 * 1000000;
        my $base = $block << 12;
        if ($per_block <= 1 && next_random() % 3 == 0) {
            $add->(ipv4($base) . '/20');
            next;
        }
        my $want = 1 + next_random() % 3;
        $want = int($per_block) + 1 if $per_block > $want;
        $want = $need if $want > $need;
        $want = 16    if $want > 16;
        my %taken;
        while (keys %taken < $want) { $taken{next_random() % 16} = 1 }
        $add->(ipv4($base + ($_ << 8)) . '/24') for sort { $a <=> $b } keys %taken;
    }
    die "$0: only $count of $n networks fit\n" if $count < $n;
    close $map if $map;
}

sub ipv4 {
    my ($a) = @_;
    return join '.', ($a >> 24) & 255, ($a >> 16) & 255, ($a >> 8) & 255, $a & 255;
}

# ISO 3166-1 alpha-2 codes with their GeoIP2 continent codes.
sub country_list {
    my %by_continent = (
        AF => [qw(DZ AO BJ BW BF BI CM CV CF TD KM CG CD CI DJ EG GQ ER ET GA GM GH GN GW KE LS LR
                  LY MG MW ML MR MU MA MZ NA NE NG RW ST SN SC SL SO ZA SS SD SZ TZ TG TN UG ZM
                  ZW)],
        AS => [qw(AF AM AZ BH BD BT BN KH CN GE HK IN ID IR IQ IL JP JO KZ KW KG LA LB MO MY MV
                  MN MM NP KP OM PK PS PH QA SA SG KR LK SY TW TJ TH TL TR TM AE UZ VN YE)],
        EU => [qw(AL AD AT BY BE BA BG HR CY CZ DK EE FI FR DE GR HU IS IE IT LV LI LT LU MT MD
                  MC ME NL MK NO PL PT RO RU SM RS SK SI ES SE CH UA GB VA)],
        NA => [qw(AG BS BB BZ CA CR CU DM DO SV GD GT HT HN JM MX NI PA KN LC VC TT US PR)],
        SA => [qw(AR BO BR CL CO EC GY PY PE SR UY VE)],
        OC => [qw(AU FJ KI MH FM NR NZ PW PG WS SB TO TV VU)],
        AN => [qw(AQ)],
    );
    my @list;
    for my $continent (sort keys %by_continent) {
        push @list, [$_, $continent] for @{$by_continent{$continent}};
    }
    # Interleave the continents so neighbouring networks differ.
    my @mixed;
    my $step = 7;
    for my $i (0 .. $#list) { push @mixed, $list[($i * $step) % @list] }
    return @mixed;
}
