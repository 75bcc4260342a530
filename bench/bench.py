#!/usr/bin/env python3
"""The measuring half of bench/run (which builds, installs, starts Dovecot and the latency
proxies, and cleans up): runs every command side by side, interleaved rep by rep so machine
noise hits all tools alike, and writes the markdown report.

Per command: whole-process wall time (perf_counter around fork/exec/wait; median of --reps
runs), the round trips the proxy counted for its connection(s), and peak RSS as GNU time
(`/usr/bin/time -v`, "Maximum resident set size") reports it for one extra run. Ratios are
computed from numbers measured in this same run. Standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

PASSWORD = "correct horse battery staple"  # alice's, from scripts/dovecot-up
USER = "alice"


def log(message):
    print(message, file=sys.stderr, flush=True)


class Proxy:
    """One latency proxy: its port and its report file of finished connections."""

    def __init__(self, port, report):
        self.port = port
        self.report = report
        self.seen = 0

    def _lines(self):
        try:
            with open(self.report, encoding="utf-8") as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def take(self, count, limit=10.0):
        """The next `count` finished connections (waits for them)."""
        deadline = time.monotonic() + limit
        while True:
            lines = self._lines()
            if len(lines) >= self.seen + count:
                new = lines[self.seen : self.seen + count]
                self.seen += count
                return new
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"bench: expected {count} connection(s) through proxy :{self.port}, "
                    f"saw {len(lines) - self.seen}"
                )
            time.sleep(0.01)


def run_once(argv, env, stdin=None):
    """(wall seconds, peak RSS KiB from wait4, stdout, CPU seconds) of one run; exits on
    failure."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        if stdin is not None:
            proc.stdin.write(stdin.encode())
            proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        if proc.returncode != 0:
            raise SystemExit(
                f"bench: {' '.join(argv)} exited with {proc.returncode}\n"
                f"stdout: {stdout}\nstderr: {err.read().decode(errors='replace')}"
            )
        return wall, usage.ru_maxrss, stdout, usage.ru_utime + usage.ru_stime


def gnu_time_rss(argv, env):
    """Peak RSS in KiB as `/usr/bin/time -v` reports it for one run of argv."""
    with tempfile.NamedTemporaryFile(mode="r") as report:
        subprocess.run(
            ["/usr/bin/time", "-v", "-o", report.name, *argv],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        text = report.read()
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if not found:
        raise SystemExit(f"bench: no peak RSS in /usr/bin/time -v output:\n{text}")
    return int(found.group(1))


def median_ms(values):
    return statistics.median(values) * 1000.0


def fmt_ms(ms):
    return f"{ms:.0f} ms" if ms >= 20 else f"{ms:.1f} ms"


def fmt_mb(kib):
    return f"{kib / 1024:.1f} MB"


def counts(values):
    """"4" when constant, "4–5" when not."""
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


def version(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, check=False)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError):
        return "?"


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return cpu


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mailboxes", required=True, help="the release binary")
    p.add_argument("--ca-cert", required=True)
    p.add_argument("--imaps-port", type=int, required=True, help="Dovecot, implicit TLS")
    p.add_argument("--imap-port", type=int, required=True, help="Dovecot, STARTTLS")
    p.add_argument("--proxy-tls", required=True, help="PORT:REPORT of the proxy in front of IMAPS")
    p.add_argument("--proxy-starttls", required=True, help="PORT:REPORT of the proxy in front of IMAP")
    p.add_argument("--rtt-ms", type=float, required=True)
    p.add_argument("--imapflow-dir", required=True)
    p.add_argument("--work", required=True, help="a scratch dir (XDG dirs of the stores)")
    p.add_argument("--reps", type=int, default=9)
    p.add_argument("--sizes", default="1,10,50", help="test --all sizes")
    p.add_argument("--out", help="write the report here too")
    p.add_argument("--supabase", default="", help="list request counts, measured elsewhere (text)")
    args = p.parse_args()

    def proxy(spec):
        port, report = spec.split(":", 1)
        return Proxy(int(port), report)

    tls_proxy, starttls_proxy = proxy(args.proxy_tls), proxy(args.proxy_starttls)
    here = os.path.dirname(os.path.abspath(__file__))
    base_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.path.join(args.work, "home"),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "MBX_BENCH_PASSWORD": PASSWORD,
        "IMAPFLOW_DIR": args.imapflow_dir,
    }
    os.makedirs(base_env["HOME"], exist_ok=True)

    def env_with(**extra):
        env = dict(base_env)
        env.update(extra)
        return env

    adhoc_env = env_with(XDG_CONFIG_HOME=os.path.join(args.work, "adhoc-config"))
    load_before = os.getloadavg()

    # --- one login over implicit TLS, side by side -------------------------------------------
    def mailboxes(port, security):
        return [args.mailboxes, "test", "--host", "127.0.0.1", "--port", str(port), security,
                "--user", USER, "--password-env", "MBX_BENCH_PASSWORD", "--ca-cert", args.ca_cert,
                "--json"]

    def peers(port):
        return {
            "curl": ["curl", "-sS", "--cacert", args.ca_cert, "-u", f"{USER}:{PASSWORD}",
                     "-X", "NOOP", f"imaps://127.0.0.1:{port}/"],
            "imaplib": [sys.executable, os.path.join(here, "peers", "imaplib_probe.py"),
                        "127.0.0.1", str(port), USER, args.ca_cert],
            "imapflow": ["node", os.path.join(here, "peers", "imapflow_probe.cjs"),
                         "127.0.0.1", str(port), USER, args.ca_cert],
        }

    tools = ["mailboxes", "mailboxes STARTTLS", "curl", "imaplib", "imapflow"]

    def commands(tls_port, starttls_port):
        cmds = {"mailboxes": mailboxes(tls_port, "--tls"),
                "mailboxes STARTTLS": mailboxes(starttls_port, "--starttls")}
        cmds.update(peers(tls_port))
        return cmds

    proxied = commands(tls_proxy.port, starttls_proxy.port)
    direct = commands(args.imaps_port, args.imap_port)
    via = {t: (starttls_proxy if "STARTTLS" in t else tls_proxy) for t in tools}

    wall = {t: [] for t in tools}
    cpu = {t: [] for t in tools}
    wall0 = {t: [] for t in tools}
    trips = {t: [] for t in tools}
    waited_after_logout = {t: [] for t in tools}
    for t in tools:  # warm-up: page cache, Dovecot's login processes
        run_once(direct[t], adhoc_env)
    log(f"bench: single login, {args.reps} reps x {len(tools)} tools, at {args.rtt_ms:g} ms RTT and direct")
    for rep in range(args.reps):
        for t in tools:
            w, _, _, c = run_once(proxied[t], adhoc_env)
            wall[t].append(w)
            cpu[t].append(c)
            (conn,) = via[t].take(1)
            trips[t].append(conn["round_trips"])
            waited_after_logout[t].append(conn["server_bytes_after_client_eof"] == 0)
            w0 = run_once(direct[t], adhoc_env)[0]
            wall0[t].append(w0)
        log(f"bench:   rep {rep + 1}/{args.reps}")
    rss = {}
    for t in tools:
        rss[t] = gnu_time_rss(proxied[t], adhoc_env)
        via[t].take(1)

    # --- test --all over 1, 10, 50 stored mailboxes ------------------------------------------
    sizes = [int(n) for n in args.sizes.split(",")]
    all_wall, all_cpu, all_direct, all_nosave, all_trips, all_conns = {}, {}, {}, {}, {}, {}
    stores, direct_stores = {}, {}

    # One account per mailbox (scripts/dovecot-up's bench-01 … bench-50), as a user's many
    # mailboxes are: `test --all` opens at most 4 connections per account at once (issue 15).
    def store(name, n, port):
        env = env_with(XDG_CONFIG_HOME=os.path.join(args.work, name))
        for i in range(n):
            run_once([args.mailboxes, "add", "--label", f"bench-{i + 1:02}", "--host", "127.0.0.1",
                      "--port", str(port), "--tls", "--user", f"bench-{i + 1:02}",
                      "--password-stdin"],
                     env, stdin=f"bench-password-{i + 1:02}\n")
        return env

    for n in sizes:
        stores[n] = store(f"store-{n}", n, tls_proxy.port)
        direct_stores[n] = store(f"direct-{n}", n, args.imaps_port)
        all_wall[n], all_cpu[n], all_direct[n], all_nosave[n], all_trips[n], all_conns[n] = [], [], [], [], [], []
    test_all = [args.mailboxes, "test", "--all", "--json", "--ca-cert", args.ca_cert]
    log(f"bench: test --all with {sizes} mailboxes, {args.reps} reps")
    def all_ok(n, out):
        results = json.loads(out)
        bad = [r for r in results if not r.get("ok")]
        if len(results) != n or bad:
            raise SystemExit(f"bench: test --all of {n}: {len(results)} results, failed: {bad}")

    for rep in range(args.reps):
        for n in sizes:
            w, _, out, c = run_once(test_all, stores[n])
            all_ok(n, out)
            conns = tls_proxy.take(n)
            all_wall[n].append(w)
            all_cpu[n].append(c)
            all_trips[n].append(max(c["round_trips"] for c in conns))
            all_conns[n].append(len(conns))
            w, _, out, _ = run_once(test_all, direct_stores[n])
            all_ok(n, out)
            all_direct[n].append(w)
            w, _, out, _ = run_once(test_all + ["--no-save"], stores[n])
            all_ok(n, out)
            tls_proxy.take(n)
            all_nosave[n].append(w)
    all_gnu_rss = {}
    for n in sizes:
        all_gnu_rss[n] = gnu_time_rss(test_all, stores[n])
        tls_proxy.take(n)

    # --- start-up ------------------------------------------------------------------------------
    startup_reps = max(args.reps * 3, 15)
    list_env = stores[10] if 10 in stores else stores[sizes[-1]]
    listed = len(json.loads(run_once([args.mailboxes, "list", "--json"], list_env)[2]))
    startup_cmds = {
        "mailboxes --help": ([args.mailboxes, "--help"], adhoc_env),
        f"mailboxes list (local, {listed} mailboxes)": ([args.mailboxes, "list"], list_env),
        f"mailboxes list --json (local, {listed} mailboxes)": ([args.mailboxes, "list", "--json"], list_env),
    }
    startup = {k: [] for k in startup_cmds}
    startup_rss = {}
    log(f"bench: start-up, {startup_reps} reps")
    for _ in range(startup_reps):
        for k, (argv, env) in startup_cmds.items():
            startup[k].append(run_once(argv, env)[0])
    for k, (argv, env) in startup_cmds.items():
        startup_rss[k] = gnu_time_rss(argv, env)
    load_after = os.getloadavg()

    # --- report --------------------------------------------------------------------------------
    med = {t: median_ms(wall[t]) for t in tools}
    med0 = {t: median_ms(wall0[t]) for t in tools}
    rt = {t: counts(trips[t]) for t in tools}
    derived = {t: (med[t] - med0[t]) / args.rtt_ms for t in tools}
    ours = med["mailboxes"]
    lines = []
    add = lines.append
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    commit = version(["git", "-C", os.path.dirname(here), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", os.path.dirname(here), "status", "--porcelain", "--", "src"],
                           capture_output=True, text=True).stdout.strip()
    add("# Benchmark results")
    add("")
    add(f"Made by `bench/run` on {now}.")
    add("")
    add(f"- Machine: {os.cpu_count()} CPUs (`nproc`), {machine()}, {platform.system()} {platform.release()}; "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after (a shared machine: "
        "other work ran alongside)")
    add(f"- mailboxes: release build of commit {commit}{' + uncommitted changes in src/' if dirty else ''}; "
        f"{' '.join(version(['curl', '--version']).split()[:2])}; Python {platform.python_version()} imaplib; "
        f"node {version(['node', '--version'])} + imapflow {imapflow_version(args.imapflow_dir)}; "
        f"Dovecot {version(['dovecot', '--version'])}")
    add(f"- Network: the test Dovecot on 127.0.0.1 behind `examples/latency_proxy.rs` at {args.rtt_ms:g} ms RTT "
        f"({args.rtt_ms / 2:g} ms each way per chunk, TCP handshake emulated); \"direct\" = straight to "
        "Dovecot (loopback)")
    add(f"- Wall time: whole process, median of {args.reps} runs, tools interleaved run by run; "
        "peak RSS: `/usr/bin/time -v` \"Maximum resident set size\" of one more run")
    add("- Round trips: counted by the proxy per connection = 1 (TCP handshake) + request/response "
        "turns (the server's bytes followed the client's while the client was still open); "
        "\"from time\" = (median at RTT − median direct) / RTT, a cross-check")
    add("")
    add(f"## One login over implicit TLS (connect, TLS, LOGIN, LOGOUT) at {args.rtt_ms:g} ms RTT")
    add("")
    add("| tool | wall (median) | wall (min) | wall direct | CPU (user+sys) | round trips (proxy) | from time | waits for LOGOUT's answer | peak RSS | mailboxes / tool |")
    add("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    for t in tools:
        ratio = "—" if t.startswith("mailboxes") else f"**{ours / med[t]:.2f}×**"
        waits = "yes" if all(waited_after_logout[t]) else ("no" if not any(waited_after_logout[t]) else "sometimes")
        label = f"`{t}`" if t.startswith("mailboxes") else t
        add(f"| {label} | {fmt_ms(med[t])} | {fmt_ms(min(wall[t]) * 1000)} | {fmt_ms(med0[t])} | {fmt_ms(median_ms(cpu[t]))} | {rt[t]} | {derived[t]:.1f} | {waits} | "
            f"{fmt_mb(rss[t])} | {ratio} |")
    add("")
    add(f"Commands: `mailboxes test --host 127.0.0.1 --port P --tls|--starttls --user alice --password-env VAR "
        f"--ca-cert CA --json`; `curl -sS --cacert CA -u alice:… -X NOOP imaps://127.0.0.1:P/`; "
        "`bench/peers/imaplib_probe.py`; `bench/peers/imapflow_probe.cjs` (connect + logout). "
        "`mailboxes STARTTLS` talks to Dovecot's STARTTLS port; the others use implicit TLS.")
    add("")
    add(f"## `mailboxes test --all` (default `--jobs`), every mailbox through the proxy at {args.rtt_ms:g} ms RTT")
    add("")
    add("| stored mailboxes | wall (median) | × one mailbox | CPU of mailboxes (user+sys) | wall with `--no-save` | wall direct (no added latency) | connections per run | max round trips per connection | peak RSS |")
    add("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    one = median_ms(all_wall[sizes[0]])
    for n in sizes:
        m = median_ms(all_wall[n])
        add(f"| {n} | {fmt_ms(m)} | {m / one:.2f}× | {fmt_ms(median_ms(all_cpu[n]))} | "
            f"{fmt_ms(median_ms(all_nosave[n]))} | {fmt_ms(median_ms(all_direct[n]))} | {counts(all_conns[n])} | {counts(all_trips[n])} | "
            f"{fmt_mb(all_gnu_rss[n])} |")
    add("")
    add("`test --all --json --ca-cert CA` records each result in the local store, as by default; `--no-save` "
        "skips that. \"Direct\" = the same number of mailboxes pointing straight at Dovecot. Dovecot runs on the "
        "same machine and spends CPU on every login too. Each mailbox is its own account (bench-01 … bench-50): "
        "mailboxes of one account are tested at most 4 at a time (issue 15), so 50 of one account take ~13 "
        "login times by design.")
    add("")
    add(f"## Start-up (no network; median of {startup_reps} runs)")
    add("")
    add("| command | wall (median) | min | peak RSS |")
    add("|---|---:|---:|---:|")
    for k in startup_cmds:
        add(f"| `{k}` | {fmt_ms(median_ms(startup[k]))} | {fmt_ms(min(startup[k]) * 1000)} | {fmt_mb(startup_rss[k])} |")
    add("")
    add("## `list` against Supabase")
    add("")
    add(args.supabase or "TODO: not measured in this run (see bench/run).")
    add("")
    add("## Targets (issue 5)")
    add("")
    add("| target | measured | met |")
    add("|---|---|:---:|")

    def target(name, measured, ok):
        add(f"| {name} | {measured} | {'yes' if ok else '**no**'} |")

    target("implicit TLS: ≤ 4 round trips", f"{rt['mailboxes']}", max(trips["mailboxes"]) <= 4)
    target("STARTTLS: ≤ 6 round trips", f"{rt['mailboxes STARTTLS']}", max(trips["mailboxes STARTTLS"]) <= 6)
    target("LOGOUT not waited for", "yes" if not any(waited_after_logout["mailboxes"]) else "no",
           not any(waited_after_logout["mailboxes"]))
    target(f"wall ≤ 0.6× curl at {args.rtt_ms:g} ms RTT", f"{ours / med['curl']:.2f}× ({fmt_ms(ours)} vs {fmt_ms(med['curl'])})",
           ours <= 0.6 * med["curl"])
    target(f"wall ≤ 0.4× imapflow at {args.rtt_ms:g} ms RTT",
           f"{ours / med['imapflow']:.2f}× ({fmt_ms(ours)} vs {fmt_ms(med['imapflow'])})", ours <= 0.4 * med["imapflow"])
    if 50 in all_wall:
        r50 = median_ms(all_wall[50]) / one
        target("`test --all` of 50 ≤ 1.5× one",
               f"{r50:.2f}× ({fmt_ms(median_ms(all_wall[50]))} vs {fmt_ms(one)}; with `--no-save`: "
               f"{fmt_ms(median_ms(all_nosave[50]))}; without added latency: {fmt_ms(median_ms(all_direct[50]))})",
               r50 <= 1.5)
        target("peak RSS of `test --all` on 50 < 30 MB", fmt_mb(all_gnu_rss[50]), all_gnu_rss[50] < 30 * 1024)
    for k in startup_cmds:
        if "--json" in k:
            continue
        m = median_ms(startup[k])
        target(f"`{k}` < 10 ms", fmt_ms(m), m < 10)
    measured = args.supabase.split(" (counted")[0] if args.supabase else "TODO: not measured"
    target("`list` against Supabase: 1 HTTP request, 1 connection", measured,
           args.supabase.startswith("1 HTTP request over 1 connection"))
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(args.out + ".tmp", args.out)
        log(f"bench: wrote {args.out}")


def imapflow_version(prefix):
    try:
        with open(os.path.join(prefix, "node_modules", "imapflow", "package.json"), encoding="utf-8") as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return "?"


if __name__ == "__main__":
    main()
