"""What the e2e tests of `vulnwatch serve` share: one serve process on a free loopback port
([web] listen = 127.0.0.1:0, the address read from its log) and sessions made straight in the
store by tests/e2e/make_session.cpp (no login round trip where the login is not the point)."""

import http.client
import os
import re
import signal
import subprocess
import urllib.parse

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

    def request(self, method, path, session=None, headers=None, form=None, lang=None,
                body=None):
        """One request on a connection of its own: `session` (token, csrf) as the session
        cookie, `lang` as the language cookie, `form` (pairs) URL-encoded as the body, else
        `body` as it is. Gives (status, headers with lower-case names, body text)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        cookies = []
        if session:
            cookies.append("vw_session=" + session[0])
        if lang:
            cookies.append("vw_lang=" + lang)
        if cookies:
            h["Cookie"] = "; ".join(cookies)
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        got = {k.lower(): v for k, v in r.getheaders()}
        conn.close()
        return r.status, got, text

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
