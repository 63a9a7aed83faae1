"""verdicts.py SCENARIO - small programs for the audit's verdicts (tests/t0615).

Each scenario prints key=value lines (pid=, fd=, ...) and exits 0 when the
kernel behaved as the scenario expects.  Loopback only; no sleep stands in
for an event (the sleeps are the durations the verdicts are about).

  halfclose   accept, read to EOF, shutdown(SHUT_WR), hold 1.5 s, close:
              our FIN went at the shutdown (LAST_ACK), no CLOSE_WAIT left
  closewait   accept, read to EOF, hold 1.5 s, close: CLOSE_WAIT 1.5 s
  forkhold    accept, fork; the parent reads EOF and closes at once, the
              child (which inherited it) holds it 1.5 s and exits
  unix-quiet  socketpair; a sends to b, b closes unread, a closes at once:
              nobody notices
  unix-heard  the same, but a reads after: ECONNRESET
  forkrace    fork-per-connection done right, the child's close first:
              the child closes the accepted socket and tells the parent
              (a pipe), whose very next call closes its copy
  idle        a connection used once (one byte each way), then left idle
              1.5 s and held (both ends) to _exit, its peer still there
  stdio-exit  fork; the child dup2s a socket onto 0 and 1, closes it,
              execs `true`; stdio-kill: execs `sleep 30`, killed by SIGTERM
"""
import os, signal, socket, sys, time


def pair_tcp():
    l = socket.socket()
    l.bind(("127.0.0.1", 0))
    l.listen(4)
    c = socket.create_connection(l.getsockname())
    a, _ = l.accept()
    return l, c, a


def read_to_eof(s):
    n = 0
    while True:
        b = s.recv(4096)
        if not b:
            return n
        n += len(b)


def kv(**kw):
    for k, v in kw.items():
        print("%s=%s" % (k, v), flush=True)


def halfclose(hold_shut):
    l, c, a = pair_tcp()
    kv(pid=os.getpid(), fd=a.fileno())
    c.sendall(b"request\n")
    c.shutdown(socket.SHUT_WR)
    read_to_eof(a)
    if hold_shut:
        a.shutdown(socket.SHUT_WR)
        if c.recv(1) != b"":       # our FIN reached the client
            return 1
    time.sleep(1.5)
    a.close()
    c.close()
    l.close()
    return 0


def forked(in_child):
    """A loopback connection and a pipe, then fork: the child runs
    in_child(accepted, pipe read end, pipe write end) and _exits; the
    parent gets (listener, client, accepted, read end, write end, child)."""
    l, c, a = pair_tcp()
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        in_child(a, r, w)
        os._exit(0)
    kv(pid=os.getpid(), child=child, fd=a.fileno())
    return l, c, a, r, w, child


def forkhold():
    def hold(a, r, w):
        os.read(r, 1)              # the parent has closed its copy
        time.sleep(1.5)
    l, c, a, r, w, child = forked(hold)
    c.sendall(b"x")
    c.shutdown(socket.SHUT_WR)
    read_to_eof(a)
    a.close()
    os.write(w, b"x")
    os.waitpid(child, 0)
    c.close()
    l.close()
    return 0


def unix(heard):
    a, b = socket.socketpair()
    kv(pid=os.getpid(), fd=b.fileno())
    a.sendall(b"unread")
    b.close()
    if heard:
        try:
            a.recv(10)
            return 1
        except ConnectionResetError:
            kv(peer="ECONNRESET")
    a.close()
    return 0


def forkrace():
    def close_first(a, r, w):
        a.close()
        os.write(w, b"x")
    l, c, a, r, w, child = forked(close_first)
    os.read(r, 1)                  # the child's close came first
    a.close()
    os.waitpid(child, 0)
    if c.recv(1) != b"":           # both copies gone: FIN
        return 1
    c.close()
    l.close()
    return 0


def idle():
    l, c, a = pair_tcp()
    kv(pid=os.getpid(), fd=a.fileno(), cfd=c.fileno(), lfd=l.fileno())
    c.sendall(b"x")
    a.recv(1)
    a.sendall(b"y")
    c.recv(1)
    time.sleep(1.5)
    os._exit(0)                    # with every socket still open


def stdio(kill):
    l, c, a = pair_tcp()
    child = os.fork()
    if child == 0:
        os.dup2(a.fileno(), 0)
        os.dup2(a.fileno(), 1)
        os.close(a.fileno())
        os.execvp("sleep", ["sleep", "30"]) if kill else os.execvp("true", ["true"])
    kv(pid=os.getpid(), child=child, fd=a.fileno())
    a.close()
    if kill:
        c.sendall(b"x")            # the child is running sleep: stop it as a supervisor would
        time.sleep(0.2)
        os.kill(child, signal.SIGTERM)
    os.waitpid(child, 0)
    c.close()
    l.close()
    return 0


SCENARIOS = {
    "halfclose": lambda: halfclose(True),
    "closewait": lambda: halfclose(False),
    "forkhold": forkhold,
    "unix-quiet": lambda: unix(False),
    "unix-heard": lambda: unix(True),
    "forkrace": forkrace,
    "idle": idle,
    "stdio-exit": lambda: stdio(False),
    "stdio-kill": lambda: stdio(True),
}

sys.exit(SCENARIOS[sys.argv[1]]())
