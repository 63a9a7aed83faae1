#!/usr/bin/env python3
"""stbytes.py STRACE_PREFIX... : per-connection bytes from strace -ff -yy output.
Prints JSON {"local->peer": {"sent": N, "received": M, "pids": [...]}}, keyed on sockets of type TCP/TCPv6/UNIX."""
import sys, re, glob, json, os
SENT = {"send","sendto","sendmsg","write","writev","sendfile","sendfile64","sendmmsg","pwrite64"}
RECV = {"recv","recvfrom","recvmsg","read","readv","recvmmsg","pread64"}
line_re = re.compile(r'^(?:\d+\s+)?(?:[\d:.]+\s+)?(\w+)\((.*)\)\s+=\s+(-?\d+)')
fd_re = re.compile(r'(\d+)<(TCP|TCPv6|UDP|UDPv6|UNIX-STREAM|UNIX-DGRAM|UNIX):\[([^\]]*)\]>')
out = {}
calls = {}
for prefix in sys.argv[1:]:
    for fn in sorted(glob.glob(prefix + '.*')):
        pid = fn.rsplit('.', 1)[1]
        for ln in open(fn, errors='replace'):
            m = line_re.match(ln)
            if not m: continue
            sc, args, ret = m.group(1), m.group(2), int(m.group(3))
            if ret <= 0 or "MSG_PEEK" in args: continue
            fds = list(fd_re.finditer(args))
            if not fds: continue
            if sc in SENT or sc in RECV:
                # first argument must be the socket (sendfile: out_fd first)
                f = fds[0]
                if not args.startswith(f.group(1) + '<'): continue
                d = 'sent' if sc in SENT else 'received'
            elif sc == 'splice':
                # splice(in, off, out, off, len, flags)
                a0 = args.split(',')[0]
                f = fds[0]
                d = 'received' if a0.startswith(f.group(1)+'<') else 'sent'
                if d == 'sent':
                    f = fds[-1]
            else:
                continue
            key = f.group(2) + ':' + f.group(3)
            e = out.setdefault(key, {"sent": 0, "received": 0, "pids": []})
            e[d] += ret
            if pid not in e["pids"]: e["pids"].append(pid)
            calls[sc] = calls.get(sc, 0) + 1
json.dump({"conns": out, "calls": calls}, sys.stdout, indent=0, sort_keys=True)
print()
