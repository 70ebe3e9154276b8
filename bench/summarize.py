#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The table of bench/run.sh: medians per issuer, ratios authd/peer, and the targets of issue 3.

    bench/summarize.py [--meta meta.txt] results.jsonl [more.jsonl ...]

Every figure is the median over the runs (min-max in the detail table); throughput ratios are
authd / peer (higher is better for authd), and for start-up and memory authd / peer as well
(lower is better for authd there).
"""
import argparse
import json
import statistics
from collections import defaultdict

PEERS = ["oidc-provider", "glewlwyd"]


def load(paths):
    rows = []
    for p in paths:
        with open(p) as f:
            rows += [json.loads(line) for line in f if line.strip()]
    return rows


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=0):
    if v is None:
        return "—"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--meta")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    rows = load(a.files)
    by = defaultdict(list)  # (issuer, metric) -> rows
    for r in rows:
        by[(r["issuer"], r["metric"])].append(r)
    issuers = []
    for r in rows:
        if r["issuer"] not in issuers:
            issuers.append(r["issuer"])
    others = [i for i in issuers if i != "authd"]

    def m(issuer, metric, field, where=None):
        rs = [r for r in by.get((issuer, metric), []) if where is None or where(r)]
        return med([r.get(field) for r in rs])

    lines = []
    if a.meta:
        lines += ["```", open(a.meta).read().rstrip(), "```", ""]
    loads = [r["load1"] for r in rows if "load1" in r]
    if loads:
        lines.append(f"Load average (1 min) during the measurements: median {statistics.median(loads):.2f}, "
                     f"min {min(loads):.2f}, max {max(loads):.2f}. It counts the benchmark's own busy "
                     "threads too (32 connections keep dozens runnable).")
    tenants = [r["others_cpu_s"] / r["seconds"] for r in rows if r.get("others_cpu_s") is not None and r.get("seconds")]
    if tenants:
        lines.append(f"CPU used by everything but the server and wrk during the wrk runs (other tenants): "
                     f"median {statistics.median(tenants):.2f} cores, max {max(tenants):.2f} of 2; near 0 the "
                     "figures are clean, above ~0.2 they are depressed by that share (per issuer in the detail table).")
    if loads or tenants:
        lines.append("")

    # --- the summary table
    head = ["metric (median)"] + issuers + [f"authd/{p}" for p in others if "authd" in issuers] + ["target", "met?"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 3) + ["---", ":-:"]) + "|")

    def ratio(a_, b_):
        return a_ / b_ if a_ is not None and b_ not in (None, 0) else None

    def row(label, values, digits=0, target="", met=None, suffix=None):
        cells = [label]
        for i in issuers:
            v = values.get(i)
            s = fmt(v, digits)
            if suffix and suffix.get(i) is not None:
                s += f" ({suffix[i]})"
            cells.append(s)
        if "authd" in issuers:
            for p in others:
                r = ratio(values.get("authd"), values.get(p))
                cells.append(f"{r:.2f}×" if r is not None else "—")
        cells += [target, "" if met is None else ("yes" if met else "**no**")]
        lines.append("| " + " | ".join(cells) + " |")

    def val(metric, field):
        return {i: m(i, metric, field) for i in issuers}

    startup = val("startup", "ready_ms")
    a_st = startup.get("authd")
    row("start-up → first 200 on discovery (ms)", startup, 1, "authd ≤ 10 ms",
        None if a_st is None else a_st <= 10)
    idle = {i: (v / 1024 if v is not None else None) for i, v in val("startup", "idle_rss_kib").items()}
    row("idle RSS 3 s after ready (MiB)", idle, 1, "authd ≤ 12 MiB",
        None if idle.get("authd") is None else idle["authd"] <= 12)
    # Under load before any sign-in (Argon2id takes 64 MiB per verification in flight), and at
    # the end of everything.
    def last_rss(issuer, afters):
        rs = [r for r in by.get((issuer, "rss"), []) if r.get("after") in afters]
        return rs[-1] if rs else None
    early = {i: last_rss(i, ("discovery", "jwks", "cc")) for i in issuers}
    final = {i: (by.get((i, "rss")) or [None])[-1] for i in issuers}
    v = {i: (early[i]["hwm_kib"] / 1024 if early[i] else None) for i in issuers}
    if any(x is not None for x in v.values()):
        row("VmHWM after discovery, JWKS, client_credentials (MiB)", v, 1)
    v = {i: (final[i]["rss_kib"] / 1024 if final[i] else None) for i in issuers}
    if any(x is not None for x in v.values()):
        row("VmRSS at the end (MiB)", v, 1, "", None,
            {i: (f"VmHWM {final[i]['hwm_kib'] / 1024:.0f}" if final[i] else None) for i in issuers})

    def p99s(metric):
        return {i: (f"p99 {m(i, metric, 'p99_ms'):.2f} ms" if m(i, metric, "p99_ms") is not None else None) for i in issuers}

    targets = [
        ("discovery", "GET discovery (req/s)", "glewlwyd", 1.2, 3.0),
        ("jwks", "GET JWKS (req/s)", "glewlwyd", 1.2, 3.0),
        ("client_credentials", "POST token client_credentials (req/s)", "oidc-provider", 2.0, 3.0),
        ("userinfo", "GET userinfo (req/s)", "oidc-provider", 2.0, 3.0),
        ("introspection", "POST introspection (req/s)", "oidc-provider", 2.0, 3.0),
        ("refresh", "POST token refresh_token, rotation (req/s)", "oidc-provider", 2.0, 10.0),
    ]
    for metric, label, peer, factor, p99_max in targets:
        v = val(metric, "rps")
        if all(x is None for x in v.values()):
            continue
        a_v, p_v, a_p99 = v.get("authd"), v.get(peer), m("authd", metric, "p99_ms")
        met = None
        if a_v is not None and p_v is not None and a_p99 is not None:
            met = a_v >= factor * p_v and a_p99 < p99_max
        row(label, v, 0, f"≥ {factor}× {peer}, p99 < {p99_max:g} ms", met, p99s(metric))

    flows = val("flows", "per_second")
    if any(x is not None for x in flows.values()):
        bound = m("authd", "argon2", "bound_flows_per_second")
        a_f = flows.get("authd")
        met = None if a_f is None or bound is None else a_f >= 0.85 * bound
        row("complete flows/s, configured hashing", flows, 1,
            f"authd ≥ 85% of the Argon2id bound ({fmt(bound, 1)}/s)", met,
            {i: (f"{m(i, 'flows', 'concurrency'):.0f} in flight, p50 {m(i, 'flows', 'p50_ms'):.0f} ms"
                 if m(i, "flows", "p50_ms") is not None else None) for i in issuers})
    cheap = {i: m(i, "flows_cheap", "per_second") for i in issuers}
    if cheap.get("authd") is not None:
        cheap_row = dict(cheap)
        for p in others:  # the peers ran once, as set up (oidc-provider's devInteractions never hash)
            cheap_row[p] = flows.get(p)
        op = flows.get("oidc-provider")
        row("complete flows/s, authd at its cheapest hashing", cheap_row, 1, "≥ 2× oidc-provider",
            None if op is None else cheap["authd"] >= 2 * op)
    lines.append("")

    # --- server CPU per request: robust against a busy machine, unlike req/s
    cpu_metrics = [("discovery", "discovery"), ("jwks", "JWKS"), ("client_credentials", "client_credentials"),
                   ("userinfo", "userinfo"), ("introspection", "introspection"), ("refresh", "refresh"),
                   ("flows", "one complete flow"), ("flows_cheap", "one complete flow, cheapest hashing")]
    cpu_rows = []
    for metric, label in cpu_metrics:
        v = {i: m(i, metric, "cpu_us_per_req") for i in issuers}
        if any(x is not None for x in v.values()):
            cpu_rows.append((label, v))
    if cpu_rows:
        lines.append("Server CPU time per answered request (user + system, all threads, µs; median of runs; "
                     "lower is better; peer/authd = how many times more CPU the peer spends):")
        lines.append("")
        head2 = ["request"] + issuers + [f"{p}/authd" for p in others if "authd" in issuers]
        lines.append("| " + " | ".join(head2) + " |")
        lines.append("|" + "|".join(["---"] + ["---:"] * (len(head2) - 1)) + "|")
        for label, v in cpu_rows:
            cells = [label] + [fmt(v.get(i), 0) for i in issuers]
            if "authd" in issuers:
                for p in others:
                    r = ratio(v.get(p), v.get("authd"))
                    cells.append(f"{r:.2f}×" if r is not None else "—")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")

    # --- Argon2id bound
    for metric, label in (("argon2", "configured"), ("argon2_cheap", "cheapest")):
        rs = by.get(("authd", metric))
        if not rs:
            continue
        r = rs[-1]
        f = m("authd", "flows" if metric == "argon2" else "flows_cheap", "per_second")
        lines.append(
            f"- Argon2id {label} (t={r['t_cost']}, m={r['m_cost_kib']} KiB): one verification "
            f"{r['single_ms']:.2f} ms alone; {r['threads']} at once: {r['parallel_per_second']:.1f}/s. "
            f"Bound = cores / hash time = {r['bound_flows_per_second']:.1f} flows/s"
            + (f"; measured {f:.1f} flows/s = {100 * f / r['bound_flows_per_second']:.0f}% of the bound"
               f" ({100 * f / r['parallel_per_second']:.0f}% of the measured parallel hash rate)." if f else "."))
    # refresh bookkeeping
    for i in issuers:
        rs = by.get((i, "refresh"))
        if rs:
            lines.append(f"- {i} refresh: rotated {sum(r.get('rotated', 0) for r in rs):,}, reused (no rotation) "
                         f"{sum(r.get('reused', 0) for r in rs):,}, failed {sum(r.get('lost', 0) for r in rs):,} over {len(rs)} runs.")
    lines.append("")

    # --- detail
    lines.append("Detail (median [min–max] over runs; p50/p99 in ms; errors = non-2xx + socket errors summed):")
    lines.append("")
    lines.append("| issuer | metric | req/s | p50 | p99 | errors | load1 | others' CPU s |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for (issuer, metric), rs in by.items():
        if metric in ("startup", "rss", "argon2", "argon2_cheap"):
            continue
        key = "rps" if "rps" in rs[0] else "per_second"
        vals = [r[key] for r in rs]
        errs = sum(r.get("non2xx3xx", 0) + r.get("socket_errors", 0) + r.get("errors", 0) for r in rs)
        lines.append(f"| {issuer} | {metric} | {fmt(med(vals))} [{fmt(min(vals))}–{fmt(max(vals))}] | "
                     f"{med([r.get('p50_ms') for r in rs]):.2f} | {med([r.get('p99_ms') for r in rs]):.2f} | {errs} | "
                     f"{med([r.get('load1') for r in rs]):.2f} | {fmt(med([r.get('others_cpu_s') for r in rs]), 1)} |")
    for issuer in issuers:
        rs = by.get((issuer, "startup"))
        if rs:
            lines.append(f"| {issuer} | startup ms / idle RSS KiB | "
                         f"{', '.join(fmt(r['ready_ms'], 1) for r in rs)} | | | | "
                         f"{med([r['load1'] for r in rs]):.2f} |")
            lines.append(f"| {issuer} | idle RSS KiB (runs) | {', '.join(str(r['idle_rss_kib']) for r in rs)} | | | | |")
        for r in by.get((issuer, "rss"), []):
            lines.append(f"| {issuer} | RSS after {r['after']} | VmRSS {r['rss_kib']} KiB, VmHWM {r['hwm_kib']} KiB, "
                         f"{r['threads']} threads | | | | {r['load1']:.2f} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
