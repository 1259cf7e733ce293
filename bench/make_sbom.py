#!/usr/bin/python3
"""Writes a SYNTHETIC CycloneDX 1.5 JSON SBOM for the matching benchmark (bench/run_match.sh).

    make_sbom.py --registry products.json --components 10000 --out sbom.cdx.json

takes the first --components components of a registry written by `make_registry.py --mix`
(CPEs, purls and plain names mixed as a manufacturer's are; cycled when the registry has
fewer) and writes them as CycloneDX library components: name, version, purl, cpe, publisher
(the vendor), a bom-ref each, and a flat dependency list from a root component, as SBOM tools
write them. Python 3 standard library only; deterministic.
"""
import argparse
import json


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", required=True)
    parser.add_argument("--components", type=int, default=10000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    with open(args.registry, encoding="utf-8") as f:
        registry = json.load(f)
    source = [c for p in registry["products"] for c in p.get("versions", [p])[0]["components"]]
    if not source:
        raise SystemExit(f"no components in {args.registry}")
    components = []
    for i in range(args.components):
        c = source[i % len(source)]
        suffix = "" if i < len(source) else f"-copy{i // len(source)}"
        out = {"type": "library", "bom-ref": f"ref-{i}", "name": c["name"] + suffix,
               "version": c.get("version", "")}
        if c.get("vendor"):
            out["publisher"] = c["vendor"]
        if c.get("purl"):
            out["purl"] = c["purl"].replace("@", suffix + "@", 1) if suffix else c["purl"]
        if c.get("cpe"):
            out["cpe"] = c["cpe"]
        components.append(out)
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": "urn:uuid:00000000-0000-4000-8000-000000000001",
        "version": 1,
        "metadata": {
            "timestamp": "2026-11-28T00:00:00Z",
            "component": {"type": "firmware", "bom-ref": "root",
                          "name": "SYNTHETIC firmware (bench/make_sbom.py)", "version": "1.0"},
        },
        "components": components,
        "dependencies": [{"ref": "root", "dependsOn": [c["bom-ref"] for c in components]}],
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(bom, f)
    print(f"{len(components)} components written to {args.out}")


if __name__ == "__main__":
    main()
