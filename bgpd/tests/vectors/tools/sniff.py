# Minimal AF_PACKET sniffer writing pcap (tcpdump is not installed here).
import socket, struct, sys, time, signal
iface, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((iface, 0))
s.settimeout(0.2)
f = open(out, "wb")
f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
# The socket is bound: a non-empty file tells the capture script that recording has begun.
f.flush()
stop = False
def handler(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, handler)
while not stop:
    try:
        pkt, addr = s.recvfrom(65535)
    except socket.timeout:
        continue
    # Both directions: incoming frames and the interface's own (PACKET_OUTGOING).
    t = time.time()
    f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(pkt), len(pkt)))
    f.write(pkt)
    f.flush()
f.close()
