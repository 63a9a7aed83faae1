#!/usr/bin/env bash
# The CI gate on a correct python asyncio server: an echo server
# (asyncio.start_server) answers three clients, each closing after its
# answer, then stops on SIGTERM (its handler closes the server and waits
# for it), traced with socktrace run.  `audit --fail-on=warning` and
# `leaks` exit 0, twice, with the same findings.
. "$(dirname "$0")/lib.sh"
skip_missing python3
python3 -c 'import asyncio' 2> /dev/null || skip_all "python3 has no asyncio"
plan 9

cat > "$WORK/echo.py" <<'PY'
import asyncio, signal, sys

async def handle(reader, writer):
    data = await reader.readline()
    writer.write(data)
    await writer.drain()
    writer.close()
    await writer.wait_closed()

async def main(port):
    server = await asyncio.start_server(handle, "127.0.0.1", port)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()

asyncio.run(main(int(sys.argv[1])))
PY

# one DIR: one run traced into DIR; its port in PORT.
one() {
	local port i
	PORT=
	port=$(free_port) || return 1
	run_bg "$1" timeout 60 python3 "$WORK/echo.py" "$port"
	wait_listen "$port" || return 1
	for i in 1 2 3; do
		[ "$(echo "line $i" | timeout 10 nc -q 5 127.0.0.1 "$port")" = "line $i" ] || return 1
	done
	run_stop TERM || return 1
	PORT=$port
}
gate_twice "python asyncio" 3 PORT
done_testing
