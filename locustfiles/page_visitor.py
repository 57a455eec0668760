"""A page visitor: loads a page's HTML and then the static assets a browser fetches for it.

Every visit is a first visit (nothing cached), the heaviest case for nginx and the frontend.
Debug it alone: python locustfiles/page_visitor.py --host http://127.0.0.1:8080
"""

import random
import re

from _common import FastStackUser
from locust import between, run_single_user, task

from stackcheck.load import request_name

PAGES = ("/", "/", "/", "/watchlists", "/history")  # most visits land on the home page
TAG = re.compile(r"<(?:script|link)\b[^>]*>")
LOCAL_URL = re.compile(r'\b(?:src|href)="(/[^"/][^"]*\.\w+)"')


def assets(html: str) -> list[str]:
    """Scripts, stylesheets and icons the page loads; `nomodule` scripts are for old browsers."""
    found = (LOCAL_URL.search(tag) for tag in TAG.findall(html) if "nomodule" not in tag)
    return sorted({m.group(1) for m in found if m})


class PageVisitor(FastStackUser):
    slos = ("page",)
    weight = 1
    wait_time = between(2, 5)

    @task
    def visit(self) -> None:
        path = random.choice(PAGES)
        page = self.client.get(path, name=request_name("page", path))
        for url in assets(page.text) if page.status_code == 200 else ():  # not .ok, which raises on errors
            self.client.get(url, name=request_name("page", "[static asset]"))


if __name__ == "__main__":
    run_single_user(PageVisitor)
