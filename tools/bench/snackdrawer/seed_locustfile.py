"""Seed user persona: the task mix and wire shapes of the seed's loadtesting/locust.py.

Paths with trailing slashes, the `x-access-token` header, `{"snack": id}` on POST /drawers/:id and
`{"username","password"}` bodies, exactly as the seed's load test sends them. Run against
`-H http://127.0.0.1:PORT/snackdrawer` after at least three snacks exist.
"""
import random
import string

from locust import HttpUser, between, exception, task


def random_string() -> str:
    alphabet = string.ascii_letters + string.digits + string.punctuation
    return "".join(random.choice(alphabet) for _ in range(10))


class SnackdrawerUser(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        self.username = random_string()
        self.password = random_string()
        self.user_created = False
        self.snacks = None
        self.drawers = None
        self.token = None

    def ensure_token(self):
        if self.token is None:
            self.login()

    def headers(self):
        return {"x-access-token": self.token}

    def reschedule_if_unauthenticated(self, response):
        if response.status_code == 401:
            self.token = None
            raise exception.RescheduleTask()

    @task(10)
    def view_snacks(self):
        response = self.client.get("/snacks/")
        self.snacks = response.json()["snacks"]

    @task(4)
    def add_snack(self):
        self.ensure_token()
        with self.client.post("/snacks/", json={"name": random_string()}, headers=self.headers(), catch_response=True) as response:
            self.reschedule_if_unauthenticated(response)

    @task(3)
    def view_drawers(self):
        self.ensure_token()
        with self.client.get("/drawers/", headers=self.headers(), catch_response=True) as response:
            self.reschedule_if_unauthenticated(response)
            self.drawers = response.json()["drawers"]

    def ensure_drawers(self):
        if self.drawers is None:
            self.view_drawers()
        if len(self.drawers) == 0:
            self.create_drawer()
            self.view_drawers()

    @task(2)
    def view_drawer(self):
        self.ensure_token()
        self.ensure_drawers()
        drawer = random.choice(self.drawers)["id"]
        with self.client.get(f"/drawers/{drawer}", headers=self.headers(), name="/drawers/:drawer_id", catch_response=True) as response:
            self.reschedule_if_unauthenticated(response)

    @task(1)
    def create_drawer(self):
        self.ensure_token()
        with self.client.post("/drawers/", json={"name": random_string()}, headers=self.headers(), catch_response=True) as response:
            self.reschedule_if_unauthenticated(response)

    @task(3)
    def add_snack_to_drawer(self):
        self.ensure_token()
        self.ensure_drawers()
        if self.snacks is None:
            self.view_snacks()
        drawer = random.choice(self.drawers)["id"]
        with self.client.get(f"/drawers/{drawer}", headers=self.headers(), name="/drawers/:drawer_id", catch_response=True) as response:
            self.reschedule_if_unauthenticated(response)
        contents = {content["id"] for content in response.json()["drawer"]["contents"]}
        snack_id = next((snack["id"] for snack in self.snacks if snack["id"] not in contents), None)
        with self.client.post(
            f"/drawers/{drawer}", json={"snack": snack_id}, headers=self.headers(), name="/drawers/:drawer_id", catch_response=True
        ) as result:
            self.reschedule_if_unauthenticated(result)

    def login(self):
        if not self.user_created:
            response = self.client.post("/auth/users", json={"username": self.username, "password": self.password})
            if response.status_code == 201:
                self.user_created = True
        if self.user_created:
            response = self.client.post("/auth/login", json={"username": self.username, "password": self.password})
            self.token = response.json()["token"]
