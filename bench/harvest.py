#!/usr/bin/env python3
"""The harvest benchmark of issue 7, driven by bench/harvest: `mailboxes harvest` against
imapflow (fetch('1:*', {envelope: true})), python imaplib (header-field fetch) and Dovecot's own
`doveadm fetch`, on one private Dovecot holding 20,000 messages in INBOX and 5,000 in the
SPECIAL-USE Sent folder, in one run. Reports median wall time and peak RSS of each, and the
no-change re-run of mailboxes with its round trips; writes Markdown to --out.
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def generate(maildir, count, people, me, sent, owner):
    """Writes `count` messages into a Maildir (tmp/ then cur/), like tests/all/support/mailgen.rs."""
    for sub in ("", "tmp", "new", "cur"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
        os.chown(os.path.join(maildir, sub), *owner)
    if sent:
        marker = os.path.join(maildir, "maildirfolder")
        open(marker, "w").close()
        os.chown(marker, *owner)
    stamp = time.time_ns()

    def who(i, k):
        p = (i * 7919 + k * 104729) % people
        if p % 5 == 0:
            return f"=?UTF-8?B?SsO8cmdlbg==?= Person{p} <person{p}@example.com>"
        if p % 5 == 1:
            return f'"Last{p}, First" <first.last{p}@example.org>'
        return f"Person {p} <person{p}@example.net>"

    body = "".join(f"Line {n} of the body, just some text to make the message realistic.\r\n" for n in range(20))
    for i in range(count):
        date = f"Date: {['Mon', 'Tue', 'Wed', 'Thu', 'Fri'][i % 5]}, {1 + i % 28} Jan 2026 {i % 24:02}:{i % 60:02}:00 +0000"
        if sent:
            frm, to = f"From: Me <{me}>", f"To: {who(i, 0)}"
        else:
            frm, to = f"From: {who(i, 0)}", f"To: Me <{me}>"
        text = (
            "Return-Path: <bounce@example.com>\r\n"
            "Received: from mx.example.com by mail.example.test; Mon, 1 Jan 2026 00:00:00 +0000\r\n"
            f"{date}\r\n{frm}\r\n{to}\r\nCc: {who(i, 1)}, {who(i, 2)}\r\n"
            f"Subject: Message number {i} about the quarterly numbers\r\n"
            f"Message-ID: <{i}.{int(sent)}@bench>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
        ).encode()
        name = f"{stamp}.M{i}.bench,S={len(text)}"
        tmp = os.path.join(maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(text)
        os.chown(tmp, *owner)
        os.rename(tmp, os.path.join(maildir, "cur", name + ":2,S"))


def add_user(dovecot, login, password):
    with open(os.path.join(dovecot, "users"), "a", encoding="utf-8") as f:
        f.write(f"{login}:{{PLAIN}}{password}\n")
    time.sleep(1.1)  # Dovecot re-reads its passwd-file at most once a second


def measure(cmd, env, stdout=subprocess.DEVNULL):
    """(wall seconds, peak RSS in MB, stderr) of one run, via /usr/bin/time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        started = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", t.name, *cmd], env=env,
                              stdout=stdout, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            sys.exit(f"bench: {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
        rss_kb = int(t.read().strip().splitlines()[-1])
    return wall, rss_kb / 1024, proc.stderr


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mailboxes", required=True)
    p.add_argument("--dovecot", required=True, help="the dovecot-up DIR")
    p.add_argument("--imapflow-dir", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--inbox", type=int, default=20000)
    p.add_argument("--sent", type=int, default=5000)
    p.add_argument("--out", required=True)
    args = p.parse_args()

    env_file = dict(line.split("=", 1) for line in open(os.path.join(args.dovecot, "env")).read().split())
    port, ca = env_file["IMAPS_PORT"], env_file["CA_CERT"]
    login, password = "bench@example.test", "bench-password"
    mail = os.path.join(args.dovecot, "mail")
    st = os.stat(mail)
    owner = (st.st_uid, st.st_gid)
    home = os.path.join(mail, login)
    os.makedirs(home, exist_ok=True)
    os.chown(home, *owner)
    started = time.perf_counter()
    generate(os.path.join(home, "Maildir"), args.inbox, 2000, login, False, owner)
    generate(os.path.join(home, "Maildir", ".Gesendet"), args.sent, 2000, login, True, owner)
    print(f"bench: generated {args.inbox} + {args.sent} messages in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    add_user(args.dovecot, login, password)

    env = {
        "PATH": os.environ["PATH"], "HOME": args.work, "NO_COLOR": "1",
        "XDG_CONFIG_HOME": os.path.join(args.work, "config"),
        "XDG_STATE_HOME": os.path.join(args.work, "state"),
        "MBX_BENCH_PASSWORD": password, "IMAPFLOW_DIR": args.imapflow_dir,
    }
    subprocess.run([args.mailboxes, "add", "--label", "Bench", "--host", "localhost", "--port", port,
                    "--tls", "--user", login, "--password-stdin"], input=password + "\n", text=True,
                   env=env, check=True, stdout=subprocess.DEVNULL)
    folders = ["INBOX", "Gesendet"]
    conf = os.path.join(args.dovecot, "dovecot.conf")
    tools = {
        "mailboxes harvest": [args.mailboxes, "harvest", "Bench", "--full", "--format", "json", "--ca-cert", ca],
        "imapflow fetch envelope": ["node", os.path.join(HERE, "peers", "imapflow_harvest.cjs"), "localhost", port, login, ca, *folders],
        "imaplib header fetch": [sys.executable, os.path.join(HERE, "peers", "imaplib_harvest.py"), "localhost", port, login, ca, *folders],
        "doveadm fetch (no IMAP)": ["doveadm", "-c", conf, "fetch", "-u", login, "hdr.from hdr.to hdr.cc hdr.date",
                                    "mailbox", "INBOX", "OR", "mailbox", "Gesendet"],
    }
    # Warm up: Dovecot indexes the new mail and caches the fields each tool asks for.
    for cmd in tools.values():
        for _ in range(2):
            measure(cmd, env)
    results = {name: [] for name in tools}
    for _ in range(args.reps):
        for name, cmd in tools.items():  # interleaved, so drift hits every tool alike
            results[name].append(measure(cmd, env))
    with tempfile.TemporaryFile("w+") as out:
        wall, rss, stderr = measure(tools["mailboxes harvest"], env, stdout=out)
        out.seek(0)
        contacts = len(json.load(out))
    summary = stderr.strip().splitlines()[-1]
    # No-change re-runs: the state from the run above is current.
    rerun = [measure([args.mailboxes, "harvest", "Bench", "--format", "json", "--ca-cert", ca], env) for _ in range(args.reps)]
    rerun_rt = re.search(r"(\d+) round trips", rerun[-1][2])

    med = {name: statistics.median(r[0] for r in runs) for name, runs in results.items()}
    peak = {name: max(r[1] for r in runs) for name, runs in results.items()}
    ours = med["mailboxes harvest"]
    lines = [
        "# Harvest benchmark (issue 7)",
        "",
        f"{args.inbox:,} messages in INBOX and {args.sent:,} in the SPECIAL-USE Sent folder of a private Dovecot "
        f"({subprocess.run(['dovecot', '--version'], capture_output=True, text=True).stdout.split()[0]}) on 127.0.0.1, "
        f"implicit TLS, no added latency; {platform.machine()}, {os.cpu_count()} cores. "
        f"Median of {args.reps} interleaved runs after 2 warm-ups each; peak RSS is the largest of those runs "
        "(`/usr/bin/time %M`). Every tool reads both folders.",
        "",
        "| tool | median wall | peak RSS |",
        "|---|---:|---:|",
    ]
    for name in tools:
        lines.append(f"| {name} | {med[name] * 1000:.0f} ms | {peak[name]:.1f} MB |")
    lines.append(f"| mailboxes harvest, no change (re-run) | {statistics.median(r[0] for r in rerun) * 1000:.0f} ms | "
                 f"{max(r[1] for r in rerun):.1f} MB |")
    rt = int(rerun_rt.group(1)) if rerun_rt else None
    lines += [
        "",
        f"mailboxes found {contacts:,} contacts (`{summary}`).",
        "",
        "| target | measured | met |",
        "|---|---|---|",
        f"| wall ≤ 0.5× imapflow | {ours / med['imapflow fetch envelope']:.2f}× "
        f"({ours * 1000:.0f} ms vs {med['imapflow fetch envelope'] * 1000:.0f} ms) | "
        f"{'yes' if ours <= 0.5 * med['imapflow fetch envelope'] else 'NO'} |",
        f"| peak RSS < 30 MB | {peak['mailboxes harvest']:.1f} MB | {'yes' if peak['mailboxes harvest'] < 30 else 'NO'} |",
        f"| no-change re-run < 0.1 s + 1 round trip per folder | {statistics.median(r[0] for r in rerun) * 1000:.0f} ms, "
        f"{rt} round trips (4 to log in over TLS, then LIST + a STATUS per folder pipelined: 1 for {len(folders)} folders) | "
        f"{'yes' if statistics.median(r[0] for r in rerun) < 0.1 + 0 and rt is not None and rt <= 4 + len(folders) else 'NO'} |",
        "",
        "Reproduce: `bench/harvest` (`BENCH_REPS`, `BENCH_INBOX`, `BENCH_SENT`, `BENCH_OUT`).",
    ]
    report = "\n".join(lines) + "\n"
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(report)
    print(report)


if __name__ == "__main__":
    main()
