#!/usr/bin/python3
"""`vulnwatch calendar --year Y [--json]` through the real binary (issue 12 part 2): the text
lines and the JSON array (read by Python's json) agree, the contract's kinds appear, and a
holidays file written in Shift_JIS by Python's cp932 codec replaces the rules for its year."""
import json
import os
import re
import tempfile

import vwtest as t

work = tempfile.mkdtemp(prefix="vw-calendar-")
config = os.path.join(work, "vulnwatch.conf")
with open(config, "w", encoding="utf-8") as f:
    f.write("[calendar]\nclosures = 12-29..01-03 年末年始, 08-13..08-15 お盆\n")

text = t.run(["calendar", "--year", "2026"], config=config, check_rc=0)
lines = text.stdout.splitlines()
t.check(all(re.fullmatch(r"\d{4}-\d\d-\d\d (national|substitute|citizens|company) \S.*", l)
            for l in lines), "every line is YYYY-MM-DD KIND NAME")
t.check("2026-05-06 substitute 振替休日" in lines, "2026-05-06 is a substitute holiday")
t.check("2026-09-22 citizens 国民の休日" in lines, "2026-09-22 is a citizens' holiday")
t.check("2026-03-20 national 春分の日" in lines and "2026-09-23 national 秋分の日" in lines,
        "the equinox days of 2026")
t.check("2026-08-14 company お盆" in lines, "the configured お盆 closure")
t.check(lines == sorted(lines), "sorted by date")

js = t.run(["calendar", "--year", "2026", "--json"], config=config, check_rc=0)
days = json.loads(js.stdout)
t.check(isinstance(days, list) and all(list(d.keys()) == ["date", "kind", "name"] for d in days),
        "--json is an array of {date, kind, name}")
t.check(["%s %s %s" % (d["date"], d["kind"], d["name"]) for d in days] == lines,
        "--json and the text lines agree")

# The Cabinet Office's format, encoded by Python (an encoder vulnwatch does not share).
csv = os.path.join(work, "syukujitsu.csv")
with open(csv, "wb") as f:
    f.write("国民の祝日・休日月日,国民の祝日・休日名称\r\n2031/1/1,元日\r\n2031/2/3,休日\r\n"
            .encode("cp932"))
with open(config, "a", encoding="utf-8") as f:
    f.write("holidays_file = %s\n" % csv)
p = t.run(["calendar", "--year", "2031"], config=config, check_rc=0)
t.check(p.stdout.startswith("2031-01-01 national 元日\n2031-01-02 company 年末年始\n"
                            "2031-01-03 company 年末年始\n2031-02-03 national 休日\n"),
        "the file's 2031 replaces the rules: %r" % p.stdout[:120])
t.check("成人の日" not in p.stdout, "no computed holiday in an overridden year")

bad = t.run(["calendar", "--year", "1979"], config=config)
t.check(bad.returncode == 2 and bad.stdout == "" and "1980-2099" in bad.stderr,
        "a year nothing covers: exit 2 and why (%s)" % bad.stderr.strip())
t.finish()
