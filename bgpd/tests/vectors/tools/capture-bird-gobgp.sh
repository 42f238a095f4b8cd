#!/bin/bash
# Capture a BIRD 2 <-> GoBGP 3 session (IPv4 and IPv6, eBGP, BIRD with a 4-octet AS) in
# two throw-away network namespaces and write one BGP message per line into OUT_DIR.
# Usage (as root): capture-bird-gobgp.sh OUT_DIR
set -u
OUT=${1:?output directory}
TOOLS=$(cd "$(dirname "$0")" && pwd)
T=bc$$; W=$(mktemp -d); mkdir -p $W
NA=${T}a; NB=${T}b
cleanup() {
  [ -n "${BIRD:-}" ] && kill $BIRD 2>/dev/null
  [ -n "${GOBGP:-}" ] && kill $GOBGP 2>/dev/null
  [ -n "${DUMP:-}" ] && kill $DUMP 2>/dev/null
  sleep 1
  ip netns del $NA 2>/dev/null; ip netns del $NB 2>/dev/null
}
trap cleanup EXIT
ip netns add $NA; ip netns add $NB
ip link add ${T}x type veth peer name ${T}y
ip link set ${T}x netns $NA; ip link set ${T}y netns $NB
ip -n $NA addr add 10.205.0.1/30 dev ${T}x; ip -n $NA addr add fd00:205::1/64 dev ${T}x nodad
ip -n $NB addr add 10.205.0.2/30 dev ${T}y; ip -n $NB addr add fd00:205::2/64 dev ${T}y nodad
for n in $NA $NB; do ip -n $n link set lo up; done
ip -n $NA link set ${T}x up; ip -n $NB link set ${T}y up
cat > $W/bird.conf <<EOC
router id 10.205.0.1;
log "$W/bird.log" all;
protocol device { scan time 5; }
protocol static s4 { ipv4; route 10.65.10.0/26 blackhole; route 10.65.11.0/26 blackhole { bgp_community.add((65002,100)); bgp_large_community.add((4200000002,1,2)); }; }
protocol static s6 { ipv6; route fd00:65:10::/122 blackhole; }
protocol bgp g4 {
  local 10.205.0.1 as 4200000002; neighbor 10.205.0.2 as 65003;
  hold time 9; keepalive time 3; connect retry time 1;
  enable extended messages on;
  ipv4 { import all; export where proto = "s4"; };
}
protocol bgp g6 {
  local fd00:205::1 as 4200000002; neighbor fd00:205::2 as 65003;
  hold time 9; keepalive time 3; connect retry time 1;
  ipv6 { import all; export where proto = "s6"; };
}
EOC
cat > $W/gobgpd.toml <<EOC
[global.config]
  as = 65003
  router-id = "10.205.0.2"
  local-address-list = ["10.205.0.2", "fd00:205::2"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.205.0.1"
    peer-as = 4200000002
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "fd00:205::1"
    peer-as = 4200000002
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
EOC
ip netns exec $NA python3 $TOOLS/sniff.py ${T}x $W/session.pcap >$W/tcpdump.log 2>&1 &
DUMP=$!
sleep 1
ip netns exec $NB gobgpd -f $W/gobgpd.toml --api-hosts 127.0.0.1:50051 -l info > $W/gobgpd.log 2>&1 &
GOBGP=$!
ip netns exec $NA bird -f -c $W/bird.conf -s $W/bird.ctl -P $W/bird.pid >$W/bird.out 2>&1 &
BIRD=$!
deadline=$((SECONDS+60))
until ip netns exec $NB gobgp -u 127.0.0.1 -p 50051 neighbor 2>/dev/null | grep -c Establ | grep -q 2; do
  [ $SECONDS -gt $deadline ] && { echo "no session"; ip netns exec $NB gobgp -u 127.0.0.1 -p 50051 neighbor; cat $W/bird.log | tail; exit 1; }
  sleep 0.2
done
ip netns exec $NB gobgp -u 127.0.0.1 -p 50051 global rib add 10.66.1.0/24 community 65003:7 -a ipv4
ip netns exec $NB gobgp -u 127.0.0.1 -p 50051 global rib add fd00:66:1::/64 -a ipv6
deadline=$((SECONDS+60))
until birdc -s $W/bird.ctl show route 2>/dev/null | grep -q 'fd00:66:1::/64' && birdc -s $W/bird.ctl show route | grep -q 10.66.1.0; do
  [ $SECONDS -gt $deadline ] && { echo "no routes"; exit 1; }
  sleep 0.2
done
ip netns exec $NB gobgp -u 127.0.0.1 -p 50051 global rib del 10.66.1.0/24 -a ipv4
deadline=$((SECONDS+30))
while birdc -s $W/bird.ctl show route 2>/dev/null | grep -q 10.66.1.0; do
  [ $SECONDS -gt $deadline ] && { echo "no withdraw"; exit 1; }
  sleep 0.2
done
sleep 4   # a keepalive or two
birdc -s $W/bird.ctl show route all > $W/bird-routes.txt
ip netns exec $NB gobgp -u 127.0.0.1 -p 50051 global rib -a ipv4 > $W/gobgp-rib4.txt
kill $DUMP; DUMP=
sleep 1
mkdir -p $OUT
cp $W/session.pcap $OUT/session.pcap
python3 $TOOLS/extract.py $W/session.pcap $OUT \
  10.205.0.1=bird fd00:205::1=bird 10.205.0.2=gobgp fd00:205::2=gobgp
cat $W/bird-routes.txt
