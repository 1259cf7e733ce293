#!/usr/bin/env python3
"""An independent reading of an SBOM, for tests/unit/inventory/sbom_test.cpp.

Python 3 standard library only (json, xml.etree, plain line reading for SPDX tag-value), written
without looking at the C++ reader's structure, so the two can check each other. Prints one JSON
object:

  {"family": "cyclonedx"|"spdx", "components": N, "with_cpe": N, "with_purl": N,
   "cpes": N, "skipped": N, "subject": N, "names": ["name@version", ...sorted]}

Counting rule (shared/fixtures/sbom/SOURCES.md): CycloneDX: every component under the top-level
`components`, nested ones included, except type `file` (those are `skipped`); `metadata.component`
is the `subject`. SPDX: every package except the ones the document DESCRIBES (`documentDescribes`,
a DESCRIBES relationship from the document or DESCRIBED_BY to it); those are the `subject`.
A CPE is a CycloneDX `cpe`, a `syft:cpe23` property or an external reference URL starting with
`cpe:`; an SPDX external reference of type cpe22Type / cpe23Type (short or URL form). `cpes` counts
the distinct CPEs per component, summed.

Usage: sbom_reference.py FILE
"""
import json
import sys
import xml.etree.ElementTree as ET


def result(family, components, skipped, subject):
    return {
        "family": family,
        "components": len(components),
        "with_cpe": sum(1 for c in components if c["cpes"]),
        "with_purl": sum(1 for c in components if c["purl"]),
        "cpes": sum(len(c["cpes"]) for c in components),
        "skipped": skipped,
        "subject": subject,
        "names": sorted(c["name"] + "@" + c["version"] for c in components),
    }


def unique(values):
    seen = []
    for v in values:
        v = (v or "").strip()
        if v.startswith("cpe:") and v not in seen:
            seen.append(v)
    return seen


# --- CycloneDX JSON ---------------------------------------------------------------------------

def cdx_json(doc):
    components, skipped = [], 0

    def walk(items):
        nonlocal skipped
        for item in items or []:
            if not isinstance(item, dict):
                continue
            if item.get("type") == "file" or not str(item.get("name", "")).strip():
                skipped += 1
            else:
                cpes = [item.get("cpe")]
                cpes += [p.get("value") for p in item.get("properties", [])
                         if p.get("name") == "syft:cpe23"]
                cpes += [r.get("url") for r in item.get("externalReferences", [])
                         if str(r.get("url", "")).strip().startswith("cpe:")]
                components.append({"name": str(item["name"]).strip(),
                                   "version": str(item.get("version", "")).strip(),
                                   "purl": str(item.get("purl", "")).strip(),
                                   "cpes": unique(cpes)})
            walk(item.get("components"))

    walk(doc.get("components"))
    subject = 1 if isinstance(doc.get("metadata", {}).get("component"), dict) else 0
    return result("cyclonedx", components, skipped, subject)


# --- CycloneDX XML ----------------------------------------------------------------------------

def cdx_xml(root):
    ns = root.tag[1:root.tag.index("}")]
    q = lambda name: "{%s}%s" % (ns, name)
    components, skipped = [], 0

    def text(element, name):
        child = element.find(q(name))
        return (child.text or "").strip() if child is not None else ""

    def walk(parent):
        nonlocal skipped
        holder = parent.find(q("components"))
        if holder is None:
            return
        for item in holder.findall(q("component")):
            if item.get("type") == "file" or not text(item, "name"):
                skipped += 1
            else:
                cpes = [text(item, "cpe")]
                cpes += [p.text for p in item.findall(q("properties") + "/" + q("property"))
                         if p.get("name") == "syft:cpe23"]
                cpes += [r.findtext(q("url"), "") for r in
                         item.findall(q("externalReferences") + "/" + q("reference"))
                         if r.findtext(q("url"), "").strip().startswith("cpe:")]
                components.append({"name": text(item, "name"), "version": text(item, "version"),
                                   "purl": text(item, "purl"), "cpes": unique(cpes)})
            walk(item)

    walk(root)
    metadata = root.find(q("metadata"))
    subject = 1 if metadata is not None and metadata.find(q("component")) is not None else 0
    return result("cyclonedx", components, skipped, subject)


# --- SPDX -------------------------------------------------------------------------------------

def ref_kind(reference_type):
    kind = reference_type.strip().replace("#", "/").split("/")[-1].lower()
    if kind in ("cpe22type", "cpe23type"):
        return "cpe"
    return "purl" if kind == "purl" else ""


def spdx_result(packages, described):
    components, subject = [], 0
    for p in packages:
        if p["id"] in described:
            subject += 1
            continue
        cpes = unique(loc for kind, loc in p["refs"] if kind == "cpe")
        purls = [loc for kind, loc in p["refs"] if kind == "purl"]
        components.append({"name": p["name"], "version": p["version"],
                           "purl": purls[0].strip() if purls else "", "cpes": cpes})
    return result("spdx", components, 0, subject)


def spdx_json(doc):
    document_id = doc.get("SPDXID", "SPDXRef-DOCUMENT")
    described = set(doc.get("documentDescribes", []))
    for r in doc.get("relationships", []):
        if r.get("relationshipType") == "DESCRIBES" and r.get("spdxElementId") == document_id:
            described.add(r.get("relatedSpdxElement"))
        if (r.get("relationshipType") == "DESCRIBED_BY"
                and r.get("relatedSpdxElement") == document_id):
            described.add(r.get("spdxElementId"))
    packages = [{"id": p.get("SPDXID", ""), "name": p.get("name", "").strip(),
                 "version": p.get("versionInfo", "").strip(),
                 "refs": [(ref_kind(r.get("referenceType", "")), r.get("referenceLocator", ""))
                          for r in p.get("externalRefs", [])]}
                for p in doc.get("packages", [])]
    return spdx_result(packages, described)


def spdx_tag_value(text):
    pairs, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#") or ":" not in line:
            continue
        tag, value = line.split(":", 1)
        value = value.strip()
        if value.startswith("<text>"):
            value = value[len("<text>"):]
            while "</text>" not in value and i < len(lines):
                value += "\n" + lines[i]
                i += 1
            value = value.split("</text>")[0]
        pairs.append((tag.strip(), value.strip()))

    document_id, packages, described, where = None, [], set(), "document"
    relationships = []
    for tag, value in pairs:
        if tag == "PackageName":
            packages.append({"id": "", "name": value, "version": "", "refs": []})
            where = "package"
        elif tag in ("FileName", "SnippetSPDXID", "LicenseID"):
            where = "other"
        elif tag == "SPDXID":
            if where == "package" and not packages[-1]["id"]:
                packages[-1]["id"] = value
            elif where == "document" and document_id is None:
                document_id = value
        elif tag == "Relationship":
            relationships.append(value.split())
        elif where == "package" and tag == "PackageVersion":
            packages[-1]["version"] = value
        elif where == "package" and tag == "ExternalRef":
            parts = value.split(None, 2)
            if len(parts) == 3:
                packages[-1]["refs"].append((ref_kind(parts[1]), parts[2]))
    document_id = document_id or "SPDXRef-DOCUMENT"
    for r in relationships:
        if len(r) >= 3 and r[1] == "DESCRIBES" and r[0] == document_id:
            described.add(r[2])
        if len(r) >= 3 and r[1] == "DESCRIBED_BY" and r[2] == document_id:
            described.add(r[0])
    return spdx_result([p for p in packages if p["name"]], described)


def read(path):
    with open(path, "rb") as f:
        data = f.read().decode("utf-8-sig")
    start = data.lstrip()[:1]
    if start == "{":
        doc = json.loads(data)
        return cdx_json(doc) if doc.get("bomFormat") == "CycloneDX" else spdx_json(doc)
    if start == "<":
        return cdx_xml(ET.fromstring(data.encode("utf-8")))
    return spdx_tag_value(data)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: sbom_reference.py FILE")
    print(json.dumps(read(sys.argv[1]), ensure_ascii=False))
