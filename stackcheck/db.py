"""SQL checks against the stack's Postgres, the same way for every target.

The bundled stack publishes Postgres on 127.0.0.1 for tests; a remote host never publishes
it, so there the query runs through `docker exec` into the database container. Both return
rows as tuples of JSON values (numbers, strings, lists, dicts), so tests compare the same
types whichever way the query went.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import psycopg

from . import docker

_PLACEHOLDER = re.compile(r"%s")


def _as_json(query: str) -> str:
    # Postgres keeps a json object's keys in column order, so tuples keep the select order.
    return f"SELECT coalesce(json_agg(row_to_json(q)), '[]') FROM ({query}) AS q"


def _rows(objects: list[dict]) -> list[tuple]:
    return [tuple(o.values()) for o in objects]


@dataclass(frozen=True)
class DirectPostgres:
    """Over a published port, with psycopg."""
    conninfo: dict

    def rows(self, query: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(**self.conninfo, autocommit=True) as conn:
            return _rows(conn.execute(_as_json(query), params).fetchone()[0])

    def execute(self, statement: str, params: tuple = ()) -> None:
        with psycopg.connect(**self.conninfo, autocommit=True) as conn:
            conn.execute(statement, params)


@dataclass(frozen=True)
class ExecPostgres:
    """Through `docker exec ... psql` in the database container (honours DOCKER_HOST)."""
    container: str
    user: str
    dbname: str

    def _psql(self, sql: str, params: tuple) -> str:
        # Parameters travel as psql variables, quoted by psql itself (`:'p0'`), never pasted in.
        names = iter(range(len(params)))
        sql = _PLACEHOLDER.sub(lambda _: f":'p{next(names)}'", sql)
        variables = [a for i, v in enumerate(params) for a in ("-v", f"p{i}={v}")]
        proc = docker.run("exec", "-i", self.container, "psql", "-X", "-q", "-A", "-t",
                          "-v", "ON_ERROR_STOP=1", "-U", self.user, "-d", self.dbname, *variables, "-f", "-",
                          input=sql + ";\n", timeout=60)
        if proc.returncode:
            raise RuntimeError(f"psql in {self.container} failed: {proc.stderr.strip()}")
        return proc.stdout

    def rows(self, query: str, params: tuple = ()) -> list[tuple]:
        return _rows(json.loads(self._psql(_as_json(query), params)))

    def execute(self, statement: str, params: tuple = ()) -> None:
        self._psql(statement, params)
