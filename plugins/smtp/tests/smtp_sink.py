#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A local SMTP sink for the smtp plugin's tests (Debian's python3-aiosmtpd; run it with
/usr/bin/python3, which sees Debian's packages).

Each accepted message is written to DIR as NNNN.eml (the DATA bytes, dot-stuffing undone)
plus NNNN.json (envelope sender and recipients, whether the session was under TLS and which
user authenticated). Files appear atomically (written under a temporary name, then renamed).
Options add AUTH (LOGIN, PLAIN and CRAM-MD5 against one user), STARTTLS or implicit TLS with
a given certificate, and temporary failures for the first N messages. Recipients whose
address starts with "reject" are refused with 550. Prints READY once it
accepts connections, then runs until killed.
"""
import argparse
import hashlib
import hmac
import json
import os
import secrets
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, out_dir, user, password, fail_first):
        self.out_dir = out_dir
        self.user = user
        self.password = password
        self.fail_first = fail_first
        self.count = 0
        self.implicit_tls = False
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.fail_first > 0:
                self.fail_first -= 1
                return "451 4.3.0 try again later"
            self.count += 1
            base = os.path.join(self.out_dir, "%04d" % self.count)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            # aiosmtpd sets session.ssl for STARTTLS only; SMTPS is TLS from the first byte.
            "tls": session.ssl is not None or self.implicit_tls,
            "authenticated": bool(session.authenticated),
            "auth_user": getattr(session, "auth_user", ""),
        }
        with open(base + ".json.tmp", "w") as out:
            json.dump(meta, out)
        os.rename(base + ".json.tmp", base + ".json")
        with open(base + ".eml.tmp", "wb") as out:
            out.write(envelope.original_content)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 OK"

    # aiosmtpd finds AUTH mechanisms as auth_<NAME> methods on the handler ("__" is "-").
    async def auth_CRAM__MD5(self, server, args):
        challenge = ("<%s@smtp-sink>" % secrets.token_hex(8)).encode()
        answer = await server.challenge_auth(challenge)
        if not isinstance(answer, bytes):
            return AuthResult(success=False, handled=False)
        user, _, digest = answer.decode(errors="replace").partition(" ")
        expected = hmac.new(self.password.encode(), challenge, hashlib.md5).hexdigest()
        ok = user == self.user and hmac.compare_digest(digest, expected)
        if ok:
            server.session.auth_user = user
        return AuthResult(success=ok, handled=False, auth_data=user)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--mode", choices=["plain", "starttls", "implicit"], default="plain")
    parser.add_argument("--cert", default="")
    parser.add_argument("--key", default="")
    parser.add_argument("--fail-first", type=int, default=0)
    args = parser.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    handler = Handler(args.dir, args.user, args.password, args.fail_first)
    handler.implicit_tls = args.mode == "implicit"

    def authenticator(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode(errors="replace")
            ok = user == args.user and auth_data.password.decode(errors="replace") == args.password
            if ok:
                session.auth_user = user
            return AuthResult(success=ok, handled=False)  # handled=True would send no reply
        return AuthResult(success=False, handled=False)

    kwargs = {}
    if args.user:
        kwargs["authenticator"] = authenticator
        kwargs["auth_required"] = True
        # Under SMTPS aiosmtpd does not know the transport is TLS: only STARTTLS counts.
        kwargs["auth_require_tls"] = args.mode == "starttls"
    context = None
    if args.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    if args.mode == "starttls":
        kwargs["tls_context"] = context
        kwargs["require_starttls"] = True
    controller = Controller(handler, hostname="127.0.0.1", port=args.port,
                            ssl_context=context if args.mode == "implicit" else None,
                            server_hostname="localhost", **kwargs)
    controller.start()
    print("READY", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
