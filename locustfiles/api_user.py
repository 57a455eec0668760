"""An API user: browses stocks, prices and quotes, and keeps a watchlist of its own.

Debug it alone: python locustfiles/api_user.py --host http://127.0.0.1:8080
"""

import random
import uuid

from _common import FastStackUser
from locust import between, run_single_user, task

from stackcheck.load import request_name

API = "/api/v1"
SYMBOLS = ("GOOG", "MSFT", "SPX", "IXIC", "WTI")
YEARS = range(2005, 2013)  # years that every symbol's history covers


def api(route: str) -> str:
    return request_name("api", f"{API}{route}")


class ApiUser(FastStackUser):
    slos = ("api", "signin")
    weight = 3
    wait_time = between(1, 2)  # reading the answer; also keeps 50 users under nginx's 50 r/s

    def on_start(self) -> None:
        self.sign_in()

    @task(3)
    def list_stocks(self) -> None:
        self.client.get(f"{API}/stocks", name=api("/stocks"))

    @task(5)
    def prices_for_a_year(self) -> None:
        # Many symbol-year pairs: a realistic mix of cache hits and misses.
        year = random.choice(YEARS)
        self.client.get(f"{API}/stocks/{random.choice(SYMBOLS)}/prices",
                        params={"start": f"{year}-01-01", "end": f"{year}-12-31"},
                        name=api("/stocks/[symbol]/prices"))

    @task(3)
    def quote(self) -> None:
        self.client.get(f"{API}/stocks/{random.choice(SYMBOLS)}/quote", name=api("/stocks/[symbol]/quote"))

    @task(2)
    def my_watchlists(self) -> None:
        self.client.get(f"{API}/watchlists", name=api("/watchlists"))

    @task(1)
    def edit_a_watchlist(self) -> None:
        """Create, read, add an item, rename (with If-Match), delete: the whole CRUD round."""
        first, second = random.sample(SYMBOLS, 2)
        created = self.client.post(f"{API}/watchlists", json={"name": f"wl-{uuid.uuid4().hex[:8]}",
                                                              "symbols": [first]}, name=api("/watchlists"))
        if created.status_code != 201:
            return
        path, one = f"{API}/watchlists/{created.json()['id']}", api("/watchlists/[id]")
        self.client.get(path, name=one)
        added = self.client.post(f"{path}/items", json={"symbol": second}, name=api("/watchlists/[id]/items"))
        renamed = self.client.patch(path, json={"name": f"wl-{uuid.uuid4().hex[:8]}"}, name=one,
                                    headers={"If-Match": added.headers.get("ETag", "*")})
        self.client.delete(path, name=one, headers={"If-Match": renamed.headers.get("ETag", "*")})


if __name__ == "__main__":
    run_single_user(ApiUser)
