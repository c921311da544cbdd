#!/usr/bin/env python3
"""Renders collapsed stacks (one "frame;frame;...;frame COUNT" line per stack, plain or .gz, as
async-profiler's `collapsed` output writes them) as a static, self-contained SVG flame graph: one
box per frame, as wide as its share of the samples, callers below callees; hover a box for its
frame, samples and share. No script, nothing fetched.

    bench/flamegraph.py STACKS [--title TITLE] [--min-width PX] > graph.svg
"""
import argparse
import gzip
import html
import sys

WIDTH = 1200
ROW = 16
FONT = 11


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    root = {"n": 0, "kids": {}}
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            n = int(count)
            node = root
            node["n"] += n
            for frame in stack.split(";"):
                node = node["kids"].setdefault(frame, {"n": 0, "kids": {}})
                node["n"] += n
    return root


def depth(node):
    return 1 + max((depth(k) for k in node["kids"].values()), default=0)


def colour(frame):
    # by layer, roughly: kernel, JVM/native, Java; a stable shade from the name
    h = sum(frame.encode()) % 40
    if frame.endswith("_[k]") or "[k]" in frame:
        return f"rgb({200 + h // 2},{120 + h},{60})"
    if "/" not in frame and "." not in frame:
        return f"rgb({210 + h // 2},{90 + h},{90 + h})"
    return f"rgb({60 + h},{160 + h},{60 + h})"


def render(root, title, min_px):
    rows = depth(root)
    height = (rows + 2) * ROW + 30
    total = max(1, root["n"])
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'font-family="monospace" font-size="{FONT}">',
           f'<rect width="100%" height="100%" fill="#fdfdf6"/>',
           f'<text x="{WIDTH // 2}" y="18" text-anchor="middle" font-size="14">{html.escape(title)}'
           f' ({total:,} samples)</text>']

    def box(name, node, x, level):
        w = node["n"] / total * WIDTH
        if w < min_px:
            return
        y = height - (level + 1) * ROW - 4
        label = html.escape(name)
        share = node["n"] / total * 100
        out.append(f'<g><title>{label} — {node["n"]:,} samples, {share:.2f} %</title>'
                   f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{ROW - 1}" fill="{colour(name)}"/>')
        chars = int((w - 4) / (FONT * 0.6))
        if chars >= 3:
            text = name if len(name) <= chars else name[:chars - 2] + ".."
            out.append(f'<text x="{x + 2:.2f}" y="{y + ROW - 4}">{html.escape(text)}</text>')
        out.append('</g>')
        cx = x
        for kid_name, kid in sorted(node["kids"].items()):
            box(kid_name, kid, cx, level + 1)
            cx += kid["n"] / total * WIDTH

    box("all", root, 0, 0)
    out.append('</svg>')
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("stacks")
    p.add_argument("--title", default="")
    p.add_argument("--min-width", type=float, default=0.3, help="boxes narrower than this many pixels are left out")
    a = p.parse_args()
    sys.stdout.write(render(read(a.stacks), a.title or a.stacks, a.min_width))


if __name__ == "__main__":
    main()
