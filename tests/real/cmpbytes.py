#!/usr/bin/env python3
"""cmpbytes.py REPORT.json STBYTES.json : compare per-connection bytes; TCP by local->peer, UNIX by inode (if recorded)."""
import sys, json, collections
rep = json.load(open(sys.argv[1])); st = json.load(open(sys.argv[2]))["conns"]
S = collections.defaultdict(lambda: [0, 0])
for k, v in st.items():
    t, a = k.split(':', 1)
    if t in ('TCP', 'TCPv6'):
        key = 'tcp ' + a
    elif t.startswith('UNIX'):
        key = 'unix ' + a.split('->')[0].split(',')[0]
    else:
        key = t.lower() + ' ' + a
    S[key][0] += v['sent']; S[key][1] += v['received']
R = collections.defaultdict(lambda: [0, 0]); ids = {}
for c in rep['connections']:
    if c['family'] in ('AF_INET', 'AF_INET6') and c['type'] == 'SOCK_STREAM':
        if not c['peer'] or c['role'] == 'listener': key = None
        else: key = 'tcp ' + c['local'] + '->' + c['peer']
    elif c['family'] == 'AF_UNIX' and c.get('inode'):
        key = 'unix %d' % c['inode']
    elif c['family'] in ('AF_INET', 'AF_INET6') and c['type'] == 'SOCK_DGRAM':
        key = 'udpx ' + str(c['local']) + '->' + str(c['peer'])
    else:
        key = None
    if key is None:
        if c['bytes_sent'] or c['bytes_received']:
            print('UNKEYED', c['id'], c['role'], c['family'], c['local'], c['peer'], c['bytes_sent'], c['bytes_received'])
        continue
    R[key][0] += c['bytes_sent']; R[key][1] += c['bytes_received']; ids[key] = c['id']
bad = 0; tot_s = [0, 0]; tot_r = [0, 0]
for k in sorted(set(S) | set(R)):
    s = S.get(k, [0, 0]); r = R.get(k, [0, 0])
    tot_s[0] += s[0]; tot_s[1] += s[1]; tot_r[0] += r[0]; tot_r[1] += r[1]
    if s != r:
        bad += 1
        if bad <= 15: print('DIFF', k, ids.get(k), 'strace', s, 'socktrace', r)
print('connections compared: %d, differing: %d; totals strace sent/recv %s socktrace %s' % (len(set(S) | set(R)), bad, tot_s, tot_r))
sys.exit(1 if bad else 0)
