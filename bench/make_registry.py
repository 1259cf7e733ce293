#!/usr/bin/python3
"""Builds a SYNTHETIC product registry for the re-match benchmark (bench/run.sh).

    make_registry.py --db VULNWATCH.db --components 10000 --matching 10 --out products.json

writes a `products import` document with --components components spread over --products
products. --matching of them carry the CPE (vendor, product) of real entries stored in the
database, chosen among the pairs named by the fewest records, so the re-match finds a realistic
handful of matches; every other component has a CPE that no advisory names. Reads the
record_cpe table of a vulnwatch database (schema version 4 or later). Python 3 standard library
only; deterministic.

    make_registry.py --db VULNWATCH.db --mix --components 10000 --cpe-pairs 300 --out products.json

(--mix, the matching benchmark bench/run_match.sh, issue 10) writes a registry as a manufacturer's
looks instead: --components components, 100 per product, of three kinds:
  40% with a CPE (and a vendor and version, as a hand-kept list or an SBOM with CPEs gives them);
      12% of these name a CPE that occurs in JVN data: --cpe-pairs (vendor, product) pairs
      stored in the database (spread over every product the synthetic data was made from: with
      --cpe-variants each is a variant "product_vN" of a real JVN CPE) and the (vendor, product)
      pairs of the real CPEs in shared/fixtures/jvn/ (--fixtures; the synthetic data holds them
      only as variants, so here they find nothing), cycled; the rest name CPEs no record names;
  50% with only a purl (npm, maven, pypi, golang, deb: matched by name); 2% of these are named
      after --name-pairs products of stored CPEs (so name matching finds records), the rest after
      packages no record names;
  10% with a name only (hand-entered, matched by name and as keywords).
Products are "Kestrelon KXNNNN" (a made-up brand: no stored text has these words, while every
synthetic record says SYNTHETIC), each with its model number as a keyword, every fifth also a
real JVN product name from the fixtures (keyword matching: records naming no CPE, such as
mails); name-only components are "kxfw-module-N". Owners are @synthetic.example.jp. Component versions are drawn
from a fixed list, so some fall in the advisories' version ranges and some do not. Prints what
it wrote and how many stored records name the CPE pairs used (what a re-match must read).
"""
import glob
import os
import random
import argparse
import json
import re
import sqlite3
import sys
from collections import Counter, defaultdict

SIMPLE = re.compile(r"^[a-z0-9_.\-]+$")
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FIXTURES = os.path.join(HERE, "..", "..", "shared", "fixtures", "jvn")
FIXTURE_CPE = re.compile(r"cpe:/[aoh]:([a-z0-9_.\-]+):([a-z0-9_.\-]+)")
FIXTURE_PRODUCT = re.compile(r"<(?:vuldef:)?ProductName>([^<]+)<")
VARIANT = re.compile(r"_v\d+$")
VERSIONS = ["1.0", "1.0.2", "1.05", "2.4.1", "2.14.1", "2.17.0", "3.0.7", "4.19.0", "5.10.0",
            "5.16.3", "6.1", "7.0", "10.2.1", "1.5.62", "2023.1"]
PURL_TYPES = ["npm", "maven", "pypi", "golang", "deb"]


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
    parser.add_argument("--mix", action="store_true",
                        help="a manufacturer-like registry (CPEs, purls, names, keywords)")
    parser.add_argument("--cpe-pairs", type=int, default=300,
                        help="--mix: stored CPE (vendor, product) pairs the registry names")
    parser.add_argument("--name-pairs", type=int, default=50,
                        help="--mix: stored CPE products purl components are named after")
    parser.add_argument("--fixtures", default=DEFAULT_FIXTURES,
                        help="--mix: folder of real JVN files (shared/fixtures/jvn)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.mix:
        mix(args)
        return

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


def stored_pairs(db):
    """Per stored (vendor, product) pair, the ids of the records naming it."""
    records = defaultdict(set)
    con = sqlite3.connect(db)
    for record_id, names in con.execute("SELECT record_id, names FROM record_cpe"):
        items = decode_list(names)
        for vendor, product in zip(items[0::2], items[1::2]):
            if SIMPLE.match(vendor) and SIMPLE.match(product):
                records[(vendor, product)].add(record_id)
    con.close()
    return records


def fixture_names(folder):
    """The (vendor, product) pairs of the CPEs and the product names in the real JVN files."""
    pairs, names = [], []
    for path in sorted(glob.glob(os.path.join(folder, "*"))):
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for pair in FIXTURE_CPE.findall(text):
            if pair not in pairs:
                pairs.append(pair)
        for name in FIXTURE_PRODUCT.findall(text):
            name = name.strip()
            if name and name not in names:
                names.append(name)
    return pairs, names


def spread(pairs, count):
    """`count` of `pairs` taken round-robin over the products they are variants of (sorted),
    so every base product of the synthetic data is represented."""
    by_base = defaultdict(list)
    for pair in sorted(pairs):
        by_base[(pair[0], VARIANT.sub("", pair[1]))].append(pair)
    chosen, round_ = [], 0
    while len(chosen) < count and any(len(v) > round_ for v in by_base.values()):
        for base in sorted(by_base):
            if round_ < len(by_base[base]) and len(chosen) < count:
                chosen.append(by_base[base][round_])
        round_ += 1
    return chosen


def mix(args):
    rng = random.Random(args.seed)
    records = stored_pairs(args.db)
    if len(records) < args.cpe_pairs:
        sys.exit(f"only {len(records)} CPE names in {args.db}; need {args.cpe_pairs}")
    cpe_pairs = spread(records, args.cpe_pairs)
    # Name matching: products of other stored pairs (any vendor finds them).
    name_pairs = spread([p for p in records if p not in set(cpe_pairs)], args.name_pairs)
    fixture_pairs, fixture_products = fixture_names(args.fixtures)
    matching = cpe_pairs + [p for p in fixture_pairs if p not in records]

    products, made = [], 0
    counts = Counter()
    used_cpe, used_names = set(), set()
    cpe_slot = name_slot = 0
    per_product = 100
    p = 0
    while made < args.components:
        components = []
        for k in range(min(per_product, args.components - made)):
            n = made + k
            version = rng.choice(VERSIONS)
            kind = n % 10  # 0-3 CPE, 4-8 purl, 9 name only
            if kind <= 3:
                if (n // 10) % 25 < 3:  # 12% of the CPE components
                    vendor, product = matching[cpe_slot % len(matching)]
                    cpe_slot += 1
                    used_cpe.add((vendor, product))
                    counts["cpe, naming a JVN CPE"] += 1
                else:
                    vendor, product = f"synthvendor{n % 997}", f"synthlib_{n}"
                    counts["cpe, naming no stored CPE"] += 1
                components.append({"vendor": vendor, "name": product.replace("_", "-"),
                                   "version": version,
                                   "cpe": f"cpe:2.3:a:{vendor}:{product}:{version}:*:*:*:*:*:*:*"})
            elif kind <= 8:
                ptype = PURL_TYPES[n % len(PURL_TYPES)]
                if (n // 10) % 50 == 0 and name_pairs:  # 2% of the purl components
                    vendor, name = name_pairs[name_slot % len(name_pairs)]
                    name_slot += 1
                    used_names.add(name)
                    counts["purl, named after a stored CPE product"] += 1
                else:
                    vendor, name = f"synthorg{n % 499}", f"synth-pkg-{n}"
                    counts["purl, naming nothing stored"] += 1
                namespace = {"npm": f"@{vendor}", "maven": f"org.{vendor}", "pypi": "",
                             "golang": f"github.com/{vendor}", "deb": "debian"}[ptype]
                purl = f"pkg:{ptype}/{namespace + '/' if namespace else ''}{name}@{version}"
                components.append({"name": name, "version": version, "purl": purl})
            else:
                components.append({"name": f"kxfw-module-{n}", "version": version})
                counts["name only"] += 1
        made += len(components)
        keywords = [f"KX{p:04d}"]
        if p % 5 == 0 and fixture_products:
            keywords.append(fixture_products[(p // 5) % len(fixture_products)])
        products.append({"name": f"Kestrelon KX{p:04d}", "version": "1",
                         "owners": [f"owner{p}@synthetic.example.jp"], "keywords": keywords,
                         "components": components})
        p += 1
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump({"products": products}, out)
    naming = set()
    for pair in used_cpe:
        naming |= records.get(pair, set())
    by_name = set()
    for pair, ids in records.items():
        if pair[1] in used_names:
            by_name |= ids
    total = sum(1 for _ in sqlite3.connect(args.db).execute("SELECT 1 FROM record"))
    print(f"{made} components in {len(products)} products: "
          + ", ".join(f"{v} {k}" for k, v in counts.items()))
    print(f"{len(used_cpe)} distinct CPE pairs named ({len(used_cpe & set(records))} stored, "
          f"{len(used_cpe - set(records))} real ones from the fixtures stored only as variants); "
          f"{len(used_names)} purl names after stored CPE products")
    print(f"stored records naming them: {len(naming)} by CPE, {len(by_name)} by name, "
          f"{len(naming | by_name)} together = {100.0 * len(naming | by_name) / total:.1f}% "
          f"of {total} records")


if __name__ == "__main__":
    main()
