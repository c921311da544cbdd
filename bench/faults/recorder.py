#!/usr/bin/env python3
"""The fault harness's recorder: every client operation with its send time, answer time, status
and body, one JSON line each (bench/faults/run starts it in the clients' namespace).

  recorder.py load  --base URL --key KEY --gates N [--prefix p] --rate R --pay-rate R --timeout-ms T --id ID --out FILE
  recorder.py sweep --base URL --key KEY --gates N [--prefix p] --timeout-ms T --tag TAG --out FILE

load: fee queries (GET /api/v1/parks/{park}/fee?plate=...&timeoutMs=T, a unique plate per request)
at R per second and payments (POST /api/v1/parks/{park}/payments, a unique paymentId each) at the
pay rate, parks drawn at random, until SIGTERM. sweep: one fee query to every park at once.
Operations are sent by a pool of threads with keep-alive connections; the send time is taken when
the request is written, so a backlog in the pool never counts as latency. The client's own socket
timeout is T + 5 s: an answer later than the bound is recorded late, not cut off.
"""
import argparse
import http.client
import json
import queue
import random
import signal
import sys
import threading
import time
from urllib.parse import urlparse

WRITE_LOCK = threading.Lock()


class Recorder:
    def __init__(self, args):
        self.args = args
        url = urlparse(args.base)
        self.host, self.port = url.hostname, url.port or 80
        self.out = open(args.out, "a", buffering=1)
        self.local = threading.local()

    def conn(self):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection(self.host, self.port, timeout=self.args.timeout_ms / 1000 + 5)
            self.local.conn = c
        return c

    def call(self, op):
        headers = {"Authorization": "Bearer " + self.args.key}
        body = None
        if op["op"] == "fee":
            path = f"/api/v1/parks/{op['park']}/fee?plate={op['plate']}&timeoutMs={self.args.timeout_ms}"
            method = "GET"
        else:
            path = f"/api/v1/parks/{op['park']}/payments?timeoutMs={self.args.timeout_ms}"
            method = "POST"
            body = json.dumps({"paymentId": op["paymentId"], "amount": op["amount"], "plate": op["plate"]})
            headers["Content-Type"] = "application/json"
        op["t0"] = time.time()
        try:
            c = self.conn()
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
            op["t1"] = time.time()
            op["status"] = r.status
            try:
                op["body"] = json.loads(data)
            except ValueError:
                op["body"] = data[:200].decode("utf-8", "replace")
            if r.getheader("connection", "").lower() == "close":
                c.close()
                self.local.conn = None
        except Exception as e:  # a transport failure is an outcome too
            op["t1"] = time.time()
            op["status"] = 0
            op["err"] = f"{type(e).__name__}: {e}"
            try:
                self.conn().close()
            finally:
                self.local.conn = None
        with WRITE_LOCK:
            self.out.write(json.dumps(op, ensure_ascii=False) + "\n")


def park(args):
    return f"{args.prefix}{random.randint(1, args.gates)}"


def load(args):
    rec = Recorder(args)
    work = queue.Queue()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def worker():
        while True:
            op = work.get()
            if op is None:
                return
            rec.call(op)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.threads)]
    for t in threads:
        t.start()
    start = time.time()
    fees = pays = 0
    while not stop.is_set():
        elapsed = time.time() - start
        while fees < elapsed * args.rate:
            fees += 1
            work.put({"op": "fee", "park": park(args), "plate": f"F{args.id}-{fees}"})
        while pays < elapsed * args.pay_rate:
            pays += 1
            work.put({"op": "pay", "park": park(args), "paymentId": f"{args.id}-pay-{pays}",
                      "amount": random.randint(100, 9999), "plate": f"Y{args.id}-{pays}"})
        time.sleep(0.005)
    for _ in threads:
        work.put(None)
    for t in threads:
        t.join(timeout=args.timeout_ms / 1000 + 6)
    print(f"recorder: {fees} fee queries, {pays} payments queued; {work.qsize()} never sent", file=sys.stderr)


def sweep(args):
    rec = Recorder(args)
    ops = [{"op": "fee", "park": f"{args.prefix}{i}", "plate": f"S{args.tag}-{int(time.time())}-{i}", "tag": args.tag}
           for i in range(1, args.gates + 1)]
    work = queue.Queue()
    for op in ops:
        work.put(op)

    def worker():
        while True:
            try:
                op = work.get_nowait()
            except queue.Empty:
                return
            rec.call(op)

    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = sum(1 for op in ops if op.get("status") == 200)
    print(f"sweep {args.tag}: {ok}/{len(ops)} answered 200", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["load", "sweep"])
    ap.add_argument("--base", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--gates", type=int, required=True)
    ap.add_argument("--prefix", default="p")
    ap.add_argument("--rate", type=float, default=150)
    ap.add_argument("--pay-rate", type=float, default=3)
    ap.add_argument("--timeout-ms", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=64)
    ap.add_argument("--id", default="run")
    ap.add_argument("--tag", default="sweep")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    load(args) if args.mode == "load" else sweep(args)


if __name__ == "__main__":
    main()
