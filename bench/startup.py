#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Start-up time and idle memory of a server, for bench/run.sh.

    bench/startup.py --url http://127.0.0.1:PORT/PATH [--runs 5] [--idle 3] [--log FILE] -- CMD ARGS...

Each run spawns CMD in its own session (process group), polls URL with a raw HTTP/1.1 GET over
a new socket every millisecond until the answer is 200 (ready_ms = spawn -> first 200, timed
in this process, so the poller's own start is not counted; main_cpu_ms = the main thread's CPU
time at that moment), waits --idle seconds, reads VmRSS
and VmHWM of the process and the summed VmRSS of its children, then sends SIGTERM to the
group and waits until nothing answers on URL any more. Prints one JSON line per run.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit


def status_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main_thread_cpu_ms(pid):
    """CPU time the main thread has run so far (ms, from schedstat), or None. Unlike ready_ms it
    barely depends on what else the machine runs: the start-up's critical path when a core is free."""
    try:
        with open(f"/proc/{pid}/task/{pid}/schedstat") as f:
            return round(int(f.read().split()[0]) / 1e6, 2)
    except (OSError, ValueError, IndexError):
        return None


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def answers_200(host, port, request):
    try:
        with socket.create_connection((host, port), timeout=1) as s:
            s.sendall(request)
            return s.recv(16).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--idle", type=float, default=3.0)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--log", default=os.devnull)
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        sys.exit("startup.py: no command given")
    u = urlsplit(a.url)
    host, port = u.hostname, u.port or 80
    path = u.path + ("?" + u.query if u.query else "")
    request = f"GET {path} HTTP/1.1\r\nHost: {u.netloc}\r\nConnection: close\r\n\r\n".encode()
    if answers_200(host, port, request):
        sys.exit(f"startup.py: something already answers on {a.url}; stop it first")
    env = dict(os.environ)
    for assignment in a.env:
        name, _, value = assignment.partition("=")
        env[name] = value
    log = open(a.log, "ab")
    for run in range(1, a.runs + 1):
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=env, start_new_session=True)
        try:
            while not answers_200(host, port, request):
                if proc.poll() is not None:
                    sys.exit(f"startup.py: the server exited with {proc.returncode}; see {a.log}")
                if time.perf_counter() - t0 > a.timeout:
                    sys.exit(f"startup.py: no 200 from {a.url} within {a.timeout} s")
                time.sleep(0.001)
            ready_ms = (time.perf_counter() - t0) * 1000
            main_cpu_ms = main_thread_cpu_ms(proc.pid)
            time.sleep(a.idle)
            kids = children(proc.pid)
            out = {
                "metric": "startup", "run": run, "ready_ms": round(ready_ms, 1),
                "main_cpu_ms": main_cpu_ms,
                "idle_rss_kib": status_kib(proc.pid, "VmRSS"),
                "idle_hwm_kib": status_kib(proc.pid, "VmHWM"),
                "threads": status_kib(proc.pid, "Threads"),
                "children_rss_kib": sum(status_kib(k, "VmRSS") for k in kids),
            }
        finally:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            deadline = time.perf_counter() + 10
            while answers_200(host, port, request) and time.perf_counter() < deadline:
                time.sleep(0.05)
        print(json.dumps(out), flush=True)
        time.sleep(0.3)


if __name__ == "__main__":
    main()
