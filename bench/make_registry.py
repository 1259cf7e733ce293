#!/usr/bin/python3
"""Builds a SYNTHETIC product registry for the re-match benchmark (bench/run.sh).

    make_registry.py --db VULNWATCH.db --components 10000 --matching 10 --out products.json

writes a `products import` document with --components components spread over --products
products. --matching of them carry the CPE (vendor, product) of real entries stored in the
database, chosen among the pairs named by the fewest records, so the re-match finds a realistic
handful of matches; every other component has a CPE that no advisory names. Reads the
record_cpe table of a vulnwatch database (schema version 4 or later). Python 3 standard library
only; deterministic.
"""
import argparse
import json
import re
import sqlite3
import sys
from collections import Counter

SIMPLE = re.compile(r"^[a-z0-9_.\-]+$")


def decode_list(text):
    """The inverse of encodeList() in store/store.cpp: one item per line, '\\' escapes."""
    items, current, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\n":
            items.append("".join(current))
            current = []
        elif c == "\\" and i + 1 < len(text):
            i += 1
            current.append("\n" if text[i] == "n" else text[i])
        else:
            current.append(c)
        i += 1
    if current:
        items.append("".join(current))
    return items


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--components", type=int, default=10000)
    parser.add_argument("--matching", type=int, default=10)
    parser.add_argument("--products", type=int, default=100)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    counts = Counter()
    con = sqlite3.connect(args.db)
    for (names,) in con.execute("SELECT names FROM record_cpe"):
        items = decode_list(names)
        for vendor, product in set(zip(items[0::2], items[1::2])):
            if SIMPLE.match(vendor) and SIMPLE.match(product):
                counts[(vendor, product)] += 1
    con.close()
    rare = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]))[: args.matching]
    if len(rare) < args.matching:
        sys.exit(f"only {len(rare)} CPE names in {args.db}; need {args.matching}")

    per_product = max(1, args.components // args.products)
    products, made = [], 0
    for p in range(args.products):
        components = []
        for k in range(per_product):
            if made >= args.components:
                break
            if made < len(rare):
                (vendor, product), _ = rare[made]
            else:
                vendor, product = f"synthetic-vendor-{p}", f"component-{k}"
            components.append({"vendor": vendor, "name": f"{product}-{p}-{k}", "version": "1.0",
                               "cpe": f"cpe:2.3:a:{vendor}:{product}:1.0:*:*:*:*:*:*:*"})
            made += 1
        products.append({"name": f"SYNTHETIC product {p}", "version": "1",
                         "owners": [f"owner{p}@example.jp"], "components": components})
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump({"products": products}, out)
    expected = sum(n for _, n in rare)
    print(f"{made} components, {len(rare)} naming stored CPEs ({expected} records name them)")


if __name__ == "__main__":
    main()
