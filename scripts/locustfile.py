"""The saturation scenario of issue 16, run by ``manage.py bench_saturation`` (which starts gunicorn, logs
the roles in and writes the plan this file reads from $BENCH_PLAN). Locust is a test requirement only.

Users of each role (``monitoring.page_mix``: municipal curator, school curator, director, weighted) walk
their day's pages one after another with no pause: a saturation run, not a model of thinking time.
``TrivialUser`` requests only the trivial page, for the throughput the mix is compared with. A response
other than 200 (a redirect to the login page included) is an error.
"""

import itertools
import json
import os

from locust import HttpUser, constant, task

with open(os.environ["BENCH_PLAN"], encoding="utf-8") as plan_file:
    PLAN = json.load(plan_file)


def fetch(user, path: str, name: str) -> None:
    with user.client.get(path, name=name, headers={"Cookie": f"sessionid={user.session}"}, allow_redirects=False,
                         catch_response=True) as response:
        if response.status_code != 200:
            response.failure(f"HTTP {response.status_code}")


class Role(HttpUser):
    abstract = True
    wait_time = constant(0)
    role: dict = {}
    sessions = iter(())

    def on_start(self):
        # Each user its own session (the saturation command made one per user): like 50 people logged in.
        self.session = next(self.sessions)

    @task
    def day(self):
        for page in self.role["pages"]:
            fetch(self, page["path"], f"{self.role['name']}: {page['name']}")


def _role_class(role: dict) -> type:
    name = "".join(word.capitalize() for word in role["name"].split()) + "User"
    return type(name, (Role,), {"role": role, "weight": role["weight"], "sessions": itertools.cycle(role["sessions"]),
                                "__module__": __name__})


for _role in PLAN["roles"]:
    _class = _role_class(_role)
    globals()[_class.__name__] = _class


class TrivialUser(HttpUser):
    wait_time = constant(0)
    sessions = itertools.cycle(PLAN["trivial_sessions"])

    def on_start(self):
        self.session = next(self.sessions)

    @task
    def trivial(self):
        fetch(self, PLAN["trivial"], "trivial")
