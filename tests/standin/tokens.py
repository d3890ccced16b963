# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""JWT-shaped tokens signed with a per-run HMAC key (the server never trusts what it did not sign).

Real Entra and ACR tokens are JWTs, and azure-containerregistry 1.2.0 reads the `exp` of ACR refresh tokens with
NON-urlsafe base64 and a broken padding rule. So every payload here is made to encode with no '-' or '_' and to need
no padding: the real service's tokens happen to work with that SDK, and ours must too.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _clean_payload(claims):
    """Encode claims so the base64 is valid for both alphabets and needs no padding: vary a filler claim."""
    for filler in range(0, 512):
        body = dict(claims)
        body["xfl"] = "x" * filler
        raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8")
        if len(raw) % 3:
            continue
        text = b64url(raw)
        if "-" not in text and "_" not in text:
            return text
    raise ValueError("could not encode token claims cleanly")


class TokenSigner:
    """Issue and verify tokens; `clock` gives the server's notion of now (test controls can skew it)."""

    def __init__(self, clock=time.time):
        self.key = secrets.token_bytes(32)
        self.clock = clock

    def issue(self, claims, lifetime, kid="standin"):
        now = int(self.clock())
        body = dict(claims)
        body.update({"iat": now, "nbf": now, "exp": now + int(lifetime), "jti": secrets.token_hex(8)})
        header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}, separators=(",", ":")).encode())
        payload = _clean_payload(body)
        signature = b64url(hmac.new(self.key, ("%s.%s" % (header, payload)).encode(), hashlib.sha256).digest())
        return "%s.%s.%s" % (header, payload, signature)

    def verify(self, token):
        """Return (claims, problem): problem is None, "invalid" or "expired"."""
        if not token or token.count(".") != 2:
            return None, "invalid"
        header, payload, signature = token.split(".")
        expected = b64url(hmac.new(self.key, ("%s.%s" % (header, payload)).encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, signature):
            return None, "invalid"
        try:
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            return None, "invalid"
        if claims.get("exp", 0) <= self.clock():
            return claims, "expired"
        return claims, None


def limit_scopes(world, scopes):
    """The scope parameters a token service honours: all of them, or the first `token_scope_limit` (a registry that
    ignores the rest of a multi-scope request, so clients must cope with a token that covers less than they asked)."""
    limit = int(world.settings.get("token_scope_limit") or 0)
    return list(scopes)[:limit] if limit > 0 else list(scopes)
