"""The python peer of bench/harvest: a header-field harvest with the standard library's
imaplib: UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (FROM TO CC DATE)]) over INBOX and the Sent
folder, every address parsed with email.utils.getaddresses into a dict.
Password from $MBX_BENCH_PASSWORD.

    python3 imaplib_harvest.py HOST PORT USER CA_FILE FOLDER...
"""
import email.utils
import imaplib
import os
import ssl
import sys

host, port, user, ca_file, *folders = sys.argv[1:]
context = ssl.create_default_context(cafile=ca_file)
imap = imaplib.IMAP4_SSL(host, int(port), ssl_context=context)
imap.login(user, os.environ["MBX_BENCH_PASSWORD"])
contacts = {}
messages = 0
for folder in folders:
    imap.select(f'"{folder}"', readonly=True)
    typ, data = imap.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (FROM TO CC DATE)])")
    for item in data:
        if not isinstance(item, tuple):
            continue
        messages += 1
        header = item[1].decode("utf-8", "replace")
        fields = []
        for line in header.replace("\r\n ", " ").replace("\r\n\t", " ").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() in ("from", "to", "cc"):
                fields.append(value)
        for _name, addr in email.utils.getaddresses(fields):
            if addr:
                contacts[addr.lower()] = contacts.get(addr.lower(), 0) + 1
imap.logout()
print(f"{messages} messages, {len(contacts)} addresses")
