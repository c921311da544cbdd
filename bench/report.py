#!/usr/bin/env python3
"""Turns bench/run's results.jsonl into a Markdown report (tables, targets) and a latency plot.

  report.py --results results.jsonl --out benchmarks.md --plot latency [--notes bench/notes.md]
            [--targets bench/targets.json]

bench/run writes the report into its work directory; with --write-docs into docs/benchmarks.md (plot
under bench/results/). Every figure is the median over the runs of a scenario, with the min-max spread
in brackets. The targets and their thresholds come from bench/targets.json (one check function per
kind of target, CHECKS below). The plot needs matplotlib (Debian: python3-matplotlib); without it
the report says so.
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
from collections import defaultdict

import results
from results import failed, p_us, payment_answers, rps, us_per_answer

HERE = os.path.dirname(os.path.abspath(__file__))
PCTS = ["50", "75", "90", "95", "99", "99.5", "99.9", "99.99"]
CEILING = "a"
STORES = ["cluster", "postgres"]   # i, j: the payment stores, in the report's order
ORDER = ["a", "b", "c", "d", "d/blackholed", "e", "e/offline", "f", "kc", "kb"]
ANCHORS = {"c": "kc", "b": "kb"}   # issue 16: each load's bare relay (k) from the same run
DEFAULT_HB_INTERVAL_S = 5          # g, l results written before the interval was recorded
RATE_ORDER = ["c@rate", "d@rate", "d@rate/blackholed", "e@rate", "e@rate/offline", "f@rate"]
NAMES = {
    "a": "a. ceiling (bare Vert.x HTTP)", "b": "b. hot park (all to g1)", "c": "c. spread, 1,000 parks",
    "d": "d. 10 % black-holed: healthy parks", "d/blackholed": "d. black-holed parks (paced stream)",
    "e": "e. offline flood: healthy parks", "e/offline": "e. offline parks (paced stream)",
    "f": "f. cross-node (HTTP on B, parks on A)",
    "kc": "k. bare relay, c's load (1,000 parks)", "kb": "k. bare relay, b's load (hot park)",
}
for _k in list(NAMES):
    _s, _, _t = _k.partition("/")
    NAMES[_s + "@rate" + ("/" + _t if _t else "")] = NAMES[_k] + " @ fixed rate"
NO_PLOT = "(no plot: matplotlib is missing; `apt-get install -y python3-matplotlib`)"


# ---- small formatting helpers --------------------------------------------------------------------
def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(xs, f="{:.0f}", spread=True):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "–"
    m = statistics.median(xs)
    if not spread or len(xs) == 1:
        return f.format(m)
    return f"{f.format(m)} ({f.format(min(xs))}–{f.format(max(xs))})"


def ms(us):
    return None if us is None else us / 1000.0


def seconds(x):
    return "–" if x is None else f"{x:.2f} s"


def verdict(ok):
    return "—" if ok is None else ("**met**" if ok else "**missed**")


def errors(runs):
    tot = defaultdict(int)
    for r in runs:
        for k, v in r["wrk"]["statuses"].items():
            if k != "200":
                tot[k] += v
        for k, v in r["wrk"]["socket_errors"].items():
            if v:
                tot["socket " + k] += v
    n = sum(r["wrk"]["requests"] for r in runs)
    if not tot:
        return f"none of {n:,}"
    return ", ".join(f"{k}: {v:,}" for k, v in sorted(tot.items())) + f" (of {n:,})"


def sh(cmd):
    try:
        p = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=20)
        return p.stdout + p.stderr
    except Exception:
        return ""


def machine():
    model = re.search(r"Model name:\s*(.+)", sh("lscpu"))
    jvm = sh("java -version 2>&1").strip().splitlines()
    mem = re.search(r"MemTotal:\s*(\d+)", open("/proc/meminfo").read())
    wrk = sh("wrk --version 2>&1")
    return (f"CPU {model.group(1).strip() if model else platform.processor()}, {os.cpu_count()} cores, "
            f"{int(mem.group(1)) // 1024 // 1024 if mem else '?'} GiB RAM, Linux {platform.release()}, "
            f"JVM: {jvm[0] if jvm else '?'} ({jvm[2].strip() if len(jvm) > 2 else ''}), "
            f"wrk: {wrk.splitlines()[0] if wrk else '?'}")


# ---- the data a report is made of ----------------------------------------------------------------
class Data:
    """A results file grouped: the run's meta line, measurements by stream key, meta rows by scenario."""

    def __init__(self, rows):
        self.run, self.streams, self.metas = results.group(rows)
        self.answers = results.run_answers(rows)
        self.ceiling = med([rps(r) for r in self.streams.get(CEILING, [])])
        h = self.metas.get("h") or []
        self.h_from_kill = [(m.get("result") or {}).get("reachable_s") for m in h]
        self.h_storm = [(m.get("result") or {}).get("reachable_after_first_reconnect_s") for m in h]

    def p(self, key, pct):
        """Median over the runs of a stream's latency percentile, µs (None if the stream did not run)."""
        return med([p_us(r, pct) for r in self.streams.get(key, [])])

    def us(self, key, who):
        """Per run of a stream: CPU µs of who ("node" or "sim") per HTTP answer of the run (all its streams)."""
        return [us_per_answer(r, who, self.answers) for r in self.streams.get(key, [])]

    def rates(self, side):
        v = [r["wrk"].get("rate") for k, rs in self.streams.items() if "@rate" in k and (("/" in k) == side)
             for r in rs]
        return "/".join(str(x) for x in sorted({int(x) for x in v if x})) or "?"


# ---- sections ------------------------------------------------------------------------------------
def header(d):
    m = d.run
    return [
        "# Benchmarks", "",
        "Generated by `bench/run --write-docs` (issue 7); the text after the tables comes from `bench/notes.md`. "
        "Do not edit the tables by hand: rerun the harness.", "",
        f"- **Machine:** {machine()}",
        f"- **Command:** `{m.get('cmd', 'bench/run')}` — mode `{m.get('mode')}`, jar built from commit "
        f"`{m.get('commit')}`, started {m.get('started')}",
        f"- **Load:** wrk, {m.get('threads')} threads, {m.get('conns')} keep-alive connections (closed loop), "
        f"{m.get('runs')} runs of {m.get('dur')} s per scenario after a {m.get('warm')} s warm-up; "
        f"every figure is the **median of the runs (min–max)**. The load generator, simulators and nodes all share the "
        f"machine's cores; `load` is the 1-minute load average at the start of each run (others' Maven builds ran "
        f"on the same cores at times).", "",
    ]


def throughput_row(d, k):
    runs = d.streams[k]
    side = "/" in k
    t = [rps(r) for r in runs]
    if k == CEILING:
        ratio = "1"
    elif d.ceiling and not side and "@" not in k:
        ratio = fmt([x / d.ceiling for x in t], "{:.2f}")
    else:
        ratio = "–"
    p = lambda q: fmt([ms(p_us(r, q)) for r in runs], "{:.2f}")
    cpu = fmt([r["node_cpu_pct"] for r in runs]) if not side else "(same)"
    rss = fmt([r["node_rss_mb"] for r in runs]) if not side else ""
    fa = d.metas.get("f", []) if k == "f" else []
    if fa:   # f: node B measured by the load, node A by its meta rows
        cpu = f"B {cpu}; A {fmt([m['nodeA_cpu_pct'] for m in fa])}"
        rss = f"B {rss}; A {fmt([m['nodeA_rss_mb'] for m in fa])}"
    scpu = fmt([r.get("sim_cpu_pct") for r in runs]) if not side and k != CEILING else ""
    nus = fmt(d.us(k, "node")) if not side else "(same)"
    sus = fmt(d.us(k, "sim")) if not side and k != CEILING else ""
    loads = [r["load1"] for r in runs]
    return (f"| {NAMES.get(k, k)} | {fmt(t)} | {ratio} | {p('50')} | {p('99')} | {p('99.9')} | {errors(runs)} | "
            f"{cpu} | {nus} | {scpu} | {sus} | {rss} | {min(loads):.1f}–{max(loads):.1f} |")


def throughput_tables(d):
    cols = ("| req/s | {}| p50 ms | p99 ms | p99.9 ms | errors by code (all runs) | node CPU % | node CPU µs/req "
            "| simulator CPU % | simulator CPU µs/answer | node RSS MB | load |")
    sep = "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    out = ["## Throughput and latency", "",
           "CPU per request: the measured process's utime+stime (`/proc`) over the run divided by every HTTP answer "
           "of the run (d and e: both streams); the simulator's the same way (k: the relay is the \"node\").", "",
           "| scenario " + cols.format("× ceiling "), sep]
    out += [throughput_row(d, k) for k in ORDER if d.streams.get(k)]
    if any(d.streams.get(k) for k in RATE_ORDER):
        out += ["", "### The same at a fixed rate (coordinated-omission free)", "",
                "`bench/java/RateLoad.java`: request i is due at start + i/rate and its latency counts from that due time "
                "(HdrHistogram), so a stall is charged to every request that should have been sent during it. Main load "
                f"{d.rates(False)} req/s over 50 connections, the black-holed / offline stream {d.rates(True)} req/s; "
                "3 s at the rate before each recorded run. Latency includes up to 1 ms of the generator's own 1 ms send tick. "
                "Throughput here is the offered rate, not a capacity.", "",
                "| scenario " + cols.format(""), sep]
        out += [throughput_row(d, k) for k in RATE_ORDER if d.streams.get(k)]
    return out + [""]


def plot_section(image_link, plotted):
    return ([] if plotted else [NO_PLOT]) + [f"![latency percentiles]({image_link})", ""]


def store_order(stores):
    return sorted(stores, key=lambda x: (STORES.index(x) if x in STORES else len(STORES), x))


def i_section(d):
    keys = store_order({k.split(":", 1)[1] for k in d.streams if k.startswith("i:") and "/" not in k})
    if not keys:
        return []
    out = [
        "## i. Payments end to end", "",
        f"One node per payment store (`payments.store`), the simulator's 1,000 controllers, warmed up with the same load; "
        f"wrk with `bench/wrk/payments.lua`, {d.run.get('conns')} connections (closed loop): every request is a "
        "`POST /api/v1/parks/{parkId}/payments` with a new paymentId, rotating over the parks, with the default "
        "`timeoutMs`. **200** = recorded and confirmed by the controller within the POST; **202** = recorded, still being "
        "delivered when the POST's budget ran out; other = any other status or a socket error.", "",
        "| store | payments/s | p50 ms | p99 ms | p99.9 ms | 200 confirmed | 202 | other | node CPU % | node CPU µs/payment "
        "| simulator CPU % | simulator CPU µs/payment | node RSS MB | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for store in keys:
        runs = d.streams["i:" + store]
        shares = [payment_answers(r) for r in runs]
        n = sum(r["wrk"]["requests"] for r in runs)
        loads = [r["load1"] for r in runs]
        p = lambda q: fmt([ms(p_us(r, q)) for r in runs], "{:.1f}")
        out.append(f"| {store} | {fmt([rps(r) for r in runs])} | {p('50')} | {p('99')} | {p('99.9')} | "
                   f"{fmt([x[0] * 100 for x in shares], '{:.1f}', spread=False)} % | "
                   f"{fmt([x[1] * 100 for x in shares], '{:.2f}', spread=False)} % | "
                   f"{errors_other(runs)} (of {n:,}) | {fmt([r['node_cpu_pct'] for r in runs])} | "
                   f"{fmt(d.us('i:' + store, 'node'))} | "
                   f"{fmt([r.get('sim_cpu_pct') for r in runs])} | {fmt(d.us('i:' + store, 'sim'))} | "
                   f"{fmt([r['node_rss_mb'] for r in runs])} | "
                   f"{min(loads):.1f}–{max(loads):.1f} |")
    return out + ["", "Shares: the median of the runs; the other column counts all runs.", ""]


def errors_other(runs):
    tot = defaultdict(int)
    for r in runs:
        for k, v in r["wrk"]["statuses"].items():
            if k != "200" and k.split(" ")[0] != "202":
                tot[k] += v
        for k, v in r["wrk"]["socket_errors"].items():
            if v and k != "write":
                tot["socket " + k] += v
    return ", ".join(f"{k}: {v:,}" for k, v in sorted(tot.items())) or "none"


def j_rows(d, store):
    return [m for m in d.metas.get("j", []) if m.get("store") == store]


def j_section(d):
    stores = store_order({m.get("store") for m in d.metas.get("j", [])})
    if not stores:
        return []
    first = d.metas["j"][0]
    per_park = f"{first['payments'] // first['parks']:,}" if first.get("parks") else "?"
    out = [
        "## j. Pending delivery after a reconnect storm", "",
        "The node of i (same store, same warm-up): its simulator is killed (-9); once the directory shows no park "
        f"online, `bench/payments.py post` sends the payments (8 connections, {per_park} per park, all offline: 202 "
        "expected); "
        "then a new simulator starts, all its controllers connect at once, and the node delivers each park's pending "
        "payments after its hello. Times count from that simulator's start, so they include its JVM start (the "
        "\"first reconnect\" column). `bench/payments.py wait` polls `GET /api/v1/parks/{parkId}/payments?state=accepted,sent` "
        "for the parks that still had one, until none has (\"seen all confirmed\": an upper bound, one sweep late at "
        "most), then reads every record: the confirmation times come from each record's history (the node's clock), "
        "attempts from the record, lost = posted but in no listing.", "",
        "| store | storm | posted offline | first reconnect | all sessions back | first confirmed | half confirmed "
        "| last confirmed | **seen all confirmed** | last confirmed − first reconnect | attempts > 1 | not confirmed | lost | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for store in stores:
        rows = j_rows(d, store)
        for m in rows:
            r, post = m.get("result") or {}, m.get("post") or {}
            st = ", ".join(f"{k}: {v:,}" for k, v in sorted((post.get("statuses") or {}).items()))
            span = (r["last_confirmed_s"] - r["first_reconnect_s"]
                    if r.get("last_confirmed_s") is not None and r.get("first_reconnect_s") is not None else None)
            seen = r.get("seen_all_confirmed_s")
            out.append(
                f"| {store} | {m['run']} ({m['payments']:,} for {m['parks']:,} parks) | {st} at {post.get('per_s', 0):,}/s | "
                f"{seconds(r.get('first_reconnect_s'))} | {seconds(r.get('last_reconnect_s'))} | "
                f"{seconds(r.get('first_confirmed_s'))} | {seconds(r.get('p50_confirmed_s'))} | "
                f"{seconds(r.get('last_confirmed_s'))} | "
                f"**{'not within ' + str(m.get('deadline_s')) + ' s' if seen is None else seconds(seen)}** | {seconds(span)} | "
                f"{r.get('attempts_over_1', '–')} | {r.get('not_confirmed', '–')} | {r.get('lost', '–')} | {m['load1']} |")
        res = [m.get("result") or {} for m in rows]
        seen = [r.get("seen_all_confirmed_s") for r in res]
        last = [r.get("last_confirmed_s") for r in res]
        span = [r["last_confirmed_s"] - r["first_reconnect_s"] for r in res
                if r.get("last_confirmed_s") is not None and r.get("first_reconnect_s") is not None]
        out.append(f"| **{store}: median** | {len(rows)} storm(s) | | | | | | {fmt(last, '{:.2f}')} s | "
                   f"**{fmt(seen, '{:.2f}')} s** | {fmt(span, '{:.2f}')} s | | | | |")
    out += ["", "Double openings: every payment confirmed with attempts = 1 was written to its controller once; a "
            "payment with attempts > 1 went to the same simulator process, which dedupes on paymentId (one opening per "
            "paymentId). The simulator counts openings in-process (`SimulatorStats`) but does not print them, so the "
            "openings themselves are not counted here.", ""]
    return out


def g_section(d):
    g = d.metas.get("g")
    if not g:
        return []
    m = g[0]
    n = m["controllers"]
    dh = (m["heapN_kb"] - m["heap0_kb"]) * 1024 / n
    dr = (m["rssN_kb"] - m["rss0_kb"]) * 1024 / n
    return [
        "## g. Many idle controllers on one node", "",
        "| controllers | time for all to connect | heap after full GC: 0 → N | per controller | RSS: 0 → N | per controller | node CPU idle, 0 → N controllers | load |",
        "|---|---|---|---|---|---|---|---|",
        f"| {n:,} | {m['connect_all_s']:.1f} s | {m['heap0_kb']/1024:.0f} → {m['heapN_kb']/1024:.0f} MiB | "
        f"**{dh/1024:.1f} KiB** | {m['rss0_kb']/1024:.0f} → {m['rssN_kb']/1024:.0f} MiB | **{dr/1024:.1f} KiB** | "
        f"{m['cpu_idle0_pct']:.2f} % → **{m['cpu_hb_pct']:.2f} %** of one core (over {m['hb_window_s']} s) | "
        f"{m['load1_connect']} / {m['load1']} |", "",
        "One run (a single connect of this many controllers takes long); heap is `GC.heap_info` used after "
        "`jcmd GC.run`, RSS is `VmRSS` with the heap pre-touched (`-XX:+AlwaysPreTouch`, so it counts what the "
        "controllers add, not heap pages first touched by allocation), CPU is the node's utime+stime over the window "
        "divided by the window.", "",
    ]


def hb_us(m):
    """g or l meta row: (heartbeats/s, CPU % of one core they add over the idle process, µs per heartbeat)."""
    per_s = m["controllers"] / m.get("hb_interval_s", DEFAULT_HB_INTERVAL_S)
    net = m["cpu_hb_pct"] - m["cpu_idle0_pct"]
    return per_s, net, net / 100 * 1e6 / per_s


def ratio(x, of):
    return None if x is None or not of else x / of


def anchors_section(d):
    """Issue 16: b and c against the bare relay (k), g against the bare echo (l), from the same run."""
    pairs = [(k, a) for k, a in ANCHORS.items() if d.streams.get(k) and d.streams.get(a)]
    g, l = (d.metas.get("g") or [None])[0], (d.metas.get("l") or [None])[0]
    if not pairs and not (g and l):
        return []
    out = ["## Against the bare anchors", "",
           "The same machine and run: k is `bench/java/BareRelay.java` (HTTP in, one `fee.query` line to the park's "
           "connected socket, the answer's `result` back; no auth, cluster, bus or metrics) with the same simulator "
           "and load; l is `bench/java/BareEcho.java` (answers hello and ping) held by as many controllers as g. "
           "Medians over the runs (min–max); a ratio is of the medians.", ""]
    if pairs:
        out += ["| load | parkgate req/s | bare relay req/s | **throughput × relay** | node CPU µs/req | relay CPU µs/req "
                "| **CPU/req × relay** | simulator µs/answer (node; relay) |", "|---|---|---|---|---|---|---|---|"]
        for k, a in pairs:
            t, ta = med([rps(r) for r in d.streams[k]]), med([rps(r) for r in d.streams[a]])
            u, ua = med(d.us(k, "node")), med(d.us(a, "node"))
            cpu_ratio = ratio(u, ua)
            out.append(f"| {NAMES[k]} | {fmt([rps(r) for r in d.streams[k]])} | {fmt([rps(r) for r in d.streams[a]])} | "
                       f"**{t / ta:.2f}** | {fmt(d.us(k, 'node'), '{:.1f}')} | {fmt(d.us(a, 'node'), '{:.1f}')} | "
                       f"**{'–' if cpu_ratio is None else f'{cpu_ratio:.2f}'}** | "
                       f"{fmt(d.us(k, 'sim'), '{:.1f}')}; {fmt(d.us(a, 'sim'), '{:.1f}')} |")
        out.append("")
    if g and l:
        out += ["| controllers | heartbeats/s | node CPU %: idle → with them | node µs/heartbeat | bare echo CPU %: idle → "
                "with them | echo µs/heartbeat | **CPU/heartbeat × echo** |", "|---|---|---|---|---|---|---|"]
        (hz, _, u), (_, _, ue) = hb_us(g), hb_us(l)
        out += [f"| {g['controllers']:,} (echo: {l['controllers']:,}) | {hz:,.0f} | {g['cpu_idle0_pct']:.2f} → "
                f"{g['cpu_hb_pct']:.2f} | {u:.1f} | {l['cpu_idle0_pct']:.2f} → {l['cpu_hb_pct']:.2f} | {ue:.1f} | "
                f"**{'–' if ue <= 0 else f'{u / ue:.2f}'}** |", "",
                f"Per heartbeat: the CPU the controllers add over the idle process (with them minus idle, one window of "
                f"{g['hb_window_s']} s each, {g.get('hb_settle_s', 5)} s after the last connect; one run), divided by "
                f"controllers / heartbeat interval "
                f"({g.get('hb_interval_s', DEFAULT_HB_INTERVAL_S)} s). At 100 clock ticks per second, a {g['hb_window_s']} s "
                f"window resolves {1 / g['hb_window_s']:.2f} % of a core.", ""]
    return out


def h_section(d):
    h = d.metas.get("h")
    if not h:
        return []
    out = [
        "## h. Reconnect storm", "",
        "The simulator holding the storm's controllers is killed (-9) and a new one started at once; the time runs "
        "from the kill until the directory total is back, every storm park has a session newer than the kill, and 200 "
        "random storm parks answered a fee query with 200 in one sweep. Counted from the kill, it includes the new "
        "simulator JVM's start, which a real storm does not have (its controllers are already running); the "
        "\"first reconnect\" column is when the earliest new session was opened, and the last column is the "
        "storm itself: from that first reconnect until all are reachable.", "",
        "| storm | controllers on the node | first reconnect | total back | all sessions new | all reachable (from the kill) "
        "| **all reachable, from the first reconnect** | load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in h:
        r = m.get("result") or {}
        out.append(f"| {m['run']} ({m['storm']:,} dropped) | {m['controllers']:,} | {seconds(r.get('first_reconnect_s'))} | "
                   f"{seconds(r.get('total_reached_s'))} | {seconds(r.get('all_new_s'))} | "
                   f"{'not within the deadline' if r.get('reachable_s') is None else seconds(r.get('reachable_s'))} | "
                   f"**{seconds(r.get('reachable_after_first_reconnect_s'))}** | {m['load1']} |")
    done = [v for v in d.h_from_kill if v is not None]
    storm = [v for v in d.h_storm if v is not None]
    out += [f"| **median** | | | | | {fmt(done, '{:.2f}')} s ({len(done)}/{len(h)} completed) | "
            f"**{fmt(storm, '{:.2f}')} s** | |", ""]
    return out


# ---- targets: one function per kind of check; each returns (label context, measured, verdict) or None
def check_throughput_share(d, t):
    if not d.streams.get(t["scenario"]) or not d.ceiling:
        return None
    x = med([rps(r) for r in d.streams[t["scenario"]]]) / d.ceiling
    return {}, f"{x:.0%} of the ceiling", verdict(x * 100 >= t["min_percent"])


def check_p99_vs(d, t):
    runs, base = d.streams.get(t["scenario"]), d.streams.get(t["of"])
    if not runs or not base:
        return None
    p99, bp99 = d.p(t["scenario"], "99"), d.p(t["of"], "99")
    of = t["of"]
    who = f"{of}'s runs" if "@" not in of else f"{of} runs"
    spread = f"; {who} {min(p_us(r, '99') for r in base)/1000:.1f}–{max(p_us(r, '99') for r in base)/1000:.1f} ms"
    return ({}, f"{p99/1000:.2f} ms vs {bp99/1000:.2f} ms ({p99/bp99-1:+.0%}{spread})",
            verdict(p99 <= bp99 * (1 + t["max_increase_percent"] / 100)))


def check_zero_errors(d, t):
    runs = d.streams.get(t["scenario"])
    if not runs:
        return None
    errs = sum(failed(r) for r in runs)
    return {}, f"{errs} errors", verdict(errs == 0)


def check_p99_below(d, t):
    if not d.streams.get(t["scenario"]):
        return None
    p99 = d.p(t["scenario"], "99")
    return {}, f"{p99/1000:.2f} ms", verdict(p99 < t["max_ms"] * 1000)


def check_p50_overhead(d, t):
    if not d.streams.get(t["scenario"]) or not d.streams.get(t["of"]):
        return None
    p50, bp50 = d.p(t["scenario"], "50"), d.p(t["of"], "50")
    return ({}, f"{p50/1000:.2f} − {bp50/1000:.2f} = {(p50-bp50)/1000:+.2f} ms",
            verdict(p50 - bp50 < t["max_ms"] * 1000))


def g_meta(d):
    g = d.metas.get("g")
    return g[0] if g else None


def check_g_controllers(d, t):
    m = g_meta(d)
    if not m:
        return None
    n = m["controllers"]
    if n >= t["min_controllers"]:
        return {}, f"{n:,} connected in {m['connect_all_s']:.0f} s", "**met**"
    why = f"fd hard limit {m['fd_hard']:,} per process" if m.get("fd_hard") else "fd hard limit"
    return {}, f"{n:,} measured ({m.get('wanted', n):,} asked; {why})", "**not measured**"


def check_g_memory(d, t):
    m = g_meta(d)
    if not m:
        return None
    dh = (m["heapN_kb"] - m["heap0_kb"]) / m["controllers"]
    dr = (m["rssN_kb"] - m["rss0_kb"]) / m["controllers"]
    return ({}, f"heap {dh:.1f} KiB, RSS {dr:.1f} KiB",
            f"heap {verdict(dh <= t['max_kib'])}, RSS {verdict(dr <= t['max_kib'])}")


def check_g_heartbeats(d, t):
    m = g_meta(d)
    if not m:
        return None
    n, at = m["controllers"], t["at_controllers"]
    hb = m["cpu_hb_pct"] - m["cpu_idle0_pct"]
    scaled = hb * at / n
    extrapolated = "" if n >= at else f", {scaled:.0f} % at {at:,} (linear)"
    return ({}, f"{m['cpu_hb_pct']:.1f} % with {n:,}, {m['cpu_idle0_pct']:.1f} % without: "
                f"{hb:.1f} % for {n // t['heartbeat_interval_s']:,} heartbeats/s{extrapolated}",
            verdict(scaled < t["max_core_percent"]))


def check_payments_load(d, t):
    runs = d.streams.get("i:" + t["store"])
    if not runs:
        return None
    rate = med([rps(r) for r in runs])
    p99 = d.p("i:" + t["store"], "99") / 1000
    ok = med([payment_answers(r)[0] for r in runs]) * 100
    missed = [what for what, good in (("payments/s", rate >= t["min_per_s"]), ("p99", p99 < t["max_p99_ms"]),
                                      ("confirmed share", ok >= t["min_confirmed_percent"])) if not good]
    return ({}, f"{rate:,.0f} payments/s, p99 {p99:.1f} ms, {ok:.2f} % answered 200 confirmed (medians of {len(runs)} runs)",
            verdict(not missed) + (f" ({', '.join(missed)})" if missed else ""))


def check_pending_delivery(d, t):
    rows = j_rows(d, t["store"])
    if not rows:
        return None
    res = [m.get("result") or {} for m in rows]
    seen = [r.get("seen_all_confirmed_s") for r in res]
    lost = sum(r.get("lost", 0) for r in res)
    left = sum(r.get("not_confirmed", 0) for r in res)
    over = sum(r.get("attempts_over_1", 0) for r in res)
    within = sum(x is not None and x <= t["max_s"] for x in seen)
    ok = within == len(rows) and lost == 0 and left == 0 and all(r.get("parks_unread", 1) == 0 for r in res)
    return ({"payments": rows[0]["payments"]},
            f"seen all confirmed: median {fmt(seen, '{:.1f}')} s from the simulator's start, {within}/{len(rows)} "
            f"storms within {t['max_s']} s; lost {lost}, not confirmed {left}, attempts > 1: {over}",
            verdict(ok))


def check_h_storm(d, t):
    h = d.metas.get("h")
    if not h:
        return None
    done = [v for v in d.h_from_kill if v is not None]
    storm = [v for v in d.h_storm if v is not None]
    # medians, with their spread; the storm counts from the first reconnect when the results have it
    # (older results: from the kill)
    basis = storm or done
    ok = len(basis) == len(h) and med(basis) <= t["max_s"]
    return ({"storm": h[0]["storm"]},
            f"from the first reconnect: median {fmt(storm, '{:.1f}') if storm else '–'} s; from the kill, with the "
            f"new simulator's JVM start: median {fmt(done, '{:.1f}')} s, "
            f"{sum(v <= t['max_s'] for v in done)}/{len(h)} storms within {t['max_s']} s",
            verdict(ok))


def check_throughput_vs(d, t):
    runs, base = d.streams.get(t["scenario"]), d.streams.get(t["of"])
    if not runs or not base:
        return None
    x = med([rps(r) for r in runs]) / med([rps(r) for r in base])
    return ({}, f"{med([rps(r) for r in runs]):,.0f} vs {med([rps(r) for r in base]):,.0f} req/s: {x:.0%}",
            verdict(x * 100 >= t["min_percent"]))


def check_cpu_per_request_vs(d, t):
    u, ua = med(d.us(t["scenario"], "node")), med(d.us(t["of"], "node"))
    if u is None or not ua:
        return None
    return {}, f"{u:.1f} vs {ua:.1f} µs: {u / ua:.2f} ×", verdict(u <= ua * t["max_ratio"])


def check_cpu_per_heartbeat_vs(d, t):
    g, l = (d.metas.get("g") or [None])[0], (d.metas.get(t["of"]) or [None])[0]
    if not g or not l:
        return None
    (_, _, u), (_, _, ue) = hb_us(g), hb_us(l)
    if ue <= 0:
        return {}, f"{u:.1f} µs vs {ue:.1f} µs (the echo's added CPU is not above its idle)", "—"
    return {}, f"{u:.1f} vs {ue:.1f} µs: {u / ue:.2f} ×", verdict(u <= ue * t["max_ratio"])


def check_sim_cpu_vs_node(d, t):
    s, u = med(d.us(t["scenario"], "sim")), med(d.us(t["scenario"], "node"))
    if s is None or u is None:
        return None
    return {}, f"simulator {s:.1f} µs, node {u:.1f} µs per answer: {s / u:.2f} ×", verdict(s <= u)


CHECKS = {
    "throughput_vs": check_throughput_vs, "cpu_per_request_vs": check_cpu_per_request_vs,
    "cpu_per_heartbeat_vs": check_cpu_per_heartbeat_vs, "sim_cpu_vs_node": check_sim_cpu_vs_node,
    "throughput_share": check_throughput_share, "p99_vs": check_p99_vs, "zero_errors": check_zero_errors,
    "p99_below": check_p99_below, "p50_overhead": check_p50_overhead, "g_controllers": check_g_controllers,
    "g_memory": check_g_memory, "g_heartbeats": check_g_heartbeats, "h_storm": check_h_storm,
    "payments_load": check_payments_load, "pending_delivery": check_pending_delivery,
}


def load_targets(path):
    with open(path) as f:
        targets = json.load(f)["targets"]
    unknown = sorted({t["check"] for t in targets} - CHECKS.keys())
    if unknown:
        raise SystemExit(f"{path}: unknown check(s) {', '.join(unknown)}; known: {', '.join(sorted(CHECKS))}")
    return targets


def targets_section(d, targets):
    out = ["## Targets", "", "| target | measured | |", "|---|---|---|"]
    for t in targets:
        if t.get("needs") and not d.streams.get(t["needs"]):
            continue
        judged = CHECKS[t["check"]](d, t)
        if judged:
            ctx, measured, v = judged
            out.append(f"| {t['label'].format(**t, **ctx)} | {measured} | {v} |")
    return out + [""]


# ---- plot ----------------------------------------------------------------------------------------
def plot(d, path):
    """Latency by percentile, one line per stream; False if matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(13, 6))
    xs = [1 / (1 - float(p) / 100) for p in PCTS]
    for k in ORDER + RATE_ORDER:
        if d.streams.get(k):
            ys = [ms(d.p(k, p)) for p in PCTS]
            ax.plot(xs, ys, marker="o" if "@" not in k else "x", linestyle="-" if "@" not in k else "--",
                    label=NAMES.get(k, k))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(xs)
    ax.set_xticklabels([p + "%" for p in PCTS])
    ax.set_xlabel("percentile")
    ax.set_ylabel("latency, ms (median of runs; log scale)")
    ax.set_title(f"parkgate latency by percentile ({d.run.get('mode')} mode) — solid: wrk, {d.run.get('conns')} connections, "
                 "closed loop; dashed: fixed rate (RateLoad)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    fig.savefig(path + ".png", dpi=110)
    return True


def render(d, targets, image_link, plotted, notes_text):
    lines = (header(d) + throughput_tables(d) + plot_section(image_link, plotted) + g_section(d) + h_section(d)
             + i_section(d) + j_section(d) + anchors_section(d) + targets_section(d, targets))
    if notes_text is not None:
        lines += [notes_text.rstrip(), ""]
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--plot", required=True, help="path without extension")
    ap.add_argument("--notes")
    ap.add_argument("--targets", default=os.path.join(HERE, "targets.json"))
    a = ap.parse_args(argv)
    d = Data(results.load(a.results))
    targets = load_targets(a.targets)
    plotted = plot(d, a.plot)
    link = os.path.relpath(a.plot + ".png", os.path.dirname(os.path.abspath(a.out)))
    notes = open(a.notes).read() if a.notes and os.path.exists(a.notes) else None
    with open(a.out, "w") as f:
        f.write(render(d, targets, link, plotted, notes))
    print(f"wrote {a.out}" + (f" and {a.plot}.png" if plotted else " (no plot)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
