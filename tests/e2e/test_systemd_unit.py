#!/usr/bin/python3
"""systemd/vulnwatch.service passes `systemd-analyze verify` (with the built binary in place of
/usr/bin/vulnwatch) without warnings, and its sandboxing scores an exposure of at most 2.0."""
import os
import re
import subprocess
import tempfile

import vwtest as t

src = open(os.path.join(t.SOURCE_DIR, "systemd", "vulnwatch.service"), encoding="utf-8").read()
t.check("Type=notify" in src and "WatchdogSec=" in src and "ExecStartPre=" in src, "unit has notify, watchdog, config check")
unit_dir = tempfile.mkdtemp(prefix="vw-unit-")
unit = os.path.join(unit_dir, "vulnwatch.service")
with open(unit, "w", encoding="utf-8") as f:
    f.write(src.replace("/usr/bin/vulnwatch", os.path.abspath(t.BINARY)))

p = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True, text=True)
# Messages about the host (no systemd as PID 1, missing system units) are not about our unit.
ours = [l for l in p.stderr.splitlines() if "vulnwatch.service" in l]
t.check(p.returncode == 0, "systemd-analyze verify exits 0: %s" % p.stderr.strip()[:300])
t.check(not ours, "no warnings about vulnwatch.service: %s" % ours)

p = subprocess.run(["systemd-analyze", "security", "--offline=true", unit], capture_output=True, text=True)
m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", p.stdout + p.stderr)
t.check(m is not None, "systemd-analyze security printed an exposure level")
if m:
    t.check(float(m.group(1)) <= 2.0, "exposure %s <= 2.0" % m.group(1))

# The backup service and its timer (docs/operations.md "Backup and restore").
for name in ("vulnwatch-backup.service", "vulnwatch-backup.timer"):
    text = open(os.path.join(t.SOURCE_DIR, "systemd", name), encoding="utf-8").read()
    path = os.path.join(unit_dir, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace("/usr/bin/vulnwatch", os.path.abspath(t.BINARY)))
p = subprocess.run(["systemd-analyze", "verify", os.path.join(unit_dir, "vulnwatch-backup.timer"),
                    os.path.join(unit_dir, "vulnwatch-backup.service")],
                   capture_output=True, text=True)
ours = [l for l in p.stderr.splitlines() if "vulnwatch-backup" in l]
t.check(p.returncode == 0 and not ours,
        "systemd-analyze verify accepts the backup service and timer: %s" % p.stderr.strip()[:300])
backup_unit = open(os.path.join(unit_dir, "vulnwatch-backup.service"), encoding="utf-8").read()
t.check(" backup --force ${VULNWATCH_BACKUP}" in backup_unit and "Type=oneshot" in backup_unit,
        "the backup service runs `vulnwatch backup --force` once")
p = subprocess.run(["systemd-analyze", "security", "--offline=true",
                    os.path.join(unit_dir, "vulnwatch-backup.service")],
                   capture_output=True, text=True)
m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", p.stdout + p.stderr)
t.check(m is not None and float(m.group(1)) <= 2.0,
        "the backup service's exposure is at most 2.0 (%s)" % (m.group(1) if m else "none"))

for name in ("vulnwatch.sysusers", "vulnwatch.tmpfiles"):
    t.check(os.path.exists(os.path.join(t.SOURCE_DIR, "systemd", name)), "%s exists" % name)
t.finish()
