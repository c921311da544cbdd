#!/usr/bin/env python3
"""Tiny TCP round-robin load balancer (what a TCP LB in front of parkgate's controller port does).

Listens on one port; each new client connection is forwarded to the next backend in round-robin
order; if connecting to it fails, the next backend is tried, and so on (each backend at most once
per connection). When either side closes, the other side is closed too, so a controller whose
backend node died sees its connection drop and reconnects (to a live backend).

  lbproxy.py --listen 18280 --backend 127.0.0.1:18281 --backend 127.0.0.1:18282 ...

Prints one line per second when something changed: live connections per backend, connect failures.
"""
import argparse
import asyncio
import itertools
import sys
import time


class Proxy:
    def __init__(self, backends, connect_timeout):
        self.backends = backends
        self.rr = itertools.cycle(range(len(backends)))
        self.connect_timeout = connect_timeout
        self.live = [0] * len(backends)
        self.failures = [0] * len(backends)
        self.accepted = 0
        self.refused = 0

    async def handle(self, creader, cwriter):
        self.accepted += 1
        start = next(self.rr)
        order = [(start + i) % len(self.backends) for i in range(len(self.backends))]
        breader = bwriter = None
        chosen = None
        for idx in order:
            host, port = self.backends[idx]
            try:
                breader, bwriter = await asyncio.wait_for(
                    asyncio.open_connection(host, port), self.connect_timeout)
                chosen = idx
                break
            except (OSError, asyncio.TimeoutError):
                self.failures[idx] += 1
        if chosen is None:
            self.refused += 1
            cwriter.close()
            return
        self.live[chosen] += 1
        try:
            await asyncio.gather(self.pipe(creader, bwriter), self.pipe(breader, cwriter))
        finally:
            self.live[chosen] -= 1

    @staticmethod
    async def pipe(reader, writer):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            # one direction ended: close the whole connection (like an LB does on a reset backend)
            try:
                writer.close()
            except OSError:
                pass

    async def report(self):
        last = None
        while True:
            await asyncio.sleep(1)
            state = (tuple(self.live), tuple(self.failures), self.refused)
            if state != last:
                last = state
                parts = " ".join(f"{h}:{p}={n}" for (h, p), n in zip(self.backends, self.live))
                print(f"{time.time():.3f} live {parts} connect_failures={list(self.failures)} "
                      f"refused={self.refused} accepted={self.accepted}", flush=True)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--backend", action="append", required=True, help="host:port, repeatable")
    ap.add_argument("--connect-timeout", type=float, default=1.0)
    a = ap.parse_args()
    backends = []
    for b in a.backend:
        h, p = b.rsplit(":", 1)
        backends.append((h, int(p)))
    proxy = Proxy(backends, a.connect_timeout)
    server = await asyncio.start_server(proxy.handle, a.host, a.listen, backlog=4096)
    print(f"{time.time():.3f} lbproxy listening on {a.host}:{a.listen} -> {a.backend}", flush=True)
    asyncio.create_task(proxy.report())
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
