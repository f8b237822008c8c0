"""Loads the CSVs in python/data once, at import, keyed by ONS code (boroughs) or id (tube).

Empty cells become None: a missing figure is never invented.
"""
import csv
import hashlib
import os
from typing import Any

# One CSV row: column name -> int, float or str, None for an empty cell.
Row = dict[str, Any]

DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")

# The order is part of dataVersion: change it only together with the data.
DATA_FILES = (
    "boroughs.csv",
    "borough_centroids.csv",
    "rents.csv",
    "rents_by_category.csv",
    "house_prices.csv",
    "tube_stations.csv",
    "tube_connections.csv",
    "tube_lines.csv",
)

# Columns that hold text; every other column is a number.
TEXT_COLUMNS = {"code", "name", "inner_outer", "political_control_2014", "period", "category",
                "latest_month", "colour", "stripe", "borough_code"}


def _number(text: str) -> int | float:
    return float(text) if any(c in text for c in ".eE") else int(text)


def _read(name: str) -> list[Row]:
    with open(os.path.join(DATA_DIR, name), newline="", encoding="utf-8") as f:
        rows = []
        for row in csv.DictReader(f):
            rows.append({k: (None if v == "" else v if k in TEXT_COLUMNS else _number(v))
                         for k, v in row.items()})
        return rows


def _data_version() -> str:
    digest = hashlib.sha256()
    for name in DATA_FILES:
        digest.update(name.encode() + b"\0")
        with open(os.path.join(DATA_DIR, name), "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:12]


DATA_VERSION = _data_version()

BOROUGHS: dict[str, Row] = {r["code"]: r for r in _read("boroughs.csv")}
CENTROIDS: dict[str, Row] = {r["code"]: r for r in _read("borough_centroids.csv")}
RENTS: dict[str, Row] = {r["code"]: r for r in _read("rents.csv")}
HOUSE_PRICES: dict[str, Row] = {r["code"]: r for r in _read("house_prices.csv")}

# RENTS_BY_SIZE[code][size] = the VOA row for that category ("all" included).
RENTS_BY_SIZE: dict[str, dict[str, Row]] = {}
for _row in _read("rents_by_category.csv"):
    RENTS_BY_SIZE.setdefault(_row["code"], {})[_row["category"]] = _row

STATIONS: dict[int, Row] = {r["id"]: r for r in _read("tube_stations.csv")}
LINES: dict[int, Row] = {r["id"]: r for r in _read("tube_lines.csv")}
CONNECTIONS = _read("tube_connections.csv")

AREA_CODES = sorted(BOROUGHS)
