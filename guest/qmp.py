#!/usr/bin/env python3
"""Pin a paused QEMU's vCPU threads to the host PUs of a vCPU plan, over QMP.

    guest/qmp.py --socket QMP.sock --pidfile QEMU.pid --plan PLAN.jsonl --out PINS.json

QEMU runs with -S (paused), -pidfile and -qmp unix:QMP.sock,server=on,wait=off.
PLAN.jsonl is folio-lab-vmplan's output. For each vCPU, query-cpus-fast gives
its thread id, which is pinned to its planned host PU (sched_setaffinity);
QEMU's other threads (main loop, I/O, RCU) go to the PUs the vCPUs do not
use, when there are any. Every vCPU thread's affinity is then read back from
/proc/PID/task/TID/status (Cpus_allowed_list); only if each is exactly its
PU does the guest continue (`cont`). PINS.json gets the pins and what was
read back. Exit 0: pinned and running; 1: a failure (QEMU is left paused).
"""
import argparse
import json
import os
import socket
import sys
import time


def die(msg):
    print(f"guest/qmp.py: {msg}", file=sys.stderr)
    sys.exit(1)


def parse_list(s):
    """'0-2,5' -> [0, 1, 2, 5]"""
    out = []
    for part in s.strip().split(","):
        if not part:
            continue
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def allowed_list(pid, tid):
    with open(f"/proc/{pid}/task/{tid}/status") as f:
        for line in f:
            if line.startswith("Cpus_allowed_list:"):
                return parse_list(line.split(":", 1)[1])
    raise RuntimeError(f"no Cpus_allowed_list for thread {tid}")


class QMP:
    def __init__(self, path, deadline, alive):
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError as e:
                self.s.close()
                if not alive():
                    die(f"QEMU exited before its QMP socket {path} answered")
                if time.monotonic() > deadline:
                    die(f"no QMP socket at {path}: {e}")
                time.sleep(0.1)
        self.s.settimeout(max(1.0, deadline - time.monotonic()))
        self.f = self.s.makefile("rwb")
        greeting = self.read()
        if "QMP" not in greeting:
            die(f"not a QMP greeting: {greeting}")
        self.cmd("qmp_capabilities")

    def read(self):
        line = self.f.readline()
        if not line:
            die("QMP connection closed")
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.f.write(json.dumps(msg).encode() + b"\n")
        self.f.flush()
        while True:
            r = self.read()
            if "event" in r:
                continue
            if "error" in r:
                die(f"QMP {name}: {r['error'].get('desc', r['error'])}")
            return r.get("return")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", required=True)
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--plan", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args()

    plan = []
    with open(a.plan) as f:
        for line in f:
            o = json.loads(line)
            if "vcpu" in o:
                plan.append(o)
    if not plan:
        die(f"{a.plan} plans no vCPU")
    deadline = time.monotonic() + a.timeout

    pid = None

    def alive():
        nonlocal pid
        if pid is None:
            try:
                with open(a.pidfile) as f:
                    pid = int(f.read().strip() or 0) or None
            except (OSError, ValueError):
                return True  # not written yet
        return pid is None or os.path.exists(f"/proc/{pid}")

    q = QMP(a.socket, deadline, alive)
    while pid is None:
        if not alive() or time.monotonic() > deadline:
            die(f"no QEMU pid in {a.pidfile}")
        time.sleep(0.1)
    cpus = q.cmd("query-cpus-fast")
    tid_of = {c["cpu-index"]: c["thread-id"] for c in cpus}
    if len(tid_of) != len(plan):
        die(f"QEMU has {len(tid_of)} vCPUs, the plan {len(plan)}")
    vcpu_tids = set(tid_of.values())
    if len(vcpu_tids) != len(plan):
        die("vCPUs share threads (TCG without thread=multi?): they cannot be pinned one by one")

    # QEMU's own threads may use what its main thread was allowed, less the vCPUs' PUs.
    start = set(os.sched_getaffinity(pid))
    pinned = {p["host_pu"] for p in plan}
    missing = sorted(pinned - start)
    if missing:
        die(f"planned host PUs {missing} are outside QEMU's allowed PUs {sorted(start)}")
    # Fault injection for tests/guest-pin.sh: vCPU 0's pin "does not take".
    fault = os.environ.get("FOLIO_LAB_PIN_FAULT") == "vcpu0-unpinned"
    for p in plan:
        if p["vcpu"] not in tid_of:
            die(f"QEMU has no vCPU {p['vcpu']}")
        want = start if fault and p["vcpu"] == 0 else {p["host_pu"]}
        os.sched_setaffinity(tid_of[p["vcpu"]], want)
    rest = sorted(start - pinned)
    others = [int(t) for t in os.listdir(f"/proc/{pid}/task") if int(t) not in vcpu_tids]
    if rest:
        for t in others:
            try:
                os.sched_setaffinity(t, set(rest))
            except ProcessLookupError:
                pass  # a worker thread that just ended
        note = f"QEMU's {len(others)} other threads kept on host PUs {rest}"
    else:
        note = (f"no host PU left outside the vCPUs' ({len(start)} PUs allowed, "
                f"{len(pinned)} vCPUs): QEMU's {len(others)} other threads are not restricted")

    pins, bad = [], []
    for p in plan:
        tid = tid_of[p["vcpu"]]
        got = allowed_list(pid, tid)
        pins.append({"vcpu": p["vcpu"], "host_pu": p["host_pu"], "host_node": p["host_node"],
                     "guest_node": p["guest_node"], "affinity": got, "thread_id": tid})
        if got != [p["host_pu"]]:
            bad.append(f"vCPU {p['vcpu']} (thread {tid}) allowed on {got}, planned {p['host_pu']}")
    others_read = sorted({tuple(allowed_list(pid, t)) for t in others
                          if os.path.exists(f"/proc/{pid}/task/{t}")})
    result = {"vcpu_pins": pins,
              "qemu_threads": {"affinity": rest or None, "read_back": [list(x) for x in others_read],
                               "note": note}}
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    if bad:
        die("the pins read back from /proc do not match the plan: " + "; ".join(bad))
    q.cmd("cont")
    print(f"guest/qmp.py: {len(pins)} vCPUs pinned and read back; {note}", file=sys.stderr)


if __name__ == "__main__":
    main()
