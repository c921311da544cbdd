#!/usr/bin/env python3
"""Where a profile's CPU samples go, by layer (issue 16 item 4).

    bench/profile_layers.py profile-c.collapsed[.gz] [more ...] [--per ANSWERS ...] [--top N]

Reads async-profiler's collapsed stacks (one "frame;frame;...;leaf COUNT" per line, root first, as
bench/run's BENCH_PROFILE writes them) and prints, per file:

- **self**: every sample given to one layer, the layer of the innermost frame that belongs to a
  layer (so a sample in a kernel write called from Netty counts as kernel; JIT compiler and GC
  threads count as such wherever they are);
- **inclusive**: the share of samples with at least one frame of each layer on the stack (a
  sample counts once per layer, so the column adds up to more than 100 %);
- with --per N (answers, or heartbeats, during the profile): each as µs of CPU per answer (one
  sample is 1 ms of CPU: BENCH_PROFILE's interval), and a total without the JIT compiler, whose
  share varies from one profiled window to the next (the bare echo: 60 % of one, 2.6 % of
  another), compilation going on at that moment rather than the cost of an answer;
- with --top N, the N parkgate methods (and the N Java methods overall) with the most samples on
  the stack.
"""
import argparse
import collections
import gzip
import sys

# (layer, frame prefixes); the first match wins, so the narrower prefixes come first
LAYERS = [
    ("parkgate", ("io/parkgate/",)),
    ("Micrometer", ("io/micrometer/", "io/vertx/micrometer/")),
    ("Jackson / Vert.x JSON", ("com/fasterxml/jackson/", "io/vertx/core/json/", "io/vertx/core/impl/jackson/")),
    ("Vert.x event bus", ("io/vertx/core/eventbus/", "io/vertx/core/impl/eventbus/")),
    ("Vert.x web (routing)", ("io/vertx/ext/web/",)),
    ("Vert.x HTTP", ("io/vertx/core/http/",)),
    ("Vert.x net / core", ("io/vertx/",)),
    ("Hazelcast", ("com/hazelcast/",)),
    ("logging", ("ch/qos/logback/", "org/slf4j/")),
    ("Netty", ("io/netty/",)),
    ("JDK", ("java/", "jdk/", "sun/")),
]
KERNEL = "kernel"
JIT = "JVM: JIT compiler"
GC = "JVM: GC"
OTHER_JVM = "JVM: other (VM thread, runtime, interpreter)"


def layer_of(frame):
    if frame.endswith("_[k]"):
        return KERNEL
    for name, prefixes in LAYERS:
        if frame.startswith(prefixes):
            return name
    return None


def thread_kind(frames):
    joined = ";".join(frames[:12])
    if "CompileBroker" in joined or "C2Compiler" in joined or "Compilation::" in joined:
        return JIT
    if any(k in joined for k in ("G1", "GCTask", "ConcurrentGCThread", "WorkerThread::run", "GangWorker")):
        return GC
    return None


def read(path):
    stacks = []
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            stack, _, count = line.rpartition(" ")
            stacks.append((stack.split(";"), int(count)))
    return stacks


def analyse(stacks, top):
    total = sum(c for _, c in stacks)
    own = collections.Counter()
    incl = collections.Counter()
    methods = collections.Counter()
    java = collections.Counter()
    for frames, count in stacks:
        kind = thread_kind(frames)
        layers = [layer_of(f) for f in frames]
        if kind:
            own[kind] += count
        else:
            inner = next((l for l in reversed(layers) if l is not None), None)
            own[inner or OTHER_JVM] += count
        for l in set(l for l in layers if l):
            incl[l] += count
        if kind:
            incl[kind] += count
        for f in set(frames):
            if f.startswith("io/parkgate/"):
                methods[f] += count
            elif "/" in f and not f.endswith("_[k]"):
                java[f] += count
    return total, own, incl, methods, java


def pct(n, total):
    return f"{100.0 * n / total:5.1f} %" if total else "  -"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--per", type=float, action="append", default=[],
                    help="answers during the profile (once per file, in order)")
    args = ap.parse_args()
    for i, path in enumerate(args.files):
        total, own, incl, methods, java = analyse(read(path), args.top)
        per = args.per[i] if i < len(args.per) else None
        us = (lambda n: f" | {1000.0 * n / per:6.2f}") if per else (lambda n: "")
        print(f"## {path}: {total:,} samples" + (f", {per:,.0f} answers" if per else ""))
        print("| layer | self | inclusive |" + (" µs per answer (self) |" if per else ""))
        print("|---|---|---|" + ("---|" if per else ""))
        names = sorted(set(own) | set(incl), key=lambda n: -own.get(n, 0))
        for n in names:
            print(f"| {n} | {pct(own.get(n, 0), total)} | {pct(incl.get(n, 0), total)}{us(own.get(n, 0))} |"
                  if per else f"| {n} | {pct(own.get(n, 0), total)} | {pct(incl.get(n, 0), total)} |")
        if per:
            print(f"| **all but the JIT compiler** | {pct(total - own.get(JIT, 0), total)} | {us(total - own.get(JIT, 0))[3:]} |")
        if args.top:
            print(f"\ntop parkgate frames (inclusive):")
            for m, c in methods.most_common(args.top):
                print(f"  {pct(c, total)}  {m}")
            print(f"\ntop Java frames (inclusive):")
            for m, c in java.most_common(args.top):
                print(f"  {pct(c, total)}  {m}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
