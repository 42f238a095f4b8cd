# Reassemble the TCP streams of port 179 from a pcap and write one BGP message per line (hex).
import struct, sys, collections, os
pcap, outdir = sys.argv[1], sys.argv[2]
data = open(pcap, "rb").read()
pos = 24
streams = collections.defaultdict(dict)  # (src, dst) -> {seq: payload}
names = {"10.205.0.1": "bird", "fd00:205::1": "bird", "10.205.0.2": "gobgp", "fd00:205::2": "gobgp"}
import ipaddress
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
        streams[(src, dst)][seq] = payload
os.makedirs(outdir, exist_ok=True)
for (src, dst), segs in streams.items():
    buf = b"".join(segs[s] for s in sorted(segs))
    msgs = []
    while len(buf) >= 19:
        n = struct.unpack("!H", buf[16:18])[0]
        msgs.append(buf[:n]); buf = buf[n:]
    fam = "ipv6" if ":" in src else "ipv4"
    name = f"{names[src]}-to-{names[dst]}-{fam}.hex"
    with open(os.path.join(outdir, name), "w") as f:
        for m in msgs:
            f.write(m.hex() + "\n")
    print(name, len(msgs), "messages, types", [m[18] for m in msgs])
