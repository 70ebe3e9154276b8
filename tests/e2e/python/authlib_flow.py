#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Authlib (Debian's python3-authlib) against a running authd.

OAuth2Session with client_secret_basic and form-encoded token bodies: PKCE S256 + nonce
authorization, sign-in through the HTML forms with `requests`, code exchange, ID token
validation (authlib.jose), userinfo, refresh (rotation), introspection and revocation.

Env: ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI USER_EMAIL USER_PASSWORD USER_ID USER_NAME
Run with /usr/bin/python3 (Debian's packages are not visible to other interpreters).
"""
import base64
import hashlib
import os
import sys
import traceback
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlparse

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import jwt
from authlib.integrations.base_client import OAuthError
from authlib.oidc.discovery import OpenIDProviderMetadata


class CheckFailure(Exception):
    pass


def check(condition, message, detail=None):
    if not condition:
        raise CheckFailure(message if detail is None else f"{message}\n  got: {detail!r}")


def equal(actual, expected, message):
    if actual != expected:
        raise CheckFailure(f"{message}\n  expected: {expected!r}\n  got:      {actual!r}")


def env(name):
    value = os.environ.get(name, "")
    if not value:
        raise CheckFailure(f"environment variable {name} is required")
    return value


STEP = [0]


def step(text):
    STEP[0] += 1
    print(f"[{STEP[0]}] {text}", flush=True)


class FormParser(HTMLParser):
    """Collects every <form> with its controls, and every link."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.links = []
        self._form = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").upper(), "controls": []}
            self.forms.append(self._form)
        elif tag in ("input", "button", "select", "textarea") and self._form is not None:
            default_type = "submit" if tag == "button" else "text"
            self._form["controls"].append({"tag": tag, "type": a.get("type", default_type).lower(),
                                           "name": a.get("name"), "value": a.get("value", ""),
                                           "checked": "checked" in a})
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def fields_of(form, overrides, submitter=None):
    fields = []
    for c in form["controls"]:
        if not c["name"] or c["name"] in overrides:
            continue
        if c["tag"] == "button" or c["type"] in ("submit", "image"):
            continue
        if c["type"] in ("checkbox", "radio") and not c["checked"]:
            continue
        fields.append((c["name"], c["value"]))
    fields.extend(overrides.items())
    if submitter is not None and submitter["name"] and submitter["name"] not in overrides:
        fields.append((submitter["name"], submitter["value"]))
    return fields


def sign_in(browser, url, email, password, redirect_uri, max_steps=20):
    """Drives the pages like a browser without JavaScript; returns the callback URL."""
    response = browser.get(url, allow_redirects=False, timeout=30)
    seen = []
    for _ in range(max_steps):
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(redirect_uri):
                return location, seen
            response = browser.get(location, allow_redirects=False, timeout=30)
            continue
        equal(response.status_code, 200, f"sign-in page {response.url}: {response.text[:600]}")
        parser = FormParser()
        parser.feed(response.text)
        names = lambda f: {c["name"] for c in f["controls"]}
        login = next((f for f in parser.forms if {"email", "password"} <= names(f)), None)
        consent = next((f for f in parser.forms if "decision" in names(f)), None)
        if login is not None:
            check("login" not in seen, "the password form came back after signing in", response.text[:800])
            seen.append("login")
            equal(login["method"], "POST", "password form method")
            response = browser.post(urljoin(response.url, login["action"]),
                                    data=fields_of(login, {"email": email, "password": password}),
                                    allow_redirects=False, timeout=30)
            continue
        if consent is not None:
            check("consent" not in seen, "the consent form came back after answering it", response.text[:800])
            seen.append("consent")
            allow = next((c for c in consent["controls"] if c["name"] == "decision" and c["value"] == "allow"), None)
            check(allow is not None, "consent form has decision=allow")
            response = browser.post(urljoin(response.url, consent["action"]),
                                    data=fields_of(consent, {}, allow), allow_redirects=False, timeout=30)
            continue
        link = next((l for l in parser.links if "/login/password" in l), None)
        if link is not None:
            seen.append("chooser")
            response = browser.get(urljoin(response.url, link), allow_redirects=False, timeout=30)
            continue
        raise CheckFailure(f"page {response.url} has no password form, consent form or password link: {response.text[:800]}")
    raise CheckFailure(f"sign-in did not reach {redirect_uri}")


def main():
    issuer = env("ISSUER")
    client_id = env("CLIENT_ID")
    client_secret = env("CLIENT_SECRET")
    redirect_uri = env("REDIRECT_URI")
    email = env("USER_EMAIL")
    password = env("USER_PASSWORD")
    user_id = env("USER_ID")
    user_name = env("USER_NAME")

    step("discovery")
    meta = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=30).json()
    equal(meta["issuer"], issuer, "discovery issuer")
    # Authlib's own OpenID Provider Metadata validation (every REQUIRED field, value shapes).
    # The test server is plain http on loopback, which Authlib only accepts with this switch.
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    OpenIDProviderMetadata(meta).validate()
    check("client_secret_basic" in meta.get("token_endpoint_auth_methods_supported", []),
          "client_secret_basic advertised", meta.get("token_endpoint_auth_methods_supported"))

    session = OAuth2Session(client_id, client_secret, scope="openid profile email", redirect_uri=redirect_uri,
                            token_endpoint_auth_method="client_secret_basic", code_challenge_method="S256")

    step("authorization URL with PKCE S256 and nonce")
    code_verifier = generate_token(64)
    nonce = generate_token(24)
    uri, state = session.create_authorization_url(meta["authorization_endpoint"], code_verifier=code_verifier, nonce=nonce)
    query = parse_qs(urlparse(uri).query)
    equal(query.get("code_challenge_method"), ["S256"], "authlib sends S256")

    step("sign in through the HTML forms with requests")
    browser = requests.Session()
    callback, seen = sign_in(browser, uri, email, password, redirect_uri)
    check("login" in seen, "a password form was shown", seen)
    cookie = next((c for c in browser.cookies if c.name == "authd_session"), None)
    check(cookie is not None and cookie.has_nonstandard_attr("HttpOnly"), "authd_session cookie is HttpOnly",
          [(c.name, c._rest) for c in browser.cookies])

    step("code exchange: form-encoded body, client_secret_basic")
    sent = {}

    def record(response, *args, **kwargs):
        if response.request.url == meta["token_endpoint"]:
            sent["content_type"] = response.request.headers.get("Content-Type", "")
            sent["authorization"] = response.request.headers.get("Authorization", "")
            sent["body"] = response.request.body
            sent["cache_control"] = response.headers.get("Cache-Control", "")
    session.hooks["response"].append(record)
    token = session.fetch_token(meta["token_endpoint"], authorization_response=callback, state=state,
                                code_verifier=code_verifier)
    check(sent["content_type"].startswith("application/x-www-form-urlencoded"), "form-encoded token body", sent)
    check(sent["authorization"].startswith("Basic "), "client_secret_basic used", sent["authorization"][:10])
    body = sent["body"] if isinstance(sent["body"], str) else sent["body"].decode()
    check("client_secret" not in body, "the secret is not also in the body", body)
    check("no-store" in sent["cache_control"], "Cache-Control: no-store", sent["cache_control"])
    for key in ("access_token", "refresh_token", "id_token", "expires_in", "token_type"):
        check(key in token, f"token response has {key}", list(token.keys()))
    equal(token["token_type"], "Bearer", "token_type")

    step("ID token (HS256 keyed with the client secret): iss, aud, exp, nonce, at_hash")
    claims = jwt.decode(token["id_token"], client_secret.encode(), claims_options={
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client_id},
        "exp": {"essential": True},
        "nonce": {"essential": True, "value": nonce},
        "sub": {"essential": True, "value": user_id},
    })
    claims.validate()
    digest = hashlib.sha256(token["access_token"].encode()).digest()
    equal(claims["at_hash"], base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode(), "at_hash")

    step("userinfo with the session's bearer token")
    info = session.get(meta["userinfo_endpoint"], timeout=30)
    equal(info.status_code, 200, f"userinfo status: {info.text[:300]}")
    info = info.json()
    equal(info["sub"], user_id, "userinfo sub")
    equal(info["email"], email, "userinfo email")
    equal(info["name"], user_name, "userinfo name")

    step("refresh (rotation), form-encoded with client_secret_basic")
    old_refresh = token["refresh_token"]
    refreshed = session.refresh_token(meta["token_endpoint"], refresh_token=old_refresh)
    check(refreshed["refresh_token"] != old_refresh, "refresh token rotated")
    check(sent["authorization"].startswith("Basic "), "refresh used client_secret_basic")
    info2 = session.get(meta["userinfo_endpoint"], timeout=30)
    equal(info2.status_code, 200, "userinfo with the refreshed access token")

    step("introspection and revocation")
    intro = session.introspect_token(meta["introspection_endpoint"], token=refreshed["access_token"])
    equal(intro.status_code, 200, f"introspection: {intro.text[:300]}")
    equal(intro.json().get("active"), True, "access token active")
    revoked = session.revoke_token(meta["revocation_endpoint"], token=refreshed["refresh_token"],
                                   token_type_hint="refresh_token")
    equal(revoked.status_code, 200, f"revocation: {revoked.text[:300]}")
    try:
        session.refresh_token(meta["token_endpoint"], refresh_token=refreshed["refresh_token"])
    except OAuthError as error:
        equal(error.error, "invalid_grant", "refresh after revocation")
    else:
        raise CheckFailure("refresh with a revoked token succeeded")

    step("a wrong secret is refused with 401 invalid_client")
    bad = requests.post(meta["token_endpoint"], data={"grant_type": "refresh_token", "refresh_token": old_refresh},
                        auth=(client_id, "0" * 64), timeout=30)
    equal(bad.status_code, 401, "wrong secret status")
    equal(bad.json().get("error"), "invalid_client", "wrong secret error")
    check(bad.headers.get("WWW-Authenticate", "").startswith("Basic"), "WWW-Authenticate: Basic",
          bad.headers.get("WWW-Authenticate"))


if __name__ == "__main__":
    try:
        main()
    except CheckFailure as failure:
        print(f"FAIL authlib_flow: {failure}", file=sys.stderr)
        sys.exit(1)
    except Exception:  # noqa: BLE001 - any other error is a failure with its trace
        print("FAIL authlib_flow: unexpected error", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
    print(f"PASS authlib_flow ({STEP[0]} steps)")
