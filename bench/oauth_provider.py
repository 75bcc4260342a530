"""A stand-in OAuth2 provider for bench/oauth (no real provider runs here): RFC 7662
introspection for Dovecot's oauth2 passdb (`200 {"active": true, "email": USER}` for a token it
issued, `{"active": false}` otherwise) and a token endpoint's refresh grant (RFC 6749 §6) that
issues a new access token (and rotates the refresh token, as Microsoft does). Prints its port.

    python3 bench/oauth_provider.py PORT_FILE
"""

import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
access = {"bench-access-alice": "alice"}
refresh = {}
counter = [0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        if self.path == "/introspect":
            with lock:
                user = access.get(form.get("token", ""))
            self.answer(200, {"active": True, "email": user} if user else {"active": False})
        elif self.path == "/token" and form.get("grant_type") == "refresh_token":
            token = form.get("refresh_token", "")
            with lock:
                # Every bench refresh token is alice's and good any number of times: each rep
                # runs with the same one.
                user = refresh.get(token, "alice" if token.startswith("bench-refresh") else None)
                counter[0] += 1
                fresh = f"bench-access-{counter[0]}"
                if user:
                    access[fresh] = user
            if user:
                self.answer(200, {"access_token": fresh, "token_type": "Bearer", "expires_in": 3599})
            else:
                self.answer(400, {"error": "invalid_grant"})
        else:
            self.answer(404, {"error": "not_found"})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
