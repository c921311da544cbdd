#!/usr/bin/env python3
"""Waits until a reconnect storm is over, as seen from the HTTP API (stdlib only).

  stormwait.py --port P --key KEY --prefix g --gates N --expect-total T --since UNIX [--deadline S]

Done when all three hold: the directory total is T; every session of the N parks PREFIX1..PREFIXN
in the listing has connectedAt >= --since (it is a new session); and --sample random parks of those
N all answer a fee query with 200 in one sweep. Prints one JSON line with the times (seconds from
--since) at which the total was first reached, all sessions were new, and the sweep succeeded.
"""
import argparse, http.client, json, random, sys, time
from datetime import datetime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--prefix", default="g")
    ap.add_argument("--gates", type=int, required=True)
    ap.add_argument("--expect-total", type=int)
    ap.add_argument("--since", type=float, required=True)
    ap.add_argument("--sample", type=int, default=200)
    ap.add_argument("--deadline", type=float, default=120)
    a = ap.parse_args()
    expect = a.expect_total or a.gates
    hdr = {"Authorization": "Bearer " + a.key}
    conn = [None]

    def get(path):
        for _ in range(3):
            try:
                if conn[0] is None:
                    conn[0] = http.client.HTTPConnection(a.host, a.port, timeout=10)
                conn[0].request("GET", path, headers=hdr)
                r = conn[0].getresponse()
                body = r.read()
                return r.status, body
            except (OSError, http.client.HTTPException):
                conn[0] = None
                time.sleep(0.05)
        return 0, b""

    def total():
        s, b = get("/api/v1/parks?limit=1")
        return json.loads(b).get("total") if s == 200 else None

    first_new = [None]   # the earliest connectedAt among the new sessions: when reconnecting began

    def all_new():
        after, seen, old = "", 0, 0
        while True:
            s, b = get("/api/v1/parks?limit=1000" + ("&after=" + after if after else ""))
            if s != 200:
                return False
            page = json.loads(b)
            for it in page["items"]:
                pid = it["parkId"]
                if not pid.startswith(a.prefix) or not pid[len(a.prefix):].isdigit():
                    continue
                seen += 1
                ts = datetime.fromisoformat(it["connectedAt"].replace("Z", "+00:00")).timestamp()
                if ts < a.since:
                    old += 1
                elif first_new[0] is None or ts < first_new[0]:
                    first_new[0] = ts
            after = page.get("next")
            if not after:
                return seen == a.gates and old == 0

    def sweep():
        parks = random.sample(range(1, a.gates + 1), min(a.sample, a.gates))
        for n in parks:
            s, _ = get(f"/api/v1/parks/{a.prefix}{n}/fee?timeoutMs=2000")
            if s != 200:
                return False
        return True

    res = {"gates": a.gates, "expect_total": expect, "total_reached_s": None, "all_new_s": None, "reachable_s": None}
    while time.time() - a.since < a.deadline:
        t = total()
        now = time.time()
        if t == expect:
            if res["total_reached_s"] is None:
                res["total_reached_s"] = round(now - a.since, 3)
            if all_new():
                if res["all_new_s"] is None:
                    res["all_new_s"] = round(time.time() - a.since, 3)
                if sweep():
                    res["reachable_s"] = round(time.time() - a.since, 3)
                    break
        time.sleep(0.2)
    res["last_total"] = total()
    if first_new[0] is not None:
        res["first_reconnect_s"] = round(first_new[0] - a.since, 3)
        if res["reachable_s"] is not None:
            res["reachable_after_first_reconnect_s"] = round(res["reachable_s"] - res["first_reconnect_s"], 3)
    print(json.dumps(res))
    return 0 if res["reachable_s"] is not None else 1


if __name__ == "__main__":
    sys.exit(main())
