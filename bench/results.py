#!/usr/bin/env python3
"""The harness's results file, results.jsonl: every line is written and every figure derived here.

bench/run calls it to record what it measured; report.py imports it to read the lines back. One line
is one JSON object:

  measurement  {"scenario","gen","run","load1","node_cpu_pct","sim_cpu_pct","node_cpu_s","sim_cpu_s","wall_s",
                "node_rss_mb","conns", "node_csw_voluntary", "node_csw_involuntary" (the node's threads'
                context switches over the run),
                "stream": "main" | <side stream tag>, "wrk": <the BENCHJSON object of wrk or RateLoad>,
                and any --field, e.g. "store" (i: the node's payment store)}
  meta         {"scenario": <letter> | "_" (the run itself), "stream": "meta", ...}

A measurement with a "store" field is keyed "<scenario>:<store>" (i:cluster, i:postgres): the same
scenario on two payment stores is two streams.

Commands (stdlib only):

  results.py record RESULTS --scenario c --gen wrk --run 1 --conns 50 --load1 3.4 --rss-kb K
                    --wall T0 T1 --node-ticks C0 C1 [--side-ticks S0 S1] [--node-csw V0 N0 V1 N1] --stream main=FILE [--stream TAG=FILE]
                    [--field KEY=VALUE ...]
      one measurement line per stream (each with the --field keys); prints the one-line summary the harness logs
  results.py meta RESULTS SCENARIO key=text key:=json ...
  results.py cpu-pct C0 C1 T0 T1 [--digits N]   CPU ticks over wall seconds, % of one core
  results.py seconds T0 [T1]                    T1 (default: now) - T0, rounded to 0.01 s
  results.py rps WRK_OUTPUT                     req/s of one wrk/RateLoad output (0 if it has none)
  results.py smoke RESULTS                      exit 1 unless >= 100 main requests, all 200, no socket errors
"""
import argparse
import json
import os
import sys
import time
from collections import defaultdict

MARK = "BENCHJSON "
CLK_TCK = os.sysconf("SC_CLK_TCK")
SIDE_STREAMS = ("blackholed", "offline")
SMOKE_MIN_REQUESTS = 100


# ---- figures -------------------------------------------------------------------------------------
def cpu_pct(ticks0, ticks1, t0, t1, digits=1):
    """CPU time between two /proc/<pid>/stat readings, as % of one core over the wall time."""
    return round((float(ticks1) - float(ticks0)) / CLK_TCK / (float(t1) - float(t0)) * 100, digits)


def cpu_s(row, who):
    """CPU seconds of the measured process (who="node") or of the side processes ("sim") over one run:
    from the ticks when the row has them, else (older results) from the % over wrk's duration."""
    if row.get(who + "_cpu_s") is not None:
        return row[who + "_cpu_s"]
    pct = row.get(who + "_cpu_pct")
    return None if pct is None else pct / 100 * row["wrk"]["duration_us"] / 1e6


def run_answers(rows):
    """{(stream key without the side tag, gen, run): HTTP answers of every stream of that run}: the
    denominator of CPU per request (the node's CPU covers the paced side stream of d and e too)."""
    n = defaultdict(int)
    for r in rows:
        if r.get("stream") in ("main",) + SIDE_STREAMS:
            n[(stream_key(r).split("/")[0], r["gen"], r["run"])] += r["wrk"]["requests"]
    return n


def us_per_answer(row, who, answers):
    """CPU µs of who ("node" or "sim") per HTTP answer of the run, with answers = run_answers(...)."""
    s, n = cpu_s(row, who), answers.get((stream_key(row).split("/")[0], row["gen"], row["run"]))
    return None if s is None or not n else s * 1e6 / n


def rps(row):
    return row["wrk"]["requests"] * 1e6 / row["wrk"]["duration_us"]


def p_us(row, pct):
    return row["wrk"]["latency_us"]["pct"][pct]


def failed(row):
    """Requests that did not get a 200, plus socket errors."""
    w = row["wrk"]
    return w["requests"] - w["statuses"].get("200", 0) + sum(w["socket_errors"].values())


def payment_answers(row):
    """Scenario i (bench/wrk/payments.lua): shares of one run's answers, (200 confirmed, 202 recorded and
    still being delivered, anything else incl. socket errors), each a fraction of all answers."""
    w = row["wrk"]
    n = w["requests"] + sum(w["socket_errors"][k] for k in ("connect", "read", "timeout"))
    if not n:
        return 0.0, 0.0, 0.0
    ok = w["statuses"].get("200", 0)
    later = sum(v for k, v in w["statuses"].items() if k.split(" ")[0] == "202")
    return ok / n, later / n, (n - ok - later) / n


def summary(row):
    return (f"{row['stream']}: {int(rps(row))} req/s p50 {p_us(row, '50') / 1000:g} ms "
            f"p99 {p_us(row, '99') / 1000:g} ms {json.dumps(row['wrk']['statuses'], separators=(',', ':'))}")


# ---- reading and writing -------------------------------------------------------------------------
def read_load_output(path):
    """The BENCHJSON object a wrk (bench/wrk/parks.lua) or RateLoad process printed, or None."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(MARK):
                    return json.loads(line[len(MARK):])
    except (OSError, ValueError):
        pass
    return None


def append(path, row):
    with open(path, "a") as f:
        f.write(json.dumps(row, separators=(",", ":")) + "\n")


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def stream_key(row):
    """'c' for a scenario's main load, 'd/blackholed' for a side stream, 'i:postgres' for a store's."""
    key = row["scenario"] + (":" + row["store"] if row.get("store") else "")
    return key if row["stream"] == "main" else key + "/" + row["stream"]


def group(rows):
    """(run meta, {stream key: [measurements]}, {scenario: [meta rows]}) of a results file."""
    run_meta = next((r for r in rows if r["scenario"] == "_"), {})
    streams, metas = defaultdict(list), defaultdict(list)
    for r in rows:
        if r.get("stream") in ("main",) + SIDE_STREAMS:
            streams[stream_key(r)].append(r)
        elif r.get("stream") == "meta" and r["scenario"] != "_":
            metas[r["scenario"]].append(r)
    return run_meta, streams, metas


# ---- commands ------------------------------------------------------------------------------------
def cmd_record(a):
    common = {
        "scenario": a.scenario, "gen": a.gen, "run": a.run, "load1": json.loads(a.load1),
        "node_cpu_pct": cpu_pct(a.node_ticks[0], a.node_ticks[1], *a.wall),
        "sim_cpu_pct": cpu_pct(a.side_ticks[0], a.side_ticks[1], *a.wall),
        "node_cpu_s": (a.node_ticks[1] - a.node_ticks[0]) / CLK_TCK,
        "sim_cpu_s": (a.side_ticks[1] - a.side_ticks[0]) / CLK_TCK,
        "wall_s": round(a.wall[1] - a.wall[0], 3),
        "node_rss_mb": a.rss_kb // 1024, "conns": a.conns,
    }
    if a.node_csw:
        # context switches of the node's threads over the run (threads that ended during it are missed)
        common["node_csw_voluntary"] = a.node_csw[2] - a.node_csw[0]
        common["node_csw_involuntary"] = a.node_csw[3] - a.node_csw[1]
    for kv in a.field:
        k, _, v = kv.partition("=")
        common[k] = v
    lines = []
    for spec in a.stream:
        tag, _, path = spec.partition("=")
        out = read_load_output(path)
        if out is None:
            with open(path, errors="replace") as f:
                sys.exit(f"{tag} load generator failed ({path}): {f.read()[-2000:]}")
        row = {**common, "stream": tag, "wrk": out}
        append(a.results, row)
        lines.append(summary(row))
    print(f"node cpu {common['node_cpu_pct']} %: " + "; ".join(lines))


def cmd_meta(a):
    row = {"scenario": a.scenario, "stream": "meta"}
    for kv in a.fields:
        if ":=" in kv:
            k, _, v = kv.partition(":=")
            row[k] = json.loads(v)
        else:
            k, _, v = kv.partition("=")
            row[k] = v
    append(a.results, row)


def cmd_rps(a):
    out = read_load_output(a.output)
    print(int(rps({"wrk": out})) if out else 0)


def cmd_smoke(a):
    main = [r for r in load(a.results) if r.get("stream") == "main"]
    reqs = sum(r["wrk"]["requests"] for r in main)
    ok = sum(r["wrk"]["statuses"].get("200", 0) for r in main)
    sock = sum(r["wrk"]["socket_errors"][k] for r in main for k in ("connect", "read", "timeout"))
    print(f"smoke: {reqs} requests, {ok} answered 200, {sock} socket errors")
    if reqs < SMOKE_MIN_REQUESTS or ok != reqs or sock:
        print(f"smoke: expected >= {SMOKE_MIN_REQUESTS} requests, all 200, no socket errors")
        return 1
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser("record")
    r.add_argument("results")
    r.add_argument("--scenario", required=True)
    r.add_argument("--gen", required=True, choices=("wrk", "rate"))
    r.add_argument("--run", type=int, required=True)
    r.add_argument("--conns", type=int, required=True)
    r.add_argument("--load1", required=True)
    r.add_argument("--rss-kb", type=int, required=True)
    r.add_argument("--wall", nargs=2, type=float, required=True, metavar=("T0", "T1"))
    r.add_argument("--node-ticks", nargs=2, type=int, required=True, metavar=("C0", "C1"))
    r.add_argument("--side-ticks", nargs=2, type=int, default=[0, 0], metavar=("S0", "S1"))
    r.add_argument("--node-csw", nargs=4, type=int, metavar=("V0", "N0", "V1", "N1"),
                   help="the node's voluntary and involuntary context switches before and after the run")
    r.add_argument("--stream", action="append", required=True, metavar="TAG=FILE")
    r.add_argument("--field", action="append", default=[], metavar="KEY=VALUE")
    r.set_defaults(fn=cmd_record)

    m = sub.add_parser("meta")
    m.add_argument("results")
    m.add_argument("scenario")
    m.add_argument("fields", nargs="*", metavar="key=text|key:=json")
    m.set_defaults(fn=cmd_meta)

    c = sub.add_parser("cpu-pct")
    c.add_argument("values", nargs=4, metavar=("C0", "C1", "T0", "T1"))
    c.add_argument("--digits", type=int, default=1)
    c.set_defaults(fn=lambda a: print(cpu_pct(*a.values, digits=a.digits)))

    s = sub.add_parser("seconds")
    s.add_argument("t0", type=float)
    s.add_argument("t1", type=float, nargs="?")
    s.set_defaults(fn=lambda a: print(round((a.t1 or time.time()) - a.t0, 2)))

    q = sub.add_parser("rps")
    q.add_argument("output")
    q.set_defaults(fn=cmd_rps)

    k = sub.add_parser("smoke")
    k.add_argument("results")
    k.set_defaults(fn=cmd_smoke)

    a = ap.parse_args(argv)
    return a.fn(a) or 0


if __name__ == "__main__":
    sys.exit(main())
