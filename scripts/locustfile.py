"""The load test's users (run by scripts/bench_load.py, never by `make test`).

Each simulated user signs in through the real sign-in form as one of the demo roles and then reads the
pages that role uses most, with a pause of 1-3 s between pages, as a person would. Place ids for the
place pages come from DOZOR_LOAD_PLACES (a comma-separated list the driver reads from the database).
"""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = os.environ.get("DOZOR_LOAD_PASSWORD", "")
PLACES = [int(x) for x in os.environ.get("DOZOR_LOAD_PLACES", "").split(",") if x]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _Signed(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    username = ""

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/", name="sign-in form")
        match = CSRF.search(page.text)
        token = match.group(1) if match else ""
        with self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="sign in",
            catch_response=True,
        ) as response:
            if "/accounts/login/" in response.url:
                response.failure("sign-in refused")

    def place(self) -> None:
        if PLACES:
            self.client.get(f"/places/{random.choice(PLACES)}/", name="/places/<id>/")


class Coordinator(_Signed):
    weight = 3
    username = "coordinator"

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(3)
    def places(self) -> None:
        self.client.get(f"/places/?page={random.randint(1, 40)}", name="/places/?page=N")

    @task(2)
    def search(self) -> None:
        self.client.get(
            f"/places/?q={random.choice(['СИЗО', 'ИВС', 'Өскемен', '№2', 'Караганда'])}", name="/places/?q="
        )

    @task(3)
    def a_place(self) -> None:
        self.place()

    @task(2)
    def visits(self) -> None:
        self.client.get("/visits/", name="/visits/")

    @task(2)
    def recommendations(self) -> None:
        self.client.get("/recommendations/?status=open", name="/recommendations/?status=open")

    @task(1)
    def dashboard(self) -> None:
        self.client.get("/recommendations/dashboard/", name="/recommendations/dashboard/")


class Monitor(_Signed):
    weight = 4
    username = "monitor"

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(3)
    def visits(self) -> None:
        self.client.get("/visits/", name="/visits/")

    @task(2)
    def a_place(self) -> None:
        self.place()

    @task(1)
    def standards(self) -> None:
        self.client.get("/standards/", name="/standards/")


class Liaison(_Signed):
    weight = 2
    username = "liaison"

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(3)
    def portal(self) -> None:
        self.client.get("/recommendations/portal/recommendations/", name="liaison portal")


class Public(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    @task(2)
    def reports(self) -> None:
        self.client.get("/public/ru/reports/", name="/public/ru/reports/")

    @task(1)
    def home(self) -> None:
        self.client.get("/public/kk/", name="/public/kk/")
