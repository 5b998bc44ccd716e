"""Snoop persona: owns a drawer and probes other drawer ids on every verb and sub-route.

Every foreign or absent drawer must answer 404 (anything else is a failure). Victim ids come from
SNOOP_VICTIMS (comma-separated, set by personas.mjs); the rest are walked sequentially and drawn at random.
"""
import itertools
import os
import random
import string

from locust import HttpUser, constant, task

VICTIMS = [int(v) for v in os.environ.get("SNOOP_VICTIMS", "").split(",") if v]
SNACK = int(os.environ.get("SNOOP_SNACK", "1"))


def random_string(length=12) -> str:
    return "".join(random.choice(string.ascii_letters + string.digits) for _ in range(length))


class Snoop(HttpUser):
    wait_time = constant(0.05)

    def on_start(self):
        username, password = f"snoop-{random_string()}", random_string(16)
        self.client.post("/auth/users", json={"username": username, "password": password})
        token = self.client.post("/auth/login", json={"username": username, "password": password}).json()["token"]
        self.auth = {"authorization": f"Bearer {token}"}
        own = self.client.post("/drawers", json={"name": "my own"}, headers=self.auth).json()["drawer"]["id"]
        self.own = own
        self.sequential = itertools.count(1)

    def probe(self, drawer_id):
        if drawer_id == self.own:
            return
        attempts = [
            ("GET", f"/drawers/{drawer_id}", None),
            ("PATCH", f"/drawers/{drawer_id}", {"name": "pwned"}),
            ("DELETE", f"/drawers/{drawer_id}", None),
            ("POST", f"/drawers/{drawer_id}", {"snack": SNACK}),
            ("POST", f"/drawers/{drawer_id}/snacks", {"snack": SNACK, "quantity": 5}),
            ("PATCH", f"/drawers/{drawer_id}/snacks/{SNACK}", {"quantity": 1}),
            ("DELETE", f"/drawers/{drawer_id}/snacks/{SNACK}", None),
        ]
        for method, path, body in attempts:
            name = path.replace(str(drawer_id), ":id").replace(f"/snacks/{SNACK}", "/snacks/:snackId")
            with self.client.request(method, path, json=body, headers=self.auth, name=f"{method} {name}", catch_response=True) as response:
                if response.status_code == 404:
                    response.success()
                else:
                    response.failure(f"{method} {path} answered {response.status_code}, expected 404")

    @task(3)
    def victims(self):
        if VICTIMS:
            self.probe(random.choice(VICTIMS))

    @task(2)
    def sequential_ids(self):
        self.probe(next(self.sequential))

    @task(1)
    def random_ids(self):
        self.probe(random.randint(1, 2**53 - 1))
