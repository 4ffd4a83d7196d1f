# Holds sockets in known states for the netlink_sockets and inet_diag tests.
# Run inside a fresh network namespace (lo up); prints "ready" and sleeps
# until killed. Ports are fixed: the namespace is the test's own.
import os, socket, sys, time

keep = []

def tcp(family, addr, port, v6only=None, backlog=5):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind((addr, port))
    s.listen(backlog)
    keep.append(s)
    return s

def pair(lst, family, addr, port):
    c = socket.socket(family, socket.SOCK_STREAM)
    c.connect((addr, port))
    a, _ = lst.accept()
    keep.extend([c, a])
    return c, a

# LISTEN over IPv4, IPv6 and dual-stack; ESTABLISHED pairs over each.
l4 = tcp(socket.AF_INET, "127.0.0.1", 7001)
l6 = tcp(socket.AF_INET6, "::1", 7002, v6only=1)
ld = tcp(socket.AF_INET6, "::", 7003, v6only=0, backlog=17)
c, a = pair(l4, socket.AF_INET, "127.0.0.1", 7001)
c.sendall(b"x" * 1000)  # 1000 bytes in a's receive queue
pair(l6, socket.AF_INET6, "::1", 7002)
pair(ld, socket.AF_INET, "127.0.0.1", 7003)  # accepted as ::ffff:127.0.0.1

# An accept queue: two connections nobody accepts.
lq = tcp(socket.AF_INET, "127.0.0.1", 7004, backlog=9)
for _ in range(2):
    q = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    q.connect(("127.0.0.1", 7004))
    keep.append(q)

# FIN_WAIT2 / CLOSE_WAIT: the client half-closes, the server keeps its end.
c, a = pair(l4, socket.AF_INET, "127.0.0.1", 7001)
c.shutdown(socket.SHUT_WR)
c6, a6 = pair(l6, socket.AF_INET6, "::1", 7002)
c6.shutdown(socket.SHUT_WR)

# TIME_WAIT: the client closes first, then the server.
c, a = pair(l4, socket.AF_INET, "127.0.0.1", 7001)
c.close(); time.sleep(0.05); a.close()

# BOUND (TCP_BOUND_INACTIVE): bound, neither listening nor connected.
b = socket.socket(socket.AF_INET, socket.SOCK_STREAM); b.bind(("127.0.0.1", 7005)); keep.append(b)

# UDP bound and connected, IPv4 and IPv6.
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 7101)); keep.append(u)
uc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); uc.bind(("127.0.0.1", 7102)); uc.connect(("127.0.0.1", 7101)); keep.append(uc)
uc.send(b"hello")  # 5 bytes (plus skb overhead) queued on u
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.bind(("::", 7103)); keep.append(u6)
u6c = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6c.connect(("::1", 7103)); keep.append(u6c)

# Unix stream, dgram and seqpacket: path, abstract and unnamed addresses.
d = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
for typ, name in ((socket.SOCK_STREAM, "st"), (socket.SOCK_SEQPACKET, "sp")):
    p = os.path.join(d, "nlq-%s.sock" % name)
    if os.path.exists(p):
        os.unlink(p)
    ul = socket.socket(socket.AF_UNIX, typ); ul.bind(p); ul.listen(3); keep.append(ul)
    uc = socket.socket(socket.AF_UNIX, typ); uc.connect(p); keep.append(uc)
    ua, _ = ul.accept(); keep.append(ua)
    al = socket.socket(socket.AF_UNIX, typ); al.bind("\0nlq-abstract-%s-%d" % (name, os.getpid())); al.listen(1); keep.append(al)
pd = os.path.join(d, "nlq-dg.sock")
if os.path.exists(pd):
    os.unlink(pd)
ud = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); ud.bind(pd); keep.append(ud)
x, y = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM); keep.extend([x, y])
x, y = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM); keep.extend([x, y])

print("ready", flush=True)
while True:
    time.sleep(3600)
