"""Real daily price history, read from data files that ship inside PyPI packages.

The packages are installed (without their dependencies, see pyproject.toml) only for these
files; nothing is imported from them. Each file is checked against the sha256 recorded in
its package's RECORD, and each symbol keeps its source (package==version:path).
"""
from __future__ import annotations

import base64
import csv
import datetime as dt
import gzip
import hashlib
import io
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata


@dataclass(frozen=True)
class Source:
    symbol: str
    name: str
    kind: str  # stock | index | commodity
    currency: str
    package: str
    path: str  # inside the package's install tree
    notes: str
    member: str | None = None  # file inside a tar archive
    date_col: str = "Date"
    close_col: str = "Close"


SOURCES = [
    Source("GOOG", "Alphabet Inc. (Google) class A", "stock", "USD", "backtesting", "backtesting/test/GOOG.csv",
           "daily OHLCV as traded (not split-adjusted), the sample data of the backtesting package",
           date_col=""),
    Source("MSFT", "Microsoft Corporation", "stock", "USD", "pmdarima", "pmdarima/datasets/data/msft.tar.gz",
           "daily OHLCV, split- and dividend-adjusted, the MSFT dataset of pmdarima", member="msft.csv"),
    Source("SPX", "S&P 500 index", "index", "points", "arch", "arch/data/sp500/sp500.csv.gz",
           "daily OHLCV of ^GSPC (index points), the sp500 dataset of arch"),
    Source("IXIC", "NASDAQ Composite index", "index", "points", "arch", "arch/data/nasdaq/nasdaq.csv.gz",
           "daily OHLCV of ^IXIC (index points), the nasdaq dataset of arch"),
    Source("WTI", "WTI crude oil spot price", "commodity", "USD", "arch", "arch/data/wti/wti.csv.gz",
           "daily close in USD per barrel (FRED DCOILWTICO), the wti dataset of arch",
           close_col="DCOILWTICO"),
]


@dataclass(frozen=True)
class Row:
    date: dt.date
    open: float | None
    high: float | None
    low: float | None
    close: float
    volume: int | None


def locate(source: Source) -> tuple[bytes, str, str]:
    """(file bytes, 'package==version:path', sha256 hex), verified against the package RECORD."""
    dist = metadata.distribution(source.package)
    recorded = None
    for file in dist.files or []:
        if str(file) == source.path:
            recorded = file.hash
            break
    if recorded is None:
        raise FileNotFoundError(f"{source.path} is not part of {source.package} {dist.version}")
    data = dist.locate_file(source.path).read_bytes()
    digest = hashlib.sha256(data)
    if recorded is not None and recorded.mode == "sha256":
        expected = base64.urlsafe_b64decode(recorded.value + "=" * (-len(recorded.value) % 4))
        if digest.digest() != expected:
            raise ValueError(f"{source.path} does not match the sha256 in {source.package}'s RECORD")
    return data, f"{source.package}=={dist.version}:{source.path}", digest.hexdigest()


def _text(source: Source, data: bytes) -> str:
    if source.member:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            member = archive.extractfile(source.member)
            if member is None:
                raise FileNotFoundError(f"{source.member} not in {source.path}")
            data = member.read()
    elif source.path.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8-sig")


def _date(value: str) -> dt.date:
    value = value.strip()
    if "/" in value:  # M/D/YYYY
        month, day, year = (int(part) for part in value.split("/"))
        return dt.date(year, month, day)
    return dt.date.fromisoformat(value[:10])


def _num(value: str | None) -> float | None:
    if value is None:
        return None
    value = value.strip()
    if value in ("", ".", "NA", "NaN", "nan", "null"):
        return None
    number = float(value)
    return number if number == number else None  # NaN


def parse(source: Source, data: bytes) -> Iterator[Row]:
    reader = csv.DictReader(io.StringIO(_text(source, data)))
    seen: set[dt.date] = set()
    for record in reader:
        record = {(k or "").strip(): v for k, v in record.items()}
        close = _num(record.get(source.close_col))
        if close is None or close <= 0:
            continue  # holidays and gaps are blank in these files
        day = _date(record[source.date_col])
        if day in seen:
            continue
        seen.add(day)
        volume = _num(record.get("Volume"))
        yield Row(
            day, _num(record.get("Open")), _num(record.get("High")), _num(record.get("Low")), close,
            int(volume) if volume is not None else None,
        )


def load_all() -> Iterator[tuple[Source, str, str, list[Row]]]:
    for source in SOURCES:
        data, origin, sha = locate(source)
        yield source, origin, sha, list(parse(source, data))
