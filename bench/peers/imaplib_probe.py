#!/usr/bin/env python3
"""The python peer for bench/run: log in over implicit TLS with the standard library's imaplib
and log out, as a script would. Password from $MBX_BENCH_PASSWORD.

    imaplib_probe.py HOST PORT USER CA_FILE
"""
import imaplib
import os
import ssl
import sys

host, port, user, ca_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
context = ssl.create_default_context(cafile=ca_file)
client = imaplib.IMAP4_SSL(host, port, ssl_context=context)
client.login(user, os.environ["MBX_BENCH_PASSWORD"])
client.logout()
