"""What the e2e tests of `vulnwatch serve` share: one serve process on a free loopback port
([web] listen = 127.0.0.1:0, the address read from its log) and sessions made straight in the
store by tests/e2e/make_session.cpp (no login round trip where the login is not the point)."""

import os
import re
import signal
import subprocess

import vwtest as t


class Serve:
    """`vulnwatch --config CONFIG --db DB [--log-level LEVEL] serve`, logging to WORK/NAME.log.
    With `config_text` the config file WORK/NAME.conf is written first. After the constructor:
    scheme, port and base ("http://127.0.0.1:PORT"); a serve that never says where it listens
    fails the test with its log."""

    def __init__(self, work, db, config=None, config_text=None, name="serve", log_level="debug"):
        if config_text is not None:
            config = os.path.join(work, name + ".conf")
            with open(config, "w", encoding="utf-8") as f:
                f.write(config_text)
        self.config = config
        self.log_path = os.path.join(work, name + ".log")
        self.log = open(self.log_path, "w")
        args = [t.BINARY, "--config", config, "--db", db]
        if log_level:
            args += ["--log-level", log_level]
        self.proc = subprocess.Popen(args + ["serve"], stdout=self.log, stderr=subprocess.STDOUT)
        line = t.wait_until(lambda: re.search(r"listening on (https?)://127\.0\.0\.1:(\d+)",
                                              t.read_text(self.log_path)), 20)
        if not line:
            print(t.read_text(self.log_path))
            self.stop()
            t.check(False, "%s: serve logs the address it listens on" % name)
            t.finish()
        self.scheme, self.port = line.group(1), int(line.group(2))
        self.base = "%s://127.0.0.1:%d" % (self.scheme, self.port)

    def stop(self):
        """SIGTERM, then the exit status (None when it had to be killed after 20 s)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(20)
            rc = None
        if not self.log.closed:
            self.log.close()
        return rc


def make_session(db, user):
    """(session token, CSRF token) of a new session of `user`."""
    helper = os.environ.get("VULNWATCH_MAKE_SESSION") or os.path.join(
        os.path.dirname(t.BINARY), "..", "tests", "make_session")
    p = subprocess.run([helper, db, user], capture_output=True, text=True, timeout=60)
    t.check(p.returncode == 0, "make_session %s works (%s)" % (user, p.stderr.strip()))
    token, csrf = p.stdout.split()
    return token, csrf
