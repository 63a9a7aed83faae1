#!/usr/bin/env python3
"""check_trace_events.py - check a Chrome trace-event JSON file (what
`socktrace export --format=perfetto` writes) against the format's rules,
the ones its importers (ui.perfetto.dev, chrome://tracing) rely on:

  - the document: {"traceEvents": [...]} (or a bare array); every event an
    object with a known "ph", a string "name", integer "pid" and "tid",
    a number "ts" >= 0;
  - every "B" has its "E" on the same thread, in stack order; every async
    "b" has its "e" (same pid, cat, id and name), none closed before it
    opens; "X" has "dur" >= 0;
  - timestamps never go back on a track: a thread (pid, tid) for the
    thread-scoped phases, an async id for "b"/"e";
  - pids and tids consistent: a tid belongs to one pid; every pid is named
    by a process_name record, every thread an event is on by thread_name;
  - flows: every "f" follows an "s" of its id, every "s" is finished, and
    both ends fall inside an "X" slice on their thread (a flow binds to an
    enclosing slice; one with none is dropped by the importer).

Prints "ok: N events (ph counts)" and exits 0, or prints each problem
(at most 20) and exits 1.  usage: check_trace_events.py FILE
"""
import json
import sys
from collections import Counter, defaultdict

PHASES = set("BEXibenstfMCOPNDRI") | {"(", ")"}


def main(path):
    problems = []

    def bad(msg):
        problems.append(msg)

    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as e:
        print("not valid JSON: %s" % e)
        return 1
    events = doc.get("traceEvents") if isinstance(doc, dict) else doc
    if not isinstance(events, list):
        print("no traceEvents array")
        return 1
    count = Counter()
    stacks = defaultdict(list)          # (pid, tid) -> open B names
    async_open = defaultdict(list)      # (pid, cat, id, name) -> open b ts
    last_ts = {}                        # track -> last ts
    tid_pid = {}
    named_pids, named_threads = set(), set()
    used_pids, used_threads = set(), set()
    slices = defaultdict(list)          # (pid, tid) -> [(ts, end)]
    flow_points = []                    # (ph, id, pid, tid, ts, index)
    flows_started = {}
    for i, e in enumerate(events):
        if not isinstance(e, dict):
            bad("event %d: not an object" % i)
            continue
        ph = e.get("ph")
        count[ph] += 1
        where = "event %d (%s %r)" % (i, ph, e.get("name"))
        if ph not in PHASES:
            bad("%s: unknown ph" % where)
            continue
        if not isinstance(e.get("name"), str):
            bad("%s: no name" % where)
        pid, tid = e.get("pid"), e.get("tid")
        if not isinstance(pid, int) or not isinstance(tid, int):
            bad("%s: pid and tid must be integers" % where)
            continue
        if tid_pid.setdefault(tid, pid) != pid:
            bad("%s: tid %d is in pid %d and in pid %d" % (where, tid, tid_pid[tid], pid))
        if ph == "M":
            if e["name"] == "process_name":
                named_pids.add(pid)
            elif e["name"] == "thread_name":
                named_threads.add((pid, tid))
            continue
        ts = e.get("ts")
        if not isinstance(ts, (int, float)) or ts < 0:
            bad("%s: ts must be a number >= 0" % where)
            continue
        used_pids.add(pid)
        if ph in "be":
            track = ("async", pid, e.get("cat"), e.get("id"))
        else:
            track = ("thread", pid, tid)
            used_threads.add((pid, tid))
        if ts < last_ts.get(track, ts):
            bad("%s: ts %s goes back on its track (last %s)" % (where, ts, last_ts[track]))
        last_ts[track] = max(ts, last_ts.get(track, ts))
        if ph == "B":
            stacks[(pid, tid)].append(e["name"])
        elif ph == "E":
            if not stacks[(pid, tid)]:
                bad("%s: E with no open B on its thread" % where)
            else:
                stacks[(pid, tid)].pop()
        elif ph == "X":
            dur = e.get("dur")
            if not isinstance(dur, (int, float)) or dur < 0:
                bad("%s: X needs dur >= 0" % where)
            else:
                slices[(pid, tid)].append((ts, ts + dur))
        elif ph in "be":
            if "id" not in e:
                bad("%s: async event without id" % where)
            key = (pid, e.get("cat"), e.get("id"), e["name"])
            if ph == "b":
                async_open[key].append(ts)
            elif not async_open[key]:
                bad("%s: e without its b" % where)
            else:
                async_open[key].pop()
        elif ph in "stf":
            flow_points.append((ph, e.get("id"), pid, tid, ts, where))
            if ph == "s":
                flows_started[e.get("id")] = False
            elif e.get("id") not in flows_started:
                bad("%s: flow %s step before its start" % (where, ph))
            elif ph == "f":
                flows_started[e.get("id")] = True
    for (pid, tid), st in stacks.items():
        if st:
            bad("thread %d/%d: %d B never ended (%s)" % (pid, tid, len(st), st[-1]))
    for key, st in async_open.items():
        if st:
            bad("async %r: b never ended" % (key,))
    for fid, done in flows_started.items():
        if not done:
            bad("flow %r: never finished (no f)" % (fid,))
    for pid in sorted(used_pids - named_pids):
        bad("pid %d: no process_name" % pid)
    for pid, tid in sorted(used_threads - named_threads):
        bad("thread %d/%d: no thread_name" % (pid, tid))
    for ph, fid, pid, tid, ts, where in flow_points:
        if not any(a <= ts <= b for a, b in slices[(pid, tid)]):
            bad("%s: flow end at %s has no enclosing X slice on its thread" % (where, ts))
    if problems:
        for p in problems[:20]:
            print(p)
        if len(problems) > 20:
            print("... %d more" % (len(problems) - 20))
        return 1
    print("ok: %d events (%s)" % (len(events), " ".join("%s=%d" % kv for kv in sorted(count.items()))))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write("usage: check_trace_events.py FILE\n")
        sys.exit(64)
    sys.exit(main(sys.argv[1]))
