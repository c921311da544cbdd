#!/usr/bin/env python3
"""HTTP helpers for the parkgate cluster benchmarks (stdlib only, asyncio, keep-alive HTTP/1.1).

  load   open-loop fee queries at --rate req/s, round-robin over the parks in --parks, for
         --duration s; one CSV line per request: sent_unix,park,status,error,latency_ms
         (status 0 = client-side failure: error CLIENT_TIMEOUT after --client-timeout s, or CONN_ERROR)
  failover  opens one keep-alive connection per park to --port, starts polling
         GET /api/v1/parks?node=<dead>&limit=1 on every --dir-port (50 ms), kill -9s --kill-pid,
         then asks every park repeatedly (one request at a time per park, at most every
         --interval s) until it has answered 200 --confirm times in a row; writes every answer as
         CSV and prints a JSON summary (kill time; when each listing first showed total 0; when
         the last park's final 200 streak began)
  report summarises one failover run from the load CSV and the failover JSON
  storm-wait  after a reconnect storm: polls until total == --gates, every listed session is newer
         than --since, and --sample random parks all answer 200 in one sweep; prints when each held
  summary medians over several failover run reports (JSON lines)
"""
import argparse
import asyncio
import datetime
import json
import os
import re
import signal
import statistics
import sys
import time

STATUS_RE = re.compile(rb"^HTTP/1\.[01] (\d{3})")
CL_RE = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.I)
ERR_RE = re.compile(r'"error"\s*:\s*"([A-Z_]+)"')


class Http:
    """A tiny keep-alive HTTP/1.1 GET client; one pooled connection per concurrent request."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.idle = []

    async def _open(self):
        return await asyncio.open_connection(self.host, self.port)

    async def get(self, path):
        conn = self.idle.pop() if self.idle else None
        reused = conn is not None
        if conn is None:
            conn = await self._open()
        try:
            status, body = await self._roundtrip(conn, path)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            conn[1].close()
            if not reused:
                raise
            conn = await self._open()          # a stale pooled connection: retry once on a fresh one
            status, body = await self._roundtrip(conn, path)
        self.idle.append(conn)
        return status, body

    async def _roundtrip(self, conn, path):
        r, w = conn
        w.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode())
        await w.drain()
        head = await r.readuntil(b"\r\n\r\n")
        m = STATUS_RE.match(head)
        cl = CL_RE.search(head)
        body = await r.readexactly(int(cl.group(1))) if cl else b""
        return int(m.group(1)), body


async def one(http, park, timeout_ms, client_timeout):
    path = f"/api/v1/parks/{park}/fee?plate=BENCH1&timeoutMs={timeout_ms}"
    t0 = time.time()
    p0 = time.perf_counter()
    try:
        status, body = await asyncio.wait_for(http.get(path), client_timeout)
        err = ""
        if status != 200:
            m = ERR_RE.search(body.decode("utf-8", "replace"))
            err = m.group(1) if m else "NO_ERROR_CODE"
    except asyncio.TimeoutError:
        status, err = 0, "CLIENT_TIMEOUT"
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as e:
        status, err = 0, "CONN_ERROR"
    return t0, park, status, err, (time.perf_counter() - p0) * 1000.0


def read_parks(path):
    with open(path) as f:
        return [l.strip() for l in f if l.strip()]


async def run_load(a):
    parks = read_parks(a.parks)
    http = Http(a.host, a.port)
    out = open(a.out, "w", buffering=1)
    out.write("sent_unix,park,status,error,latency_ms\n")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    tasks = set()

    async def fire(park):
        t0, park, status, err, lat = await one(http, park, a.timeout_ms, a.client_timeout)
        out.write(f"{t0:.4f},{park},{status},{err},{lat:.1f}\n")

    start = time.perf_counter()
    i = 0
    while not stop.is_set() and time.perf_counter() - start < a.duration:
        due = start + i / a.rate
        delay = due - time.perf_counter()
        if delay > 0:
            try:
                await asyncio.wait_for(stop.wait(), delay)
                break
            except asyncio.TimeoutError:
                pass
        t = asyncio.create_task(fire(parks[i % len(parks)]))
        tasks.add(t)
        t.add_done_callback(tasks.discard)
        i += 1
    if tasks:
        await asyncio.wait(tasks, timeout=a.client_timeout + 1)
    out.close()


async def run_failover(a):
    """Pre-opens connections, starts the directory pollers, kills --kill-pid, then probes the parks."""
    parks = read_parks(a.probe_parks or a.parks)
    http = Http(a.host, a.port)
    # warm connections: the probe must not spend the first seconds after the kill connecting
    conns = await asyncio.gather(*(http._open() for _ in parks))
    http.idle.extend(conns)
    pollers = {p: Http(a.host, p) for p in a.dir_port}
    for h in pollers.values():
        h.idle.append(await h._open())
    out = open(a.out, "w", buffering=1)
    out.write("sent_unix,park,status,error,latency_ms\n")
    began = {}       # park -> receive time of the first 200 of its final streak
    failures = {}    # park -> number of non-200 answers
    dir_zero = {}    # port -> first time its listing showed no park of the dead node
    dir_trace = {}   # port -> [(t, total)] whenever the total changed
    maxlat = 0.0

    kill_t = time.time()
    os.kill(a.kill_pid, signal.SIGKILL)
    deadline = kill_t + a.deadline

    async def probe(park, offset):
        nonlocal maxlat
        streak = 0
        first_ok = None
        await asyncio.sleep(offset)   # spread the first wave over one interval: no burst of our own
        while streak < a.confirm and time.time() < deadline:
            t0, _, status, err, lat = await one(http, park, a.timeout_ms, a.client_timeout)
            out.write(f"{t0:.4f},{park},{status},{err},{lat:.1f}\n")
            maxlat = max(maxlat, lat)
            if status == 200:
                if streak == 0:
                    first_ok = t0 + lat / 1000.0
                streak += 1
            else:
                streak, first_ok = 0, None
                failures[park] = failures.get(park, 0) + 1
            wait = t0 + a.interval - time.time()
            if wait > 0 and streak < a.confirm:
                await asyncio.sleep(wait)
        if streak >= a.confirm:
            began[park] = first_ok

    async def poll_dir(port, h):
        trace = dir_trace.setdefault(port, [])
        path = f"/api/v1/parks?node={a.dead_node}&limit=1"
        while time.time() < deadline:
            try:
                status, body = await asyncio.wait_for(h.get(path), 2)
                m = re.search(rb'"total":(\d+)', body)
                total = int(m.group(1)) if m else None
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
                total = None
            t = time.time()
            if not trace or trace[-1][1] != total:
                trace.append((round(t - kill_t, 3), total))
            if total == 0:
                dir_zero[port] = t
                return
            await asyncio.sleep(0.05)

    await asyncio.gather(*(probe(p, i * a.interval / len(parks)) for i, p in enumerate(parks)),
                         *(poll_dir(p, h) for p, h in pollers.items()))
    out.close()
    missing = [p for p in parks if p not in began]
    summary = {
        "kill_unix": kill_t,
        "first_probe_sent_s": None,
        "dir_zero_s": {str(p): (round(dir_zero[p] - kill_t, 3) if p in dir_zero else None) for p in a.dir_port},
        "dir_trace": {str(p): v[:40] for p, v in dir_trace.items()},
        "parks": len(parks),
        "recovered": len(began),
        "never_recovered": missing[:20],
        "all_ok_unix": max(began.values()) if not missing else None,
        "all_ok_s": round(max(began.values()) - kill_t, 3) if not missing else None,
        "last_park": max(began, key=began.get) if began else None,
        "parks_with_failures": len(failures),
        "failed_answers": sum(failures.values()),
        "max_latency_ms": round(maxlat, 1),
    }
    rows = load_csv(a.out)
    if rows:
        summary["first_probe_sent_s"] = round(min(r[0] for r in rows) - kill_t, 3)
    print(json.dumps(summary))


async def run_storm_wait(a):
    """Polls one node until the storm is over: total == --gates, every listed session connected at or
    after --since, and a fixed random sample of --sample parks all answer a fee query with 200."""
    import random
    rnd = random.Random(a.seed)
    prefixes = a.prefix.split(",")
    per = a.gates // len(prefixes)
    everyone = [f"{p}{i}" for p in prefixes for i in range(1, per + 1)]
    sample = rnd.sample(everyone, a.sample)
    http = Http(a.host, a.port)
    since_ms = int(a.since * 1000)
    deadline = max(a.since, time.time()) + a.deadline
    t_total = t_fresh = t_sample = None
    sweeps = 0
    last_dist = {}
    trace = []
    while time.time() < deadline:
        status, body = await http.get("/api/v1/parks?limit=1")
        total = json.loads(body)["total"]
        now = time.time()
        if not trace or trace[-1][1] != total:
            trace.append((round(now - a.since, 3), total))
        if total != a.gates:
            t_total = t_fresh = None
            await asyncio.sleep(0.2)
            continue
        t_total = t_total or now
        # every session in the directory must be a new one (the old ones linger until their sockets close)
        stale, after = 0, None
        while True:
            _, body = await http.get("/api/v1/parks?limit=1000" + (f"&after={after}" if after else ""))
            page = json.loads(body)
            for item in page["items"]:
                t = item["connectedAt"]
                ms = int(datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000)
                if ms < since_ms - 5:
                    stale += 1
            after = page["next"]
            if not after:
                break
        if stale:
            await asyncio.sleep(0.2)
            continue
        t_fresh = t_fresh or time.time()
        sweeps += 1
        res = await asyncio.gather(*(one(http, p, a.timeout_ms, a.client_timeout) for p in sample))
        last_dist = {}
        for r in res:
            k = f"{r[2]} {r[3]}".strip()
            last_dist[k] = last_dist.get(k, 0) + 1
        if all(r[2] == 200 for r in res):
            t_sample = time.time()
            break
        await asyncio.sleep(0.2)
    rel = lambda t: round(t - a.since, 3) if t else None
    print(json.dumps({"since_unix": a.since, "total_reached_s": rel(t_total), "all_sessions_new_s": rel(t_fresh),
                      "sample_all_200_s": rel(t_sample), "sample_sweeps": sweeps, "last_sweep": last_dist,
                      "total_trace": trace[:60]}))


def load_csv(path):
    rows = []
    with open(path) as f:
        next(f)
        for line in f:
            t, park, status, err, lat = line.rstrip("\n").split(",")
            rows.append((float(t), park, int(status), err, float(lat)))
    return rows


def run_report(a):
    probe = json.load(open(a.probe))
    kill = probe["kill_unix"]
    dead = set(read_parks(a.dead_parks))
    rows = load_csv(a.load)
    all_ok = probe["all_ok_unix"]
    probe_ok = all_ok
    def dist(rs):
        d = {}
        for r in rs:
            k = f"{r[2]} {r[3]}".strip()
            d[k] = d.get(k, 0) + 1
        return dict(sorted(d.items()))
    after = [r for r in rows if r[0] >= kill]
    last_fail = max((r[0] + r[4] / 1000.0 for r in after if r[2] != 200), default=None)
    probe_rows = load_csv(a.probe_csv) if a.probe_csv else []
    # per park: receive time of the first 200 after its last failure (load answers sent after kill - timeout)
    recov, failed_parks = {}, set()
    for r in sorted(rows, key=lambda r: r[0] + r[4] / 1000.0):
        if r[0] + r[4] / 1000.0 < kill:
            continue
        if r[2] != 200:
            failed_parks.add(r[1]); recov[r[1]] = None
        elif r[1] in failed_parks and recov.get(r[1]) is None:
            recov[r[1]] = r[0] + r[4] / 1000.0
    unrec = [p for p in failed_parks if recov.get(p) is None]
    load_all_ok = None if unrec else max((v for v in recov.values()), default=kill)
    if all_ok and load_all_ok:
        all_ok = max(all_ok, load_all_ok)
    # load answers whose request was in flight at, or sent after, the kill, until all parks answered 200
    end = all_ok if all_ok else max(r[0] for r in rows)
    window = [r for r in rows if r[0] + r[4] / 1000.0 >= kill and r[0] <= end]
    dead_w = [r for r in window if r[1] in dead]
    live_w = [r for r in window if r[1] not in dead]
    over = [r for r in rows + probe_rows if r[2] != 200 and r[4] > a.timeout_ms + 200]
    pre = [r for r in rows if r[0] + r[4] / 1000.0 < kill]
    rep = {
        "run": a.run,
        "dir_cleanup_s": probe["dir_zero_s"],
        "member_removed_s": round(a.member_removed - kill, 3) if a.member_removed else None,
        "all_200_s": round(all_ok - kill, 3) if all_ok and load_all_ok else None,
        "probe_dead_parks_all_200_s": round(probe_ok - kill, 3) if probe_ok else None,
        "load_all_parks_200_again_s": round(load_all_ok - kill, 3) if load_all_ok else None,
        "load_parks_with_failures": len(failed_parks),
        "load_parks_not_recovered": sorted(unrec)[:20],
        "probe": probe,
        "dead_parks": len(dead),
        "load_before_kill": {"answers": len(pre), "dist": dist(pre)},
        "window_dead_parks": {"answers": len(dead_w), "dist": dist(dead_w),
                              "max_latency_ms": round(max((r[4] for r in dead_w), default=0), 1)},
        "window_other_parks": {"answers": len(live_w), "dist": dist(live_w),
                               "max_latency_ms": round(max((r[4] for r in live_w), default=0), 1)},
        "load_last_failure_after_kill_s": round(last_fail - kill, 3) if last_fail else None,
        "load_failures_after_all_200": sum(1 for r in rows if all_ok and r[0] > all_ok and r[2] != 200),
        "answers_over_timeout_plus_200ms": [[round(r[0] - kill, 3)] + list(r[1:]) for r in over[:20]],
        "count_over_timeout_plus_200ms": len(over),
        "status_500": sum(1 for r in rows + probe_rows if r[2] == 500),
        "client_side_failures": sum(1 for r in rows + probe_rows if r[2] == 0),
    }
    print(json.dumps(rep))


def run_summary(a):
    reps = [json.loads(l) for l in open(a.reports) if l.strip()]
    def med(key_fn):
        vals = [v for v in (key_fn(r) for r in reps) if v is not None]
        if not vals:
            return None
        return {"median": round(statistics.median(vals), 3), "min": round(min(vals), 3),
                "max": round(max(vals), 3), "n": len(vals)}
    out = {
        "runs": len(reps),
        "member_removed_s": med(lambda r: r["member_removed_s"]),
        "all_200_s": med(lambda r: r["all_200_s"]),
        "dead_window_max_latency_ms": med(lambda r: r["window_dead_parks"]["max_latency_ms"]),
        "status_500_total": sum(r["status_500"] for r in reps),
        "over_timeout_total": sum(r["count_over_timeout_plus_200ms"] for r in reps),
    }
    for k in reps[0]["dir_cleanup_s"]:
        out[f"dir_cleanup_{k}_s"] = med(lambda r, k=k: r["dir_cleanup_s"].get(k))
    print(json.dumps(out, indent=1))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("load", "failover"):
        p = sub.add_parser(name)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--parks", required=True)
        p.add_argument("--out", required=True)
        p.add_argument("--timeout-ms", type=int, default=2000)
        p.add_argument("--client-timeout", type=float, default=10.0)
    lp = sub.choices["load"]
    lp.add_argument("--rate", type=float, default=100)
    lp.add_argument("--duration", type=float, default=60)
    pp = sub.choices["failover"]
    pp.add_argument("--kill-pid", type=int, required=True)
    pp.add_argument("--dead-node", required=True)
    pp.add_argument("--dir-port", type=int, action="append", default=[])
    pp.add_argument("--interval", type=float, default=0.25)
    pp.add_argument("--probe-parks", help="park IDs to probe (default: --parks)")
    pp.add_argument("--confirm", type=int, default=3)
    pp.add_argument("--deadline", type=float, default=60)
    rp = sub.add_parser("report")
    rp.add_argument("--run", required=True)
    rp.add_argument("--load", required=True)
    rp.add_argument("--probe", required=True)
    rp.add_argument("--probe-csv")
    rp.add_argument("--dead-parks", required=True)
    rp.add_argument("--member-removed", type=float)
    rp.add_argument("--timeout-ms", type=int, default=2000)
    wp = sub.add_parser("storm-wait")
    wp.add_argument("--host", default="127.0.0.1")
    wp.add_argument("--port", type=int, required=True)
    wp.add_argument("--gates", type=int, required=True)
    wp.add_argument("--prefix", default="g", help="comma-separated; --gates is split evenly over them")
    wp.add_argument("--since", type=float, required=True, help="unix time the simulator was started")
    wp.add_argument("--sample", type=int, default=200)
    wp.add_argument("--seed", type=int, default=1)
    wp.add_argument("--timeout-ms", type=int, default=2000)
    wp.add_argument("--client-timeout", type=float, default=10.0)
    wp.add_argument("--deadline", type=float, default=300)
    sp = sub.add_parser("summary")
    sp.add_argument("--reports", required=True)
    a = ap.parse_args()
    if a.cmd == "load":
        asyncio.run(run_load(a))
    elif a.cmd == "failover":
        asyncio.run(run_failover(a))
    elif a.cmd == "storm-wait":
        asyncio.run(run_storm_wait(a))
    elif a.cmd == "report":
        run_report(a)
    else:
        run_summary(a)


if __name__ == "__main__":
    main()
