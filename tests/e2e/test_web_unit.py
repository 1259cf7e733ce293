#!/usr/bin/python3
"""systemd/vulnwatch-web.service (the unit of `vulnwatch serve`) passes `systemd-analyze verify`
with the built binary in place of /usr/bin/vulnwatch, scores an exposure of at most 2.0 like
vulnwatch.service, and shares the daemon's user, state directory and configuration."""
import os
import re
import subprocess
import tempfile

import vwtest as t


def settings(text):
    out = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            out.setdefault(key.strip(), []).append(value.strip())
    return out


web_src = open(os.path.join(t.SOURCE_DIR, "systemd", "vulnwatch-web.service"), encoding="utf-8").read()
daemon_src = open(os.path.join(t.SOURCE_DIR, "systemd", "vulnwatch.service"), encoding="utf-8").read()
web, daemon = settings(web_src), settings(daemon_src)
t.check(web.get("Type") == ["notify"] and "WatchdogSec" in web, "the unit is Type=notify with a watchdog")
t.check(any(" serve" in v for v in web.get("ExecStart", [])), "it runs `vulnwatch serve`")
t.check(any("config check" in v for v in web.get("ExecStartPre", [])), "it checks the config first")
for key in ("User", "Group", "StateDirectory", "ConfigurationDirectory"):
    t.check(web.get(key) == daemon.get(key), "%s is the daemon's (%s)" % (key, web.get(key)))
t.check(web.get("CapabilityBoundingSet") == [""], "no capabilities")

unit_dir = tempfile.mkdtemp(prefix="vw-web-unit-")
unit = os.path.join(unit_dir, "vulnwatch-web.service")
with open(unit, "w", encoding="utf-8") as f:
    f.write(web_src.replace("/usr/bin/vulnwatch", os.path.abspath(t.BINARY)))
p = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True, text=True)
ours = [line for line in p.stderr.splitlines() if "vulnwatch-web.service" in line]
t.check(p.returncode == 0, "systemd-analyze verify exits 0: %s" % p.stderr.strip()[:300])
t.check(not ours, "no warnings about vulnwatch-web.service: %s" % ours)
p = subprocess.run(["systemd-analyze", "security", "--offline=true", unit], capture_output=True, text=True)
m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", p.stdout + p.stderr)
t.check(m is not None, "systemd-analyze security printed an exposure level")
if m:
    t.check(float(m.group(1)) <= 2.0, "exposure %s <= 2.0" % m.group(1))
t.finish()
