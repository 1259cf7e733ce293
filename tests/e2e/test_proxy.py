#!/usr/bin/python3
"""HTTP proxies (issue 15 part 2; docs/configuration.md "Proxy") with the real binary, the
loopback test servers and a loopback proxy the test starts (tests/servers/proxy_server.py,
which records every request it is asked to pass):

- `[daemon] proxy` carries a jvn-rss poll over plain HTTP (absolute-form GET) and over HTTPS
  (CONNECT), a webhook post, and an IMAP poll (CONNECT tunnel);
- a proxy that demands authentication answers 407 without credentials (the poll fails with a
  clear error) and passes the request with `proxy_credentials_file`;
- the environment's http_proxy/https_proxy are ignored unless `proxy = env`;
- `no_proxy` and a source's own `proxy = none` go direct;
- bad values are refused with the key named; credentials never appear in the output."""
import json
import os
import subprocess
import time

import vwtest as t

ws = t.Workspace("proxy")
ws.serve("new.rdf", t.demo_feed())
SERVERS = os.path.join(t.SOURCE_DIR, "tests", "servers", "proxy_server.py")
procs = []


def start_proxy(name, user=None, password=None):
    port_file = os.path.join(ws.dir, name + ".port")
    log = os.path.join(ws.dir, name + ".jsonl")
    open(log, "w").close()
    cmd = ["/usr/bin/python3", SERVERS, "--port-file", port_file, "--log", log]
    if user:
        cmd += ["--user", user, "--password", password]
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
    procs.append(proc)
    t.wait_until(lambda: os.path.exists(port_file) and open(port_file).read().strip(), 10)
    return "http://127.0.0.1:%s" % open(port_file).read().strip(), log


def passed(log):
    with open(log, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def clear(log):
    open(log, "w").close()


def config(daemon="", source="", extra=""):
    return ws.write("vulnwatch.conf", f"""
[store]
path = {ws.db}

[daemon]
{daemon}

[source.jvndb-new]
type = jvn-rss
url = {ws.feed_url("new.rdf")}
{source}

[source.jvndb-tls]
type = jvn-rss
url = {ws.feed_url("new.rdf", tls=True)}
ca_file = {t.env("TS_CA_CERT")}
{source}
{extra}
""")


def poll(cfg, env=None):
    full = dict(os.environ)
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY", "no_proxy", "NO_PROXY"):
        full.pop(key, None)
    full.update(env or {})
    return subprocess.run([t.BINARY, "--config", cfg, "poll", "--once"], capture_output=True,
                          text=True, env=full, timeout=120)


try:
    open_url, open_log = start_proxy("open")
    auth_url, auth_log = start_proxy("auth", "proxyuser", "s3cret-proxy-pass")
    http_port = t.env("TS_HTTP_PORT")
    https_port = t.env("TS_HTTPS_PORT")

    # --- [daemon] proxy: plain HTTP and HTTPS by CONNECT ------------------------------------
    cfg = config(daemon=f"proxy = {open_url}")
    p = t.run(["config", "check"], config=cfg, check_rc=0)
    p = poll(cfg)
    t.check(p.returncode == 0, "poll --once through the proxy exits 0 (%s)" % p.stderr[-300:])
    lines = passed(open_log)
    t.check(any(x["method"] == "GET" and x["target"] == ws.feed_url("new.rdf") for x in lines),
            "the plain HTTP feed went through the proxy as an absolute-form GET (%s)" % lines)
    t.check(any(x["method"] == "CONNECT" and x["target"] == "127.0.0.1:%s" % https_port
                for x in lines), "the HTTPS feed went through the proxy by CONNECT")
    p = t.run(["advisories", "list", "--json"], config=cfg, check_rc=0)
    t.check(p.stdout.count("\n") >= 1, "the records fetched through the proxy are stored")

    # --- the environment is ignored unless proxy = env --------------------------------------
    clear(open_log)
    cfg = config()
    env = {"http_proxy": open_url, "https_proxy": open_url, "HTTPS_PROXY": open_url}
    p = poll(cfg, env)
    t.check(p.returncode == 0 and passed(open_log) == [],
            "without a proxy key, http_proxy/https_proxy in the environment are ignored")
    cfg = config(daemon="proxy = env")
    p = poll(cfg, env)
    t.check(p.returncode == 0 and len(passed(open_log)) >= 2,
            "proxy = env follows the environment (%d requests)" % len(passed(open_log)))

    # --- no_proxy and a source's own proxy = none go direct --------------------------------
    clear(open_log)
    cfg = config(daemon=f"proxy = {open_url}\nno_proxy = localhost, 127.0.0.1")
    p = poll(cfg)
    t.check(p.returncode == 0 and passed(open_log) == [], "no_proxy = 127.0.0.1 goes direct")
    cfg = config(daemon=f"proxy = {open_url}", source="proxy = none")
    p = poll(cfg)
    t.check(p.returncode == 0 and passed(open_log) == [],
            "a source's own proxy = none goes direct")

    # --- a proxy that demands credentials ----------------------------------------------------
    cfg = config(daemon=f"proxy = {auth_url}")
    p = poll(cfg)
    t.check(p.returncode != 0 or "407" in p.stderr,
            "without credentials the poll fails (exit %d)" % p.returncode)
    t.check("407" in p.stderr, "the error names the proxy's 407 (%s)" % p.stderr.strip()[-300:])
    t.check(all(x["status"] == 407 for x in passed(auth_log)), "the proxy refused every request")
    clear(auth_log)
    ws.write("proxy.cred", "proxyuser:s3cret-proxy-pass\n")
    os.chmod(os.path.join(ws.dir, "proxy.cred"), 0o600)
    cfg = config(daemon=f"proxy = {auth_url}\nproxy_credentials_file = proxy.cred")
    p = poll(cfg)
    lines = passed(auth_log)
    t.check(p.returncode == 0, "with proxy_credentials_file the poll succeeds (%s)"
            % p.stderr[-300:])
    t.check(any(x["status"] == 200 and x["method"] == "CONNECT" for x in lines) and
            any(x["status"] in (200, 304) and x["method"] == "GET" for x in lines),
            "the proxy passed the authenticated GET and CONNECT")
    p = t.run(["config", "show"], config=cfg)
    t.check("s3cret-proxy-pass" not in p.stdout + p.stderr,
            "config show does not print the proxy password")
    # A source may use its own proxy and credentials.
    clear(open_log)
    clear(auth_log)
    cfg = config(daemon=f"proxy = {open_url}",
                 source=f"proxy = {auth_url}\nproxy_credentials_file = proxy.cred")
    p = poll(cfg)
    t.check(p.returncode == 0 and passed(open_log) == [] and len(passed(auth_log)) >= 2,
            "a source's own proxy and credentials win over [daemon]'s")

    # --- a webhook notifier through the proxy -------------------------------------------------
    clear(open_log)
    cfg = config(daemon=f"proxy = {open_url}",
                 extra=f"\n[notifier.chat]\ntype = webhook\nurl = {ws.hook_url()}\n")
    p = t.run(["notify", "test", "chat"], config=cfg, check_rc=0)
    t.check(any(x["method"] == "POST" and x["target"] == ws.hook_url()
                for x in passed(open_log)), "the webhook post went through the proxy")
    t.check(t.wait_until(lambda: len(t.hooks_for(ws.tag)) >= 1, 10),
            "and reached the webhook receiver")

    # --- IMAP through a CONNECT tunnel --------------------------------------------------------
    if os.environ.get("TS_IMAP_PORT"):
        clear(open_log)
        ws.write("imap.secret", t.env("TS_IMAP_PASS") + "\n")
        cfg = ws.write("imap.conf", f"""
[store]
path = {ws.db}

[daemon]
proxy = {open_url}

[source.mail]
type = imap
url = imap://127.0.0.1:{t.env("TS_IMAP_PORT")}/INBOX
starttls = required
ca_file = {t.env("TS_CA_CERT")}
user = {t.env("TS_IMAP_USER")}
password_file = imap.secret
after_processing = leave
""")
        p = poll(cfg)
        t.check(p.returncode == 0, "an IMAP poll through the proxy exits 0 (%s)"
                % p.stderr[-300:])
        t.check(any(x["method"] == "CONNECT" and x["target"] == "127.0.0.1:%s"
                    % t.env("TS_IMAP_PORT") for x in passed(open_log)),
                "IMAP went through the proxy by CONNECT")
    else:
        print("SKIP the IMAP part: no loopback IMAP server (TS_IMAP_PORT)")

    # --- bad values -----------------------------------------------------------------------------
    for value, needle in (("http://user:pw@127.0.0.1:3128", "proxy_credentials_file"),
                          ("ftp://127.0.0.1:21", "is not none, env or a proxy URL"),
                          ("http://127.0.0.1", "give the proxy's port"),
                          ("http://127.0.0.1:3128/path", "no path")):
        cfg = config(daemon=f"proxy = {value}")
        p = t.run(["config", "check"], config=cfg, check_rc=2)
        t.check(needle in p.stderr and "proxy" in p.stderr and "pw@" not in p.stderr,
                "proxy = %s is refused: %s" % (value.replace("pw", "**"), p.stderr.strip()))
    ws.write("bad.cred", "no-colon-here\n")
    cfg = config(daemon=f"proxy = {open_url}\nproxy_credentials_file = bad.cred")
    p = t.run(["config", "check"], config=cfg, check_rc=2)
    t.check("user:password" in p.stderr and "no-colon-here" not in p.stderr,
            "a credentials file without user:password is refused without its content")
    cfg = config(extra="\n[notifier.mail]\ntype = email\nsmtp = smtp://127.0.0.1:25\n"
                 "from = a@example.jp\nproxy = " + open_url + "\n")
    p = t.run(["config", "check"], config=cfg, check_rc=2)
    t.check("applies only to" in p.stderr, "an e-mail notifier takes no proxy (%s)"
            % p.stderr.strip())
finally:
    for proc in procs:
        proc.terminate()
        proc.wait(10)
    ws.cleanup()
t.finish()
