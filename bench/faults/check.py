#!/usr/bin/env python3
"""The fault harness's checker (bench/faults/run calls it).

  check.py settle --base URL --key KEY --run DIR --deadline S
      every payment the recorder posted, read back through the balancer until it is final (or S
      seconds pass): DIR/payments-final.jsonl
  check.py check --run DIR --scenario NAME --timeout-ms T --heartbeat-ms H --gates N
      the invariants over DIR's records; DIR/result.json; exit 1 when one is broken
  check.py report --out DIR --doc FILE --command CMD SCENARIO...
      docs/reliability.md from the scenarios' result.json files

The invariants (each with its count in result.json):
  bound        no operation answered later than timeoutMs + SLACK_MS
  no_500       no answer with status 500
  own_answer   every 200 fee answer carries its own request's plate, park and the gates' amount
  payments     every payment accepted (200/202) or with an unknown outcome (5xx from the balancer,
               a transport error) is, at the end, final (confirmed, rejected or expired) and readable
               by the payer; a payment answered 200 confirmed is confirmed in its record
  barrier      every confirmed payment opened its barrier exactly once; none opened twice
  refused_not_applied  a payment answered with parkgate's own refusal (e.g. 503 STORE_UNAVAILABLE,
               "nothing accepted") has no pending or confirmed record at the end
  directory    at the end every park is online exactly once, the same owner in every live node's
               view, and the simulator has every gate connected
  recovery     (per scenario) every park answered 200 again within the scenario's bound
"""
import argparse
import http.client
import json
import os
import sys
import time
from collections import Counter, defaultdict
from urllib.parse import urlparse

# Slack over timeoutMs: the balancer answers 504 itself at timeoutMs + 500 ms (haproxy
# "timeout server"), and a 2-core machine running 3 nodes, a simulator, HAProxy and this
# recorder delays a thread now and then.
SLACK_MS = 1000
AMOUNT = 800          # what every simulated gate answers (simulate --amount default)
FINAL = {"confirmed", "rejected", "expired", "cancelled"}


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    out = []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line:
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def iso(t):
    t = t or 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


def code_of(op):
    """The answer's error code: parkgate's JSON error, the balancer's own answer, or a transport error."""
    if op["status"] == 0:
        return "transport"
    body = op.get("body")
    if isinstance(body, dict):
        return body.get("error") or str(op["status"])
    return f"balancer-{op['status']}"


# ---- settle ------------------------------------------------------------------------------------------
def settle(args):
    ops = [o for o in read_jsonl(os.path.join(args.run, "ops.jsonl")) if o["op"] == "pay"]
    url = urlparse(args.base)
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=5)
    pending = {o["paymentId"]: o for o in ops}
    final = {}
    deadline = time.time() + args.deadline
    while pending and time.time() < deadline:
        for pid in list(pending):
            try:
                conn.request("GET", f"/api/v1/payments/{pid}", headers={"Authorization": "Bearer " + args.key})
                r = conn.getresponse()
                body = json.loads(r.read() or b"{}")
            except Exception as e:
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=5)
                final[pid] = {"paymentId": pid, "status": 0, "err": str(e)}
                continue
            final[pid] = {"paymentId": pid, "status": r.status, "state": body.get("state"), "attempts": body.get("attempts"),
                          "history": body.get("history")}
            if r.status == 404 or body.get("state") in FINAL:
                del pending[pid]
        if pending:
            time.sleep(1)
    with open(os.path.join(args.run, "payments-final.jsonl"), "w") as f:
        for rec in final.values():
            f.write(json.dumps(rec) + "\n")
    print(f"settle: {len(ops)} payments read back, {len(pending)} not final after {args.deadline} s", file=sys.stderr)


# ---- check -------------------------------------------------------------------------------------------
BOUNDS = {  # scenario -> (what recovers, bound in heartbeat intervals + seconds)
    "kill9": "every park of the killed node answers 200 again within 3 heartbeat intervals + 5 s",
    "sigstop": "every park answers 200 while the node is still frozen (sweeps at 18 s and 19 s), within 3 heartbeat intervals + 5 s",
    "partition": ("while split, a failed fee answer is GATE_OFFLINE, or GATE_TIMEOUT (within its bound) only until"
                  " Hazelcast removes the unreachable members (10 s + the request's timeout); every park answers 200"
                  " again within 3 heartbeat intervals + 5 s of the heal; after the merge every park is online once,"
                  " the same owner everywhere"),
    "drop": "every park answers 200 again within 3 heartbeat intervals + 5 s, while the drop holds",
    "rolling": "every fee query answered 200 throughout",
    "storm": "every park answers 200 again within 3 heartbeat intervals + 5 s",
}


def check(args):
    run = args.run
    ops = read_jsonl(os.path.join(run, "ops.jsonl"))
    events = read_jsonl(os.path.join(run, "events.jsonl"))
    ev = {e["event"]: e for e in events}
    t_fault = ev.get("fault_start", {}).get("t")
    t_fault_end = ev.get("fault_end", {}).get("t")
    bound_ms = args.timeout_ms + SLACK_MS
    inv = {}

    def invariant(name, ok, checked, detail):
        inv[name] = {"ok": bool(ok), "checked": checked, "detail": detail}

    # bound and 500s
    late = [o for o in ops if (o["t1"] - o["t0"]) * 1000 > bound_ms]
    slowest = max(ops, key=lambda o: o["t1"] - o["t0"]) if ops else None
    invariant("bound", not late, len(ops), f"{len(late)} answered later than {bound_ms} ms"
              + (f"; slowest {slowest['op']} {slowest['park']} {(slowest['t1'] - slowest['t0']) * 1000:.0f} ms {code_of(slowest)}" if slowest else ""))
    fives = [o for o in ops if o["status"] == 500]
    invariant("no_500", not fives, len(ops), f"{len(fives)} answers 500")

    # own answers
    fee_ok = [o for o in ops if o["op"] == "fee" and o["status"] == 200]
    crossed = [o for o in fee_ok if not isinstance(o.get("body"), dict) or o["body"].get("plate") != o["plate"]
               or o["body"].get("parkId") != o["park"] or o["body"].get("amount") != AMOUNT]
    invariant("own_answer", not crossed, len(fee_ok), f"{len(crossed)} fee answers not their own request's"
              + (f", e.g. {crossed[0]}" if crossed else ""))

    # payments
    pays = [o for o in ops if o["op"] == "pay"]
    final = {p["paymentId"]: p for p in read_jsonl(os.path.join(run, "payments-final.jsonl"))}
    sim = {}
    try:
        sim = json.load(open(os.path.join(run, "sim-final.json")))
    except (OSError, ValueError):
        pass
    counts = sim.get("payments", {})
    must_settle = [o for o in pays if o["status"] in (200, 202) or o["status"] == 0 or code_of(o).startswith("balancer")]
    not_final, lost, mismatched = [], [], []
    # every one, including those accepted on the cut-off side of a split or by a woken node, for
    # parks whose controllers never said hello again: the courier's sweep delivers them (architecture.md)
    for o in must_settle:
        rec = final.get(o["paymentId"])
        if rec is None or rec.get("status") not in (200, 404):
            not_final.append(o["paymentId"])
        elif rec["status"] == 404:
            if o["status"] in (200, 202):
                lost.append(o["paymentId"])   # accepted, then unknown to the cluster
        elif rec.get("state") not in FINAL:
            not_final.append(o["paymentId"])
        elif (o["status"] == 200 and isinstance(o.get("body"), dict) and o["body"].get("state") == "confirmed"
              and rec.get("state") != "confirmed"):
            mismatched.append(o["paymentId"])
    states = Counter((final.get(o["paymentId"]) or {}).get("state") or "none" for o in pays)
    invariant("payments", not (not_final or lost or mismatched), len(must_settle),
              f"{len(not_final)} not final, {len(lost)} accepted then unknown (404), {len(mismatched)} confirmed then not"
              + (f"; e.g. {(not_final + lost + mismatched)[0]}" if not_final or lost or mismatched else ""))
    # a payment the payer was told was refused (parkgate's own 4xx/5xx answer) must never be applied
    # (PAYMENT_OUTCOME_UNKNOWN is no refusal: the payer was told the payment may still be recorded)
    refused = [o for o in pays if o["status"] not in (200, 202) and o["status"] != 0 and not code_of(o).startswith("balancer")
               and code_of(o) != "PAYMENT_OUTCOME_UNKNOWN"]
    applied = [o["paymentId"] for o in refused if (final.get(o["paymentId"]) or {}).get("state") not in (None, "rejected", "expired", "cancelled")]
    invariant("refused_not_applied", not applied, len(refused),
              f"{len(applied)} payments answered as refused ({dict(Counter(code_of(o) for o in refused))}) whose record exists"
              f" afterwards, pending or confirmed" + (f"; e.g. {applied[0]} {final[applied[0]].get('state')}" if applied else ""))
    confirmed = [pid for pid, r in final.items() if r.get("state") == "confirmed"]
    wrong_open = [pid for pid in confirmed if counts.get(pid, [0, 0])[1] != 1]
    twice = [pid for pid, c in counts.items() if c[1] > 1]
    invariant("barrier", not wrong_open and not twice and bool(sim), len(confirmed),
              f"{len(wrong_open)} confirmed payments without exactly one opening, {len(twice)} opened twice"
              + ("" if sim else "; the simulator's counters are missing")
              + (f"; e.g. {wrong_open[0]} {counts.get(wrong_open[0])}" if wrong_open else ""))

    # directory at the end
    views = {}
    for n in (1, 2, 3):
        path = os.path.join(run, f"directory-n{n}.txt")
        if os.path.exists(path) and os.path.getsize(path) > 0:
            views[n] = sorted(open(path).read().split("\n"))
    lines = [l for l in next(iter(views.values()), []) if l]
    parks = Counter(l.split()[0] for l in lines)
    same = len({tuple(v) for v in views.values()}) == 1
    dup = [p for p, c in parks.items() if c > 1]
    connected = sim.get("connected", -1)
    invariant("directory", same and len(parks) == args.gates and not dup and connected == args.gates, len(views),
              f"{len(views)} live views {'identical' if same else 'DIFFER'}, {len(parks)} parks, {len(dup)} listed twice, "
              f"simulator {connected}/{args.gates} connected"
              + (f"; views read until they agreed: {ev['directory_read']['after_s']} s" if "directory_read" in ev else ""))

    # figures
    fees = [o for o in ops if o["op"] == "fee" and "tag" not in o]
    by_status = Counter(f"{o['status']} {code_of(o)}" if o["status"] != 200 else "200" for o in ops)
    bad = [o for o in fees if o["status"] != 200]
    recovery_s = None
    if t_fault is not None:
        after = [o for o in bad if o["t0"] >= t_fault - 1]
        recovery_s = round(max(o["t1"] for o in after) - t_fault, 1) if after else 0.0
    first_bad_s = round(min(o["t0"] for o in bad) - t_fault, 1) if bad and t_fault else None
    per_second = defaultdict(lambda: [0, 0])
    t_start = min((o["t0"] for o in fees), default=0)
    for o in fees:
        b = per_second[int(o["t0"] - t_start)]
        b[0] += 1
        b[1] += o["status"] == 200
    worst = min((b[1] / b[0], s) for s, b in per_second.items() if b[0] >= 10) if per_second else (1, 0)
    outside = [o for o in fees if t_fault is None or o["t0"] < t_fault or o["t0"] > t_fault + (recovery_s or 0)]
    figures = {
        "operations": len(ops), "fee_queries": len(fees), "payments": len(pays),
        "answers": dict(sorted(by_status.items(), key=lambda kv: -kv[1])),
        "slowest_ms": round((slowest["t1"] - slowest["t0"]) * 1000) if slowest else None,
        "slowest": f"{slowest['op']} {code_of(slowest) if slowest['status'] != 200 else '200'}" if slowest else None,
        "bound_ms": bound_ms,
        "availability": round(sum(o["status"] == 200 for o in fees) / len(fees), 4) if fees else None,
        "availability_outside_recovery": round(sum(o["status"] == 200 for o in outside) / len(outside), 4) if outside else None,
        "worst_second": {"share_200": round(worst[0], 3), "at_s": round(worst[1] + t_start - t_fault, 0) if t_fault else worst[1]},
        "first_error_after_fault_s": first_bad_s,
        "recovery_s": recovery_s,
        "fault_s": round(t_fault_end - t_fault, 1) if t_fault and t_fault_end else None,
        "payment_states": dict(states),
        "simulator": {k: sim.get(k) for k in ("connected", "disconnects", "silentServerCloses")},
        "fault": ev.get("fault_start", {}).get("fault"),
        "faulted_node_parks": ev.get("fault_start", {}).get("parks"),
        "directory_agreed_after_s": ev.get("directory_read", {}).get("after_s"),
    }

    # the scenario's own rule
    limit_s = 3 * args.heartbeat_ms / 1000 + 5
    if args.scenario in ("kill9", "drop", "storm", "sigstop"):
        ok = recovery_s is not None and recovery_s <= limit_s
        detail = f"last failed fee answer {recovery_s} s after the fault (bound {limit_s:.0f} s)"
        if args.scenario == "sigstop" and t_fault_end:
            # the rule (architecture.md): every park answers 200 before the node wakes; the woken node,
            # alone until Hazelcast merges it back (10 s checks here), may answer GATE_OFFLINE meanwhile
            frozen_bad = [o for o in bad if t_fault + 18 <= o["t0"] <= t_fault_end]
            woken_bad = [o for o in bad if o["t0"] > t_fault_end]
            woken_other = [o for o in woken_bad if code_of(o) != "GATE_OFFLINE"]
            woken_last = max((o["t1"] for o in woken_bad), default=t_fault_end) - t_fault_end
            ok = not frozen_bad and not woken_other and woken_last <= 10 + limit_s
            detail = (f"{len(frozen_bad)} failed fee answers between 18 s and the wake-up; after it "
                      f"{len(woken_bad)} GATE_OFFLINE from the woken node until {woken_last:.1f} s after SIGCONT "
                      f"(bound: merge check 10 s + {limit_s:.0f} s), {len(woken_other)} other failures")
            figures["woken_gate_offline"] = len(woken_bad)
            figures["woken_until_s"] = round(woken_last, 1)
        if args.scenario == "drop" and recovery_s is not None and figures["fault_s"]:
            ok = ok and recovery_s <= figures["fault_s"]
        if args.scenario == "sigstop":
            sweeps = [o for o in ops if o.get("tag") == "frozen"]
            last = sweeps[len(sweeps) // 2:] if sweeps else []
            ok = ok and bool(last) and all(o["status"] == 200 for o in last)
            first = sweeps[:len(sweeps) // 2]
            detail += (f"; sweeps while frozen: at 18 s {sum(o['status'] == 200 for o in first)}/{len(first)}, at 19 s "
                       f"{sum(o['status'] == 200 for o in last)}/{len(last)} answered 200")
            figures["sweeps_while_frozen"] = [sum(o['status'] == 200 for o in first), sum(o['status'] == 200 for o in last), len(last)]
        invariant("recovery", ok, len(fees), detail)
    elif args.scenario == "rolling":
        invariant("recovery", not bad, len(fees), f"{len(bad)} fee queries not answered 200: {dict(Counter(code_of(o) for o in bad))}")
    elif args.scenario == "partition":
        # the rule (architecture.md, "Faults on purpose"): each side answers for the sessions it holds;
        # across the cut a request times out at its bound until the members are removed, then is
        # GATE_OFFLINE at once; after the heal every park answers again, before the merge completes
        t_heal = ev.get("fault_end", {}).get("t")
        detection_s = 10 + args.timeout_ms / 1000 + 1
        split = [o for o in bad if t_fault <= o["t0"] < (t_heal or float("inf"))]
        wrong_code = [o for o in split if code_of(o) not in ("GATE_OFFLINE", "GATE_TIMEOUT") and not code_of(o).startswith("balancer")]
        late_timeout = [o for o in split if code_of(o) == "GATE_TIMEOUT" and o["t0"] - t_fault > detection_s]
        healed = [o for o in bad if t_heal and o["t0"] >= t_heal]
        healed_s = round(max(o["t1"] for o in healed) - t_heal, 1) if healed else 0.0
        ok = inv["directory"]["ok"] and not wrong_code and not late_timeout and t_heal is not None and healed_s <= limit_s
        figures["split_answers"] = dict(Counter(code_of(o) for o in split))
        figures["healed_failures_until_s"] = healed_s
        invariant("recovery", ok, len(fees),
                  f"while split: {dict(Counter(code_of(o) for o in split))} failed fee answers, {len(wrong_code)} of another code,"
                  f" {len(late_timeout)} GATE_TIMEOUT later than {detection_s:.0f} s into the split; after the heal the last"
                  f" failure {healed_s} s later (bound {limit_s:.0f} s); after the merge: " + inv["directory"]["detail"])

    result = {"scenario": args.scenario, "ok": all(i["ok"] for i in inv.values()), "invariants": inv, "figures": figures,
              "rule": BOUNDS.get(args.scenario), "machine": open(os.path.join(run, "machine.txt")).read().strip()
              if os.path.exists(os.path.join(run, "machine.txt")) else ""}
    json.dump(result, open(os.path.join(run, "result.json"), "w"), indent=1)
    print(f"== {args.scenario}: {'PASS' if result['ok'] else 'FAIL'}")
    for name, i in inv.items():
        print(f"  {'ok ' if i['ok'] else 'BAD'} {name:10} ({i['checked']} checked) {i['detail']}")
    print(f"  figures: {json.dumps(figures)}")
    sys.exit(0 if result["ok"] else 1)


# ---- report ------------------------------------------------------------------------------------------
def report(args):
    results = []
    for s in args.scenarios:
        path = os.path.join(args.out, s, "result.json")
        if os.path.exists(path):
            res = json.load(open(path))
            # NAME@postgres ran with payments.store=postgres; plain NAME on the cluster store
            res["label"] = s if "@" in s else f"{s}"
            res["store"] = s.split("@", 1)[1] if "@" in s else "cluster"
            results.append(res)
    lines = ["# Reliability: faults on purpose", "",
             "Generated by `bench/faults/run --report` (issue 17) from one run's results; do not edit by hand.", "",
             f"Command: `{args.command}`  "] + ([f"{args.note}  "] if args.note else []) + [f"Machine: {results[0]['machine'] if results else 'n/a'}  ",
             f"Generated: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", ""]
    lines += open(os.path.join(os.path.dirname(__file__), "README.md")).read().split("\n")
    lines += open(os.path.join(os.path.dirname(__file__), "FINDINGS.md")).read().split("\n")
    lines += ["## Results", "", "| scenario | payments store | result | operations | slowest / bound | availability (outside recovery) | time to recover | payments |",
              "|---|---|---|---|---|---|---|---|"]
    for r in results:
        f = r["figures"]
        lines.append(f"| {r['label']} | {r['store']} | {'pass' if r['ok'] else '**FAIL**'} | {f['operations']} | {f['slowest_ms']} ms / {f['bound_ms']} ms"
                     f" | {f['availability']} ({f['availability_outside_recovery']}) | {f['recovery_s']} s | "
                     + ", ".join(f"{k} {v}" for k, v in sorted(f["payment_states"].items())) + " |")
    for r in results:
        f = r["figures"]
        lines += ["", f"### {r['label']} ({r['store']} payment store): {'pass' if r['ok'] else 'FAIL'}", "",
                  f"Fault: {f['fault']} (the faulted node held {f['faulted_node_parks']} parks; fault lasted {f['fault_s']} s).  ",
                  f"Rule: {r['rule']}.", "",
                  "Answers by status: " + ", ".join(f"`{k}` {v}" for k, v in f["answers"].items()) + ".  ",
                  f"Slowest answer {f['slowest_ms']} ms ({f['slowest']}) against the bound {f['bound_ms']} ms; "
                  f"first failed fee answer {f['first_error_after_fault_s']} s after the fault, last {f['recovery_s']} s after it; "
                  f"the worst second had {f['worst_second']['share_200']} of its fee queries answered 200 "
                  f"({f['worst_second']['at_s']} s after the fault).  ",
                  f"Simulator at the end: {f['simulator']}.", "", "| invariant | held | checked | detail |", "|---|---|---|---|"]
        for name, i in r["invariants"].items():
            lines.append(f"| {name} | {'yes' if i['ok'] else '**no**'} | {i['checked']} | {i['detail'].replace('|', '/')} |")
    open(args.doc, "w").write("\n".join(lines) + "\n")
    print(f"wrote {args.doc}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("settle")
    s.add_argument("--base", required=True)
    s.add_argument("--key", required=True)
    s.add_argument("--run", required=True)
    s.add_argument("--deadline", type=float, default=60)
    c = sub.add_parser("check")
    c.add_argument("--run", required=True)
    c.add_argument("--scenario", required=True)
    c.add_argument("--timeout-ms", type=int, default=2000)
    c.add_argument("--heartbeat-ms", type=int, default=5000)
    c.add_argument("--gates", type=int, default=300)
    r = sub.add_parser("report")
    r.add_argument("--out", required=True)
    r.add_argument("--doc", required=True)
    r.add_argument("--command", required=True)
    r.add_argument("--note", default="")
    r.add_argument("scenarios", nargs="+")
    args = ap.parse_args()
    {"settle": settle, "check": check, "report": report}[args.cmd](args)


if __name__ == "__main__":
    main()
