#!/usr/bin/env bash
# Addresses end to end (tests/progs/addrs): unix paths, abstract names,
# unnamed unix sockets ("*"), socketpair ends, IPv6 and a connected UDP
# socket: every connection's local and peer strings, role, family, type and
# fds are what the program itself printed (from getsockname/getpeername/fstat).
. "$(dirname "$0")/lib.sh"
plan 84

mkdir -p "$WORK/sock"
# The program names each socket by its inode (fstat): the trace then carries
# every socket's inode (SOCKTRACE_INODES=1), to match the two by.
SOCKTRACE_INODES=1 traced "$WORK/tr" "$PROGS/addrs" "$WORK/sock" > "$WORK/out"
ok $? "addrs runs under the shim"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"

has_inet6=1
grep -q '^inet6-unavailable' "$WORK/out" && has_inet6=0
[ $has_inet6 -eq 1 ] || diag "no IPv6 loopback here: $(grep '^inet6-unavailable' "$WORK/out")"

want="unix-listen unix-connect unix-accept abstract-listen abstract-connect abstract-accept pair pair"
[ $has_inet6 -eq 1 ] && want="$want inet6-listen inet6-connect inet6-accept"
want="$want udp-bound udp-connect"
is "$(grep -v '^inet6-unavailable' "$WORK/out" | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')" "$want" \
	"the program printed one line per socket"
like "$(grep '^unix-listen' "$WORK/out")" " addr=$WORK/sock/addrs\.sock " "the unix listener is on the path under the work directory"
like "$(grep '^abstract-listen' "$WORK/out")" " addr=@socktrace-test-[0-9]+ " "the abstract listener's name is printed with @"

# kv LINE KEY: the value of KEY= in one printed line.
kv() { printf '%s\n' "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }

# check_line LINE: 5 test points about the connection with the printed inode.
check_line() {
	local line=$1 what=${1%% *} kind action fd inode local peer role fam type c
	kind=${what%%-*} action=${what#*-}
	fd=$(kv "$line" fd) inode=$(kv "$line" inode)
	if [ "$what" = pair ]; then
		local=$(kv "$line" local) peer=$(kv "$line" peer) role=pair
	else
		case $action in
		listen) local=$(kv "$line" addr) peer=null role=listener ;;
		bound) local=$(kv "$line" addr) peer=null role=unconnected ;;
		connect) local=$(kv "$line" local) peer=$(kv "$line" peer) role=client ;;
		accept) local=$(kv "$line" local) peer=$(kv "$line" peer) role=server ;;
		esac
	fi
	case $kind in
	unix | abstract | pair) fam=AF_UNIX type=SOCK_STREAM ;;
	inet6) fam=AF_INET6 type=SOCK_STREAM ;;
	udp) fam=AF_INET type=SOCK_DGRAM ;;
	esac
	# One jq run per line: count|fds|role|family type|local|peer.
	IFS='|' read -r -a c < <(q --argjson i "${inode:-0}" '[.connections[] | select(.inode == $i)]
		| "\(length)|\(.[0].fds | map(tostring) | join(","))|\(.[0].role)|\(.[0].family) \(.[0].type)|\(.[0].local)|\(.[0].peer)"')
	is "${c[0]:-}:${c[1]:-}" "1:$fd" "$what fd $fd: one connection with inode $inode, fds [$fd]"
	is "${c[2]:-}" "$role" "$what fd $fd: role $role"
	is "${c[3]:-}" "$fam $type" "$what fd $fd: $fam $type"
	is "${c[4]:-}" "$local" "$what fd $fd: local $local"
	is "${c[5]:-}" "$peer" "$what fd $fd: peer $peer"
}

n=0
while IFS= read -r line; do
	case $line in inet6-unavailable*) continue ;; esac
	check_line "$line"
	n=$((n + 1))
done < "$WORK/out"
[ $has_inet6 -eq 1 ] || skip 15 "no IPv6 loopback"

is "$(q '.connections | length')" "$n" "one connection per printed socket, no more"

# socketpair: the two ends name each other.
p1=$(grep '^pair ' "$WORK/out" | sed -n 1p) p2=$(grep '^pair ' "$WORK/out" | sed -n 2p)
i1=$(kv "$p1" inode) i2=$(kv "$p2" inode)
is "$(kv "$p1" peer_inode) $(kv "$p2" peer_inode)" "$i2 $i1" "the program saw the pair's two inodes"
is "$(q ".connections[] | select(.inode == ${i1:-0}) | .peer_inode")" "$i2" "pair end 1's peer_inode is end 2's inode"
is "$(q ".connections[] | select(.inode == ${i2:-0}) | .peer_inode")" "$i1" "pair end 2's peer_inode is end 1's inode"
is "$(q ".connections[] | select(.inode == ${i1:-0}) | .events[0] | \"\(.op) \(.fd) \(.other_fd) \(.ret)\"")" \
	"socketpair $(kv "$p1" fd) $(kv "$p2" fd) 0" "pair end 1: socketpair event with its fd and the other fd"

# The connect events carry the address the program connected to.
for k in unix abstract inet6 udp; do
	line=$(grep "^$k-connect " "$WORK/out")
	if [ -z "$line" ] && [ $k = inet6 ] && [ $has_inet6 -eq 0 ]; then
		skip 1 "no IPv6 loopback"
		continue
	fi
	is "$(q ".connections[] | select(.inode == $(kv "$line" inode)) | .events[] | select(.op==\"connect\") | \"\(.ret) \(.addr) \(.peer)\"")" \
		"0 $(kv "$line" peer) $(kv "$line" peer)" "$k connect event: addr and peer are the printed peer"
done

# The listener's copy of each accept shows the new connection's peer.
for k in unix abstract inet6; do
	line=$(grep "^$k-accept " "$WORK/out")
	lline=$(grep "^$k-listen " "$WORK/out")
	if [ -z "$line" ] && [ $k = inet6 ] && [ $has_inet6 -eq 0 ]; then
		skip 1 "no IPv6 loopback"
		continue
	fi
	is "$(q ".connections[] | select(.inode == $(kv "$lline" inode)) | .events[] | select(.listener_side == true) | \"\(.fd) \(.ret) \(.local) \(.peer)\"")" \
		"$(kv "$lline" fd) $(kv "$line" fd) $(kv "$line" local) $(kv "$line" peer)" "$k listener's accept: new fd, local and peer as printed"
done

if [ $has_inet6 -eq 1 ]; then
	line=$(grep '^inet6-accept ' "$WORK/out")
	is "$(q ".connections[] | select(.inode == $(kv "$line" inode)) | .events[0] | \"\(.op) \(.cloexec)\"")" \
		"accept4 true" "inet6: accept4(SOCK_CLOEXEC) is recorded as accept4 with cloexec"
else
	skip 1 "no IPv6 loopback"
fi

is "$(q '.summary.open_at_exit') $(q '.summary.failed_calls')" "0 0" "nothing open at exit, no failed calls"
done_testing
