"""The report of benches/run: each SPEC §7 budget with what was measured against it.

Reads the lines benches/run recorded: `LABEL requests seconds p50_us p99_us non_2xx errors
bytes` for each wrk run, `pgbench-… tps` and single figures (`rss_idle KiB`, …). Prints a
Markdown table; exits non-zero when a run had failed requests (a broken harness), never
because a budget is missed (that is for people to read and act on).
"""

import sys

path, tokens, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runs, figures = {}, {}
for line in open(path):
    label, *values = line.split()
    if len(values) == 7:
        requests, seconds, p50, p99, bad, errors, size = values
        runs[label] = {
            "rps": int(requests) / float(seconds),
            "p50": int(p50) / 1000,
            "p99": int(p99) / 1000,
            "bad": int(bad) + int(errors),
            "requests": int(requests),
        }
    else:
        figures[label] = float(values[0]) if values else 0.0

# A set-up link that does not exist is answered with its error page, on purpose.
broken = [
    label for label, run in runs.items() if (run["bad"] and not label.startswith("setup-page")) or not run["requests"]
]
rows = []


def row(measure, figure, budget, met):
    rows.append((measure, figure, budget, "yes" if met else "**no**"))


def rps(label):
    return runs[label]["rps"]


for connections in (1, 16, 64):
    healthz = rps(f"healthz@{connections}")
    for endpoint in ("token-info", "location"):
        run = runs[f"{endpoint}@{connections}"]
        ratio = run["rps"] / healthz
        budget = "≥ 0.85 (floor 0.80)" if connections == 16 else "—"
        row(
            f"warm `{endpoint}` / `/healthz`, {connections} conn.",
            f"{ratio:.2f} ({run['rps']:,.0f} vs {healthz:,.0f} req/s; p50 {run['p50']:.2f} ms, p99 {run['p99']:.2f} ms)",
            budget,
            ratio >= 0.85 or connections != 16,
        )
for sslmode in ("disable", "prefer"):
    cold, pgbench = rps(f"cold-{sslmode}@16"), figures[f"pgbench-{sslmode}@16"]
    row(
        f"cold `token-info` / `pgbench -S`, 16 clients, sslmode={sslmode}",
        f"{cold / pgbench:.2f} ({cold:,.0f} req/s vs {pgbench:,.0f} tps)",
        "≥ 0.6",
        cold / pgbench >= 0.6,
    )
small, large = runs["verify-1k@1"]["p50"], runs["verify-many@1"]["p50"]
row(
    f"cold verification median, {tokens:,} / 1,000 tokens",
    f"{large / small:.2f} ({large:.3f} ms vs {small:.3f} ms)",
    "≤ 1.15",
    large / small <= 1.15,
)
page, plain = runs["list-page@1"], runs["list-page-uncompressed@1"]
row(
    "list page (200 integrations), server time, gzip",
    f"p50 {figures['server_gzip_p50']:.2f} ms, p99 {figures['server_gzip_p99']:.2f} ms"
    f" (at the client: p50 {page['p50']:.2f} ms, p99 {page['p99']:.2f} ms)",
    "p50 ≤ 2 ms",
    figures["server_gzip_p50"] <= 2,
)
row(
    "list page, server time, uncompressed",
    f"p50 {figures['server_plain_p50']:.2f} ms, p99 {figures['server_plain_p99']:.2f} ms"
    f" (at the client: p50 {plain['p50']:.2f} ms, p99 {plain['p99']:.2f} ms)",
    "—",
    True,
)
many = runs["list-page-many@1"]
row(
    f"list page, server time, gzip, with {tokens:,} tokens in the table",
    f"p50 {figures['server_many_p50']:.2f} ms, p99 {figures['server_many_p99']:.2f} ms"
    f" (at the client: p50 {many['p50']:.2f} ms, p99 {many['p99']:.2f} ms)",
    "p50 ≤ 2 ms",
    figures["server_many_p50"] <= 2,
)
wire, identity = figures["list_bytes_wire"], figures["list_bytes_identity"]
row("list page on the wire", f"{wire / 1024:.1f} KB ({identity / 1024:.0f} KB uncompressed)", "≤ 30 KB", wire <= 30 * 1024)
alone, during = runs["page-alone@4"]["p99"], runs["page-during-sign-ins@4"]["p99"]
row(
    "page p99 during 8 parallel sign-ins / alone",
    f"{during / alone:.2f} ({during:.2f} ms vs {alone:.2f} ms; {rps('sign-ins@8'):.1f} sign-ins/s)",
    "≤ 1.5",
    during / alone <= 1.5,
)
row("resident memory, idle", f"{figures['rss_idle'] / 1024:.1f} MB", "≤ 25 MB", figures["rss_idle"] <= 25 * 1024)
row("resident memory, under load (peak sampled)", f"{figures['rss_load'] / 1024:.1f} MB", "—", True)
anonymous = sum(runs[label]["requests"] for label in ("sign-in-page@16", "setup-page@16", "asset@16"))
row(
    "anonymous pages: sign-in / set-up link / asset, 16 conn.",
    " / ".join(f"{rps(label):,.0f}" for label in ("sign-in-page@16", "setup-page@16", "asset@16"))
    + f" req/s; {figures['anonymous_rows']:.0f} rows written in {anonymous:,} requests",
    "0 writes",
    figures["anonymous_rows"] == 0,
)

print(f"\n## benches/run ({mode})\n")
print("| measure | measured | budget | met |")
print("| --- | --- | --- | --- |")
for measure, figure, budget, met in rows:
    print(f"| {measure} | {figure} | {budget} | {met} |")
if broken:
    print(f"\nRuns with failed requests (the harness is broken): {', '.join(broken)}", file=sys.stderr)
    sys.exit(1)
