#!/bin/bash
# Capture an FRR 8.4 <-> BIRD 2 session (IPv4 and IPv6 eBGP, ADD-PATH both ways) in two
# throw-away network namespaces and write one BGP message per line into OUT_DIR.
# Usage (as root): capture-frr-bird.sh OUT_DIR
#
# What FRR is made to send, in order: its OPEN (FQDN, dynamic capability, graceful restart
# with families, route refresh, enhanced route refresh, 4-octet AS, ADD-PATH, extended
# message), announcements with communities / large / extended communities, an aggregate
# (AGGREGATOR, ATOMIC_AGGREGATE), IPv6 with a global + link-local next hop, End-of-RIB,
# an enhanced route refresh answer (BoRR ... EoRR) to BIRD's request, its own
# ROUTE-REFRESH, withdrawals (IPv4 withdrawn routes, MP_UNREACH), KEEPALIVEs and finally
# a Cease / Administrative Shutdown NOTIFICATION with a message (RFC 9003).
set -u
OUT=${1:?output directory}
TOOLS=$(cd "$(dirname "$0")" && pwd)
T=fc$$; W=$(mktemp -d)
NF=${T}f; NB=${T}b                    # FRR's and BIRD's namespaces
FRR4=10.205.1.1; BIRD4=10.205.1.2; FRR6=fd00:205:1::1; BIRD6=fd00:205:1::2
vty() { ip netns exec $NF vtysh --vty_socket $W/frr "$@"; }
birdcl() { birdc -s $W/bird.ctl "$@"; }
fail() {
  echo "capture-frr-bird: $*" >&2
  for f in $W/frr/zebra.log $W/frr/bgpd.log $W/bird.log $W/bird.out; do
    [ -s $f ] && { echo "--- $f" >&2; tail -20 $f >&2; }
  done
  birdc -s $W/bird.ctl show route all >&2
  ip netns exec $NF vtysh --vty_socket $W/frr -c 'show bgp summary' >&2
  # What went over the wire so far, for a look with extract.py.
  mkdir -p $OUT && cp $W/session.pcap $OUT/failed-session.pcap 2>/dev/null
  exit 1
}
# Poll a command until it succeeds; no fixed sleeps.
wait_for() {
  local what=$1; shift
  local deadline=$((SECONDS + 60))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -gt $deadline ] && fail "timed out waiting for $what"
    sleep 0.2
  done
}
stop() {  # stop one process we started and wait until it is gone
  [ -n "${1:-}" ] || return 0
  kill "$1" 2>/dev/null
  local deadline=$((SECONDS + 20))
  while kill -0 "$1" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  kill -9 "$1" 2>/dev/null
}
cleanup() {
  stop "${DUMP:-}"; stop "${BGPD:-}"; stop "${ZEBRA:-}"; stop "${BIRD:-}"
  ip netns del $NF 2>/dev/null; ip netns del $NB 2>/dev/null
  # FRR keeps a crash-log dir per daemon process; it is ours only for our PIDs.
  for p in ${BGPD:-} ${ZEBRA:-}; do rm -rf /var/tmp/frr/bgpd.$p /var/tmp/frr/zebra.$p; done
  rm -rf "$W"
  # Say so if anything of this run survived.
  local left
  left=$( { ip netns list | grep "^$T"; ip -o link show | grep " $T"
            for p in ${DUMP:-} ${BGPD:-} ${ZEBRA:-} ${BIRD:-}; do kill -0 $p 2>/dev/null && echo "pid $p"; done
            ls -d /var/tmp/frr/*.${BGPD:-none} /var/tmp/frr/*.${ZEBRA:-none} "$W" 2>/dev/null; } )
  [ -z "$left" ] || { echo "capture-frr-bird: left behind: $left" >&2; exit 1; }
}
trap cleanup EXIT

ip netns add $NF; ip netns add $NB
for n in $NF $NB; do
  # No duplicate address detection: FRR only uses the link-local next hop once it is valid.
  ip netns exec $n sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  ip -n $n link set lo up
done
ip link add ${T}x type veth peer name ${T}y
ip link set ${T}x netns $NF; ip link set ${T}y netns $NB
ip -n $NF addr add $FRR4/30 dev ${T}x; ip -n $NF addr add $FRR6/64 dev ${T}x
ip -n $NB addr add $BIRD4/30 dev ${T}y; ip -n $NB addr add $BIRD6/64 dev ${T}y
ip -n $NF link set ${T}x up; ip -n $NB link set ${T}y up
wait_for "link-local addresses" sh -c \
  "ip -n $NF -6 addr show dev ${T}x scope link | grep -q fe80 && ip -n $NB -6 addr show dev ${T}y scope link | grep -q fe80"

mkdir -p $W/frr
cat > $W/frr/zebra.conf <<EOC
hostname terrace-frr
log stdout informational
EOC
# One neighbor block per session; ADD-PATH send for every path, dynamic capability,
# graceful restart as a restarting-capable speaker (families in the capability).
neighbor() {
  cat <<EOC
 neighbor $1 remote-as 65002
 neighbor $1 timers 3 9
 neighbor $1 timers connect 1
 neighbor $1 advertisement-interval 0
 neighbor $1 capability dynamic
EOC
}
cat > $W/frr/bgpd.conf <<EOC
hostname terrace-frr
log stdout informational
router bgp 65001
 bgp router-id $FRR4
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 no bgp network import-check
 bgp graceful-restart
$(neighbor $BIRD4)
$(neighbor $BIRD6)
 address-family ipv4 unicast
  network 10.65.20.0/26 route-map tag4
  network 10.65.20.64/26
  network 10.65.21.0/26
  aggregate-address 10.65.21.0/24 summary-only
  neighbor $BIRD4 activate
  neighbor $BIRD4 addpath-tx-all-paths
 exit-address-family
 address-family ipv6 unicast
  network fd00:65:20::/122 route-map tag6
  network fd00:65:21::/64
  neighbor $BIRD6 activate
  neighbor $BIRD6 addpath-tx-all-paths
 exit-address-family
route-map tag4 permit 10
 set community 65001:100 65001:200
 set large-community 65001:1:2
 set extcommunity rt 65001:7
 set metric 50
route-map tag6 permit 10
 set community 65001:600
 set large-community 65001:6:6
EOC
cat > $W/bird.conf <<EOC
router id $BIRD4;
log "$W/bird.log" all;
protocol device { scan time 5; }
protocol static s4 { ipv4; route 10.66.20.0/24 blackhole { bgp_community.add((65002,4)); }; }
protocol static s6 { ipv6; route fd00:66:20::/64 blackhole; }
# Passive: only FRR connects, so each session is one TCP connection (no collision).
protocol bgp f4 {
  local $BIRD4 as 65002; neighbor $FRR4 as 65001; passive on;
  hold time 9; keepalive time 3; graceful restart on;
  enable extended messages on;
  ipv4 { import all; export where proto = "s4"; add paths on; };
}
protocol bgp f6 {
  local $BIRD6 as 65002; neighbor $FRR6 as 65001; passive on;
  hold time 9; keepalive time 3; graceful restart on;
  ipv6 { import all; export where proto = "s6"; add paths on; };
}
EOC
# mktemp -d is 0700: user frr must be able to reach its own directory inside it.
chmod 711 $W; chown -R frr:frr $W/frr

ip netns exec $NF python3 $TOOLS/sniff.py ${T}x $W/session.pcap >$W/sniff.log 2>&1 &
DUMP=$!
wait_for "the sniffer" test -s $W/session.pcap
ip netns exec $NB bird -f -c $W/bird.conf -s $W/bird.ctl -P $W/bird.pid >$W/bird.out 2>&1 &
BIRD=$!
wait_for "BIRD" birdcl show status
frr_daemon() {
  ip netns exec $NF /usr/lib/frr/$1 -f $W/frr/$1.conf -i $W/frr/$1.pid -z $W/frr/zserv.api \
    --vty_socket $W/frr -P 0 >$W/frr/$1.log 2>&1 &
}
frr_daemon zebra; ZEBRA=$!
# bgpd retries a missing zserv socket only every 10 s; until it has zebra it knows no
# interfaces, hence no link-local next hop.
wait_for "zebra's zserv socket" test -S $W/frr/zserv.api
frr_daemon bgpd; BGPD=$!

established() { birdcl show protocols $1 | grep -q Established; }
has_route() { birdcl show route $1 table $2 | grep -q "$1"; }
wait_for "the IPv4 session" established f4
wait_for "the IPv6 session" established f6
for p in 10.65.20.0/26 10.65.20.64/26 10.65.21.0/24; do wait_for "$p at BIRD" has_route $p master4; done
for p in fd00:65:20::/122 fd00:65:21::/64; do wait_for "$p at BIRD" has_route $p master6; done
frr_has() { vty -c "show bgp $1 unicast $2 json" | grep -q '"paths"'; }
wait_for "BIRD's IPv4 route at FRR" frr_has ipv4 10.66.20.0/24
wait_for "BIRD's IPv6 route at FRR" frr_has ipv6 fd00:66:20::/64

# Message counters FRR keeps per neighbor (show bgp neighbors json, messageStats).
stat() { vty -c "show bgp neighbors $1 json" | python3 -c \
  "import json,sys; d=json.load(sys.stdin); print(next(iter(d.values()))['messageStats']['$2'])"; }
grows() { [ "$(stat $1 $2)" -gt "$3" ]; }

# BIRD asks for a refresh: FRR answers BoRR, the routes again, EoRR (RFC 7313).
for s in $FRR4/$BIRD4/f4 $FRR6/$BIRD6/f6; do
  IFS=/ read -r _ peer proto <<<"$s"
  before=$(stat $peer routeRefreshRecv)
  birdcl reload in $proto >/dev/null
  wait_for "FRR to receive BIRD's ROUTE-REFRESH on $proto" grows $peer routeRefreshRecv "$before"
done
# FRR asks for one: its own ROUTE-REFRESH, BIRD answers.
for s in ipv4/$BIRD4 ipv6/$BIRD6; do
  IFS=/ read -r fam peer <<<"$s"
  before=$(stat $peer routeRefreshSent)
  vty -c "clear bgp $fam unicast $peer soft in" >/dev/null
  wait_for "FRR to send a ROUTE-REFRESH to $peer" grows $peer routeRefreshSent "$before"
done

# Withdrawals: IPv4 in the Withdrawn Routes field, IPv6 in MP_UNREACH_NLRI.
vty -c 'conf t' -c 'router bgp 65001' -c 'address-family ipv4 unicast' -c 'no network 10.65.20.64/26' \
  -c 'exit-address-family' -c 'address-family ipv6 unicast' -c 'no network fd00:65:21::/64' >/dev/null
gone() { ! has_route "$@"; }
wait_for "the IPv4 withdrawal at BIRD" gone 10.65.20.64/26 master4
wait_for "the IPv6 withdrawal at BIRD" gone fd00:65:21::/64 master6

# A couple more KEEPALIVEs from FRR on each session.
for peer in $BIRD4 $BIRD6; do
  before=$(stat $peer keepalivesSent)
  wait_for "KEEPALIVEs to $peer" grows $peer keepalivesSent $((before + 1))
done
birdcl show route all > $W/bird-routes.txt
vty -c 'show bgp neighbors' > $W/frr-neighbors.txt

# Cease / Administrative Shutdown with a shutdown communication.
vty -c 'conf t' -c 'router bgp 65001' -c "neighbor $BIRD4 shutdown message capture finished" \
  -c "neighbor $BIRD6 shutdown message capture finished" >/dev/null
wait_for "BIRD to see the IPv4 session close" sh -c "! birdc -s $W/bird.ctl show protocols f4 | grep -q Established"
wait_for "BIRD to see the IPv6 session close" sh -c "! birdc -s $W/bird.ctl show protocols f6 | grep -q Established"
stop $DUMP; DUMP=
mkdir -p $OUT
cp $W/session.pcap $OUT/session.pcap
python3 $TOOLS/extract.py $W/session.pcap $OUT \
  $FRR4=frr $FRR6=frr $BIRD4=bird $BIRD6=bird || exit 1
cat $W/bird-routes.txt
grep -A40 'Neighbor capabilities' $W/frr-neighbors.txt | head -60
