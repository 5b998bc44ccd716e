"""Script kiddie persona: malformed and hostile requests. Only 4xx is acceptable (and 204 to OPTIONS, which
lists the allowed methods); any 5xx or other success fails.

Each user walks the same fixed attack list in order (KIDDIE_SEED seeds the random parts), so a second
identical round must add no new series to /metrics.
"""
import base64
import hashlib
import hmac
import itertools
import json
import os
import random

from locust import HttpUser, constant, task

rng = random.Random(int(os.environ.get("KIDDIE_SEED", "7")))


def b64(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def token(header, payload, secret=b"guessed-secret-guessed-secret-guessed"):
    signing_input = f"{b64(header)}.{b64(payload)}"
    signature = base64.urlsafe_b64encode(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
    return f"{signing_input}.{signature}"


CLAIMS = {"iss": "snackdrawer", "aud": "snackdrawer", "sub": "1", "role": "admin", "iat": 1700000000, "exp": 4102444800}
INJECTIONS = ["1 OR 1=1", "1;DROP TABLE users", "../../etc/passwd", "%00", "%ZZ", "<script>", "${jndi:ldap://x}", "1e3", "-1", "0", "9" * 20]
TOKENS = [
    "",
    "null",
    "a.b.c",
    f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(CLAIMS)}.",
    token({"alg": "HS256", "typ": "JWT"}, CLAIMS),
    token({"alg": "HS512", "typ": "JWT"}, CLAIMS),
    "' OR '1'='1",
]
JSON = {"content-type": "application/json"}

ATTACKS = []
for path in ["/auth/users", "/auth/login", "/snacks", "/drawers", "/drawers/1", "/drawers/1/snacks"]:
    ATTACKS += [
        ("POST", path, JSON, '{"username": '),
        ("POST", path, {"content-type": "text/plain"}, "username=x&password=y"),
        ("POST", path, {"content-type": "application/x-www-form-urlencoded"}, "a=b"),
        ("POST", path, JSON, json.dumps({"name": "x" * (17 * 1024)})),
        ("POST", path, JSON, "[" + "1," * (512 * 1024) + "1]"),
        ("POST", path, JSON, json.dumps({"username": 5, "password": ["x"], "name": {"$ne": 1}, "snack": "1"})),
        ("POST", path, JSON, json.dumps([1, 2, 3])),
    ]
for value in INJECTIONS:
    for template in ["/snacks/{}", "/drawers/{}", "/drawers/{}/snacks", "/drawers/1/snacks/{}"]:
        ATTACKS.append(("GET", template.format(value), {}, None))
        ATTACKS.append(("DELETE", template.format(value), {"x-access-token": value}, None))
    ATTACKS.append(("POST", "/auth/login", JSON, json.dumps({"username": value, "password": value})))
for forged in TOKENS:
    ATTACKS.append(("GET", "/auth/me", {"authorization": f"Bearer {forged}"}, None))
    ATTACKS.append(("GET", "/drawers", {"x-access-token": forged}, None))
    ATTACKS.append(("PUT", "/admin/faults", {**JSON, "x-access-token": forged}, json.dumps({"web": {"error_rate": 1}})))
for _ in range(20):
    path = "/" + "/".join(rng.choice(["admin", "x", "snacks", "drawers", "..", "%2e%2e", "1", "users", "auth"]) for _ in range(rng.randint(1, 4)))
    ATTACKS.append((rng.choice(["GET", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"]), path, {}, None))


USERS = itertools.count()


class ScriptKiddie(HttpUser):
    wait_time = constant(0.01)

    def on_start(self):
        # Five users start a fifth of the list apart, so a short round still covers every attack.
        self.index = (next(USERS) * len(ATTACKS)) // 5

    @task
    def attack(self):
        method, path, headers, body = ATTACKS[self.index % len(ATTACKS)]
        self.index += 1
        with self.client.request(method, path, headers=headers, data=body, name=f"attack {self.index % len(ATTACKS)}", catch_response=True) as response:
            if 400 <= response.status_code < 500 or (method == "OPTIONS" and response.status_code == 204):
                response.success()
            else:
                response.failure(f"{method} {path} answered {response.status_code}")
