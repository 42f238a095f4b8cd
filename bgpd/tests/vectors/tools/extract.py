# Reassemble the TCP streams of port 179 from a pcap and write one BGP message per line (hex).
# Usage: extract.py PCAP OUT_DIR ADDR=NAME... (each speaker's addresses, e.g. 10.205.0.1=bird);
# writes OUT_DIR/<sender>-to-<receiver>-<ipv4|ipv6>.hex.
#
# Streams are kept per TCP connection (both addresses and ports): a second connection
# between the same two speakers (a collision, a reconnect) would otherwise interleave
# with the first by sequence number. The capture scripts arrange for one connection per
# session, so more than one is an error rather than something to guess about.
import collections, ipaddress, os, struct, sys

pcap, outdir = sys.argv[1], sys.argv[2]
names = dict(arg.split("=", 1) for arg in sys.argv[3:])
if not names:
    sys.exit("extract.py: name the speakers' addresses, e.g. 10.205.0.1=bird")
data = open(pcap, "rb").read()
pos = 24
streams = collections.defaultdict(dict)  # (src, sport, dst, dport) -> {seq: payload}
first_seq = {}
while pos + 16 <= len(data):
    _, _, incl, _ = struct.unpack("<IIII", data[pos:pos+16]); pos += 16
    pkt = data[pos:pos+incl]; pos += incl
    etype = struct.unpack("!H", pkt[12:14])[0]
    if etype == 0x0800:
        ihl = (pkt[14] & 0xF) * 4
        if pkt[14+9] != 6: continue
        src = str(ipaddress.IPv4Address(pkt[26:30])); dst = str(ipaddress.IPv4Address(pkt[30:34]))
        total = struct.unpack("!H", pkt[16:18])[0]
        tcp = pkt[14+ihl:14+total]
    elif etype == 0x86dd:
        if pkt[20] != 6: continue
        src = str(ipaddress.IPv6Address(pkt[22:38])); dst = str(ipaddress.IPv6Address(pkt[38:54]))
        plen = struct.unpack("!H", pkt[18:20])[0]
        tcp = pkt[54:54+plen]
    else:
        continue
    sport, dport, seq = struct.unpack("!HHI", tcp[:8])
    if 179 not in (sport, dport): continue
    off = (tcp[12] >> 4) * 4
    payload = tcp[off:]
    if payload:
        key = (src, sport, dst, dport)
        first_seq.setdefault(key, seq)
        # Offsets from the first payload octet, so a sequence number wrap sorts correctly;
        # a retransmission overwrites the same offset.
        streams[key][(seq - first_seq[key]) % 2**32] = payload
os.makedirs(outdir, exist_ok=True)
per_pair = collections.Counter((src, dst) for src, _, dst, _ in streams)
for pair, n in per_pair.items():
    if n > 1:
        sys.exit(f"extract.py: {n} TCP connections from {pair[0]} to {pair[1]}; expected one")
for (src, _, dst, _), segs in streams.items():
    buf = b"".join(segs[s] for s in sorted(segs))
    msgs = []
    while len(buf) >= 19:
        n = struct.unpack("!H", buf[16:18])[0]
        msgs.append(buf[:n]); buf = buf[n:]
    if buf:
        sys.exit(f"extract.py: {len(buf)} octets of a partial message from {src} to {dst}")
    fam = "ipv6" if ":" in src else "ipv4"
    name = f"{names[src]}-to-{names[dst]}-{fam}.hex"
    with open(os.path.join(outdir, name), "w") as f:
        for m in msgs:
            f.write(m.hex() + "\n")
    print(name, len(msgs), "messages, types", [m[18] for m in msgs])
