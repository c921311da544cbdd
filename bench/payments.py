#!/usr/bin/env python3
"""Scenario j's client side, through the HTTP API only (stdlib only): posts a batch of payments, then
waits until they are all delivered and tallies their records.

  payments.py post --port P --key KEY --prefix g --parks N --count C --id-prefix X [--conns 8]
      POSTs C payments X-0 .. X-(C-1), payment k to park PREFIX((k mod N) + 1); prints one JSON line:
      {"count","seconds","per_s","statuses": {"202 accepted": ..., ...}}
  payments.py wait --port P --key KEY --prefix g --parks N --count C --id-prefix X --since UNIX
                   [--deadline S] [--conns 8]
      Polls GET /api/v1/parks/{park}/payments?state=accepted,sent&limit=1 for every park that still
      had one pending at its last poll, until none has (or the deadline), then reads every record of
      the batch (the park listings, all states) and the sessions' connectedAt (the park listing). Prints
      one JSON line; times are seconds from --since:
        seen_all_confirmed_s   the sweep that found no park with a pending payment left (null: deadline)
        first_confirmed_s, last_confirmed_s, p50_confirmed_s   from the records' history (the node's
                               clock, same machine), the "confirmed" step of each
        first_reconnect_s, last_reconnect_s   the earliest / latest connectedAt of the parks' sessions
        states {state: n}, attempts {n: payments}, attempts_over_1, not_confirmed, lost (posted and
        answered 2xx but not in any listing), duplicates (a paymentId listed twice), polls
Exit status 0 when every payment was seen confirmed before the deadline.
"""
import argparse
import http.client
import json
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from urllib.parse import quote

PAGE = 500   # PaymentHandler.MAX_PAGE


class Api:
    """One keep-alive connection per thread."""

    def __init__(self, host, port, key):
        self.host, self.port = host, port
        self.hdr = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
        self.local = threading.local()

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body, separators=(",", ":"))
        for _ in range(3):
            try:
                c = getattr(self.local, "conn", None)
                if c is None:
                    c = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                c.request(method, path, body=data, headers=self.hdr)
                r = c.getresponse()
                raw = r.read()
                try:
                    return r.status, json.loads(raw) if raw else {}
                except ValueError:
                    return r.status, {}
            except (OSError, http.client.HTTPException):   # a POST may be repeated: same paymentId, same record
                self.local.conn = None
                time.sleep(0.05)
        return 0, {}


def park_of(a, k):
    return f"{a.prefix}{k % a.parks + 1}"


def ts(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def cmd_post(a, api):
    statuses = {}
    lock = threading.Lock()

    def one(k):
        s, body = api.call("POST", f"/api/v1/parks/{park_of(a, k)}/payments",
                           {"paymentId": f"{a.id_prefix}-{k}", "amount": 800})
        key = str(s)
        if s == 202:
            key += " " + str(body.get("state"))
        elif s != 200:
            key += " " + str(body.get("error", ""))
        with lock:
            statuses[key.strip()] = statuses.get(key.strip(), 0) + 1

    t0 = time.time()
    with ThreadPoolExecutor(a.conns) as pool:
        list(pool.map(one, range(a.count), chunksize=64))
    dt = time.time() - t0
    print(json.dumps({"count": a.count, "seconds": round(dt, 3), "per_s": round(a.count / dt), "statuses": statuses}))
    return 0


def cmd_wait(a, api):
    parks = [f"{a.prefix}{n}" for n in range(1, a.parks + 1)]
    pending = set(parks)
    res = {"count": a.count, "seen_all_confirmed_s": None, "polls": 0}

    def still_pending(park):
        s, body = api.call("GET", f"/api/v1/parks/{park}/payments?state=accepted,sent&limit=1")
        return park if s != 200 or body.get("items") else None

    with ThreadPoolExecutor(a.conns) as pool:
        while time.time() - a.since < a.deadline:
            res["polls"] += 1
            pending = {p for p in pool.map(still_pending, sorted(pending)) if p}
            if not pending:
                res["seen_all_confirmed_s"] = round(time.time() - a.since, 3)
                break
            time.sleep(a.poll)
        res["parks_pending_at_end"] = len(pending)

        # every record of the batch, from the parks' listings (all states)
        def records(park):
            out, after = [], None
            while True:
                s, body = api.call("GET", f"/api/v1/parks/{park}/payments?limit={PAGE}"
                                   + (f"&after={quote(after)}" if after else ""))
                if s != 200:
                    return out, park
                out += [p for p in body.get("items", []) if p["paymentId"].startswith(a.id_prefix + "-")]
                after = body.get("next")
                if not after:
                    return out, None
        found, unread = [], []
        for items, failed in pool.map(records, parks):
            found += items
            if failed:
                unread.append(failed)

    ids = [p["paymentId"] for p in found]
    res["records"] = len(ids)
    res["duplicates"] = len(ids) - len(set(ids))
    wanted = {f"{a.id_prefix}-{k}" for k in range(a.count)}
    res["lost"] = len(wanted - set(ids))
    res["parks_unread"] = len(unread)
    states, attempts, confirmed_at = {}, {}, []
    for p in found:
        states[p["state"]] = states.get(p["state"], 0) + 1
        attempts[str(p["attempts"])] = attempts.get(str(p["attempts"]), 0) + 1
        steps = [h for h in p.get("history", []) if h.get("state") == "confirmed"]
        if steps:
            confirmed_at.append(ts(steps[-1]["at"]) - a.since)
    res["states"] = states
    res["attempts"] = dict(sorted(attempts.items(), key=lambda kv: int(kv[0])))
    res["attempts_over_1"] = sum(v for k, v in attempts.items() if int(k) > 1)
    res["not_confirmed"] = a.count - states.get("confirmed", 0)
    if confirmed_at:
        res["first_confirmed_s"] = round(min(confirmed_at), 3)
        res["p50_confirmed_s"] = round(statistics.median(confirmed_at), 3)
        res["last_confirmed_s"] = round(max(confirmed_at), 3)

    # the sessions: when the controllers came back
    connected, after = [], ""
    while True:
        s, body = api.call("GET", "/api/v1/parks?limit=1000" + ("&after=" + after if after else ""))
        if s != 200:
            break
        for it in body.get("items", []):
            pid = it.get("parkId", "")
            if pid.startswith(a.prefix) and pid[len(a.prefix):].isdigit() and it.get("connectedAt"):
                connected.append(ts(it["connectedAt"]) - a.since)
        after = body.get("next")
        if not after:
            break
    new = [c for c in connected if c >= 0]
    res["sessions"] = len(connected)
    res["sessions_new"] = len(new)
    if new:
        res["first_reconnect_s"] = round(min(new), 3)
        res["last_reconnect_s"] = round(max(new), 3)
    print(json.dumps(res, separators=(",", ":")))
    return 0 if res["seen_all_confirmed_s"] is not None and res["not_confirmed"] == 0 and res["lost"] == 0 else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, fn in (("post", cmd_post), ("wait", cmd_wait)):
        p = sub.add_parser(name)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--key", required=True)
        p.add_argument("--prefix", default="g")
        p.add_argument("--parks", type=int, required=True)
        p.add_argument("--count", type=int, required=True)
        p.add_argument("--id-prefix", required=True)
        p.add_argument("--conns", type=int, default=8)
        p.set_defaults(fn=fn)
        if name == "wait":
            p.add_argument("--since", type=float, required=True)
            p.add_argument("--deadline", type=float, default=60)
            p.add_argument("--poll", type=float, default=0.25, help="pause between sweeps, s")
    a = ap.parse_args(argv)
    return a.fn(a, Api(a.host, a.port, a.key))


if __name__ == "__main__":
    sys.exit(main())
