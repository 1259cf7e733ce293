#!/usr/bin/python3
"""`vulnwatch users …` through the real binary (issue 13 part 3): passwords from a file, from a
pipe and typed on a terminal (a pty: asked twice, never echoed), the stored Argon2id hash checked
with libsodium through ctypes, `users list --json` read by Python's json, API tokens printed once
and stored only as their SHA-256 (hashlib), and the audit events: one per change, naming the actor
(--by, $SUDO_USER, $USER) and carrying no password or token."""
import ctypes
import ctypes.util
import hashlib
import json
import os
import pty
import select
import subprocess
import tempfile
import time

import vwtest as t

work = tempfile.mkdtemp(prefix="vw-users-")
db = os.path.join(work, "vulnwatch.db")

sodium = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
t.check(sodium.sodium_init() >= 0, "libsodium loads (ctypes)")


def hash_of(name):
    con = t.db_connect(db)
    try:
        row = con.execute("SELECT password_hash FROM app_user WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None
    finally:
        con.close()


def verifies(name, password):
    """libsodium's own crypto_pwhash_str_verify on the stored hash."""
    stored = hash_of(name)
    if not stored:
        return False
    secret = password.encode("utf-8")
    return sodium.crypto_pwhash_str_verify(stored.encode("ascii"), secret,
                                           ctypes.c_ulonglong(len(secret))) == 0


def run(args, stdin=None, env_changes=None):
    env = dict(os.environ)
    for name, value in (env_changes or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run([t.BINARY, "--db", db] + args, input=stdin, capture_output=True,
                          text=True, timeout=60, env=env)


def on_terminal(args, typed, env_changes=None):
    """Runs the binary with a pty as its terminal, typing each of `typed` after a prompt; returns
    (exit code, everything the terminal showed)."""
    env = dict(os.environ)
    env.update(env_changes or {})
    master, slave = pty.openpty()
    p = subprocess.Popen([t.BINARY, "--db", db] + args, stdin=slave, stdout=slave, stderr=slave,
                         env=env, close_fds=True)
    os.close(slave)
    shown = b""
    pending = list(typed)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the program ended and closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            # A prompt ends with ": " and waits: type the next line.
            if pending and shown.endswith(b": "):
                os.write(master, pending.pop(0).encode("utf-8") + b"\n")
        elif p.poll() is not None:
            break
    p.wait(timeout=30)
    os.close(master)
    return p.returncode, shown.decode("utf-8", "replace")


ADMIN_PW = "管理者の長いパスワード-2026"
TRIAGER_PW = "triager pipe password"
TTY_PW = "typed on a terminal 123"

# A product for the triager.
t.run(["products", "add", "Infusion Pump", "--version", "2.0"], db=db, check_rc=0)

# 1. From a file (one line, its newline dropped), actor from --by.
pw_file = os.path.join(work, "admin.pw")
with open(pw_file, "w", encoding="utf-8") as f:
    f.write(ADMIN_PW + "\n")
os.chmod(pw_file, 0o600)
p = run(["users", "add", "suzuki", "--role", "admin", "--password-file", pw_file, "--by", "setup"])
t.check(p.returncode == 0, "users add --password-file exits 0 (%s)" % p.stderr.strip())
t.check("suzuki" in p.stdout and "admin" in p.stdout, "it says whom it added: %r" % p.stdout)
t.check(ADMIN_PW not in p.stdout + p.stderr, "the password is not printed")
stored = hash_of("suzuki") or ""
t.check(stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$"), "an Argon2id hash is stored: %s"
        % stored[:40])
t.check(verifies("suzuki", ADMIN_PW), "libsodium verifies the file's password against it")
t.check(not verifies("suzuki", ADMIN_PW + "\n"), "the file's newline is not part of it")

# 2. From a pipe, a triager with a product; actor from $SUDO_USER before $USER.
p = run(["users", "add", "tanaka", "--role", "triager", "--product", "Infusion Pump"],
        stdin=TRIAGER_PW + "\n", env_changes={"SUDO_USER": "ops-bob", "USER": "root"})
t.check(p.returncode == 0, "users add from standard input exits 0 (%s)" % p.stderr.strip())
t.check(TRIAGER_PW not in p.stdout + p.stderr, "a piped password is not echoed")
t.check(verifies("tanaka", TRIAGER_PW), "libsodium verifies the piped password")

# 3. Typed on a terminal: asked twice, never shown.
code, shown = on_terminal(["users", "add", "yamada", "--role", "viewer"], [TTY_PW, TTY_PW],
                          env_changes={"USER": "alice"})
t.check(code == 0, "users add on a terminal exits 0 (%r)" % shown[-200:])
t.check(shown.count("パスワード") >= 1 and "もう一度" in shown,
        "it asks for the password and again: %r" % shown[:200])
t.check(TTY_PW not in shown, "the typed password is never echoed")
t.check(verifies("yamada", TTY_PW), "libsodium verifies the typed password")
code, shown = on_terminal(["users", "add", "ito", "--role", "viewer"],
                          ["first long password", "second long password"])
t.check(code == 1 and "一致しません" in shown, "two different passwords: exit 1 and why (%r)"
        % shown[-160:])
t.check(hash_of("ito") is None and "long password" not in shown,
        "nothing added, nothing echoed")

# 4. Refusals: clear, specific, Japanese first, English with --lang en; never an argument.
p = run(["users", "add", "kato", "--role", "viewer", "--password", "secret-in-argv"])
t.check(p.returncode == 2 and "--password" in p.stderr,
        "a password option does not exist: exit 2 (%s)" % p.stderr.strip().splitlines()[0])
p = run(["users", "add", "kato", "--role", "viewer"], stdin="short\n")
t.check(p.returncode == 1 and "12 文字以上" in p.stderr, "a short password: exit 1, in Japanese (%s)"
        % p.stderr.strip())
p = run(["users", "add", "kato", "--role", "viewer", "--lang", "en"], stdin="short\n")
t.check(p.returncode == 1 and "at least 12" in p.stderr, "… and in English with --lang en (%s)"
        % p.stderr.strip())
p = run(["users", "add", "kato", "--role", "boss"], stdin=TRIAGER_PW)
t.check(p.returncode == 2 and "viewer, triager or admin" in p.stderr, "an unknown role: exit 2")
p = run(["users", "add", "kato", "--role", "triager", "--product", "Nothing Such"],
        stdin=TRIAGER_PW)
t.check(p.returncode == 1 and "Nothing Such" in p.stderr, "an unregistered product: exit 1 (%s)"
        % p.stderr.strip())
p = run(["users", "add", "ＴＡＮＡＫＡ", "--role", "viewer"], stdin=TRIAGER_PW)
t.check(p.returncode == 1 and "tanaka" in p.stderr, "a name taken in another width and case (%s)"
        % p.stderr.strip())
p = run(["users", "add", "kato", "--role", "viewer"], stdin="x" * 100000)
t.check(p.returncode == 1 and "長すぎます" in p.stderr, "100 kB on standard input is refused (%s)"
        % p.stderr.strip())
p = run(["users", "add", "bad name", "--role", "viewer"], stdin=TRIAGER_PW)
t.check(p.returncode == 1 and "U+0020" in p.stderr, "a space in a name (%s)" % p.stderr.strip())

# 5. API tokens: printed once on standard output, stored as SHA-256 only.
p = run(["users", "token", "tanaka", "--label", "CI", "--by", "suzuki"])
token = p.stdout.strip()
t.check(p.returncode == 0 and token.startswith("vw_") and len(token) == 43
        and p.stdout == token + "\n", "users token prints the token alone: %r" % p.stdout)
t.check("二度と表示されません" in p.stderr, "and says on standard error it is shown only now")
con = t.db_connect(db)
token_rows = con.execute("SELECT id, token_hash FROM api_token").fetchall()
con.close()
t.check(len(token_rows) == 1 and token_rows[0][1] == hashlib.sha256(token.encode()).hexdigest(),
        "the database keeps the token's SHA-256 (hashlib agrees)")
token_id = token_rows[0][0] if token_rows else 0

# 6. users list --json.
p = run(["users", "list", "--json"])
listed = json.loads(p.stdout) if p.returncode == 0 else {}
users = {u["name"]: u for u in listed.get("users", [])}
t.check(sorted(users) == ["suzuki", "tanaka", "yamada"], "users list --json lists the three: %s"
        % sorted(users))
t.check(users.get("tanaka", {}).get("role") == "triager"
        and users["tanaka"]["products"] == ["Infusion Pump"], "tanaka is the pump's triager")
t.check(set(users.get("suzuki", {}).keys()) == {"name", "role", "products", "created_at",
                                                "password_set_at", "disabled", "disabled_at",
                                                "tokens"}, "the documented keys")
tk = users.get("tanaka", {}).get("tokens", [])
t.check(len(tk) == 1 and tk[0]["id"] == token_id and tk[0]["label"] == "CI"
        and tk[0]["revoked_at"] is None and token not in p.stdout,
        "tanaka's token listed by id and label, not by value")

# 7. A new role, revoke, change a password, remove.
p = run(["users", "set", "yamada", "--role", "triager", "--product", "Infusion Pump", "--by",
         "suzuki"])
t.check(p.returncode == 0 and "Infusion Pump" in p.stdout, "users set gives yamada the pump (%s)"
        % (p.stdout + p.stderr).strip())
p = run(["users", "set", "yamada", "--role", "viewer", "--by", "suzuki"])
t.check(p.returncode == 0, "users set makes yamada a viewer again")
p = run(["users", "set", "yamada", "--role", "admin", "--product", "Infusion Pump"])
t.check(p.returncode == 2 and "triager" in p.stderr, "products for an admin: exit 2 (%s)"
        % p.stderr.strip().splitlines()[0])

p = run(["users", "revoke-token", str(token_id), "--by", "suzuki"])
t.check(p.returncode == 0, "users revoke-token exits 0")
p = run(["users", "revoke-token", str(token_id)])
t.check(p.returncode == 1 and "失効" in p.stderr, "revoking twice says so (%s)" % p.stderr.strip())
new_pw_file = os.path.join(work, "new.pw")
with open(new_pw_file, "w", encoding="utf-8") as f:
    f.write("the new triager password\r\n")
p = run(["users", "passwd", "TANAKA", "--password-file", new_pw_file, "--by", "suzuki"])
t.check(p.returncode == 0, "users passwd exits 0 (%s)" % p.stderr.strip())
t.check(verifies("tanaka", "the new triager password") and not verifies("tanaka", TRIAGER_PW),
        "the new password replaced the old one")
p = run(["users", "passwd", "nobody", "--password-file", new_pw_file])
t.check(p.returncode == 1 and "nobody" in p.stderr, "passwd of an unknown user: exit 1")
p = run(["users", "remove", "yamada", "--by", "suzuki"])
t.check(p.returncode == 0, "users remove exits 0")
t.check(hash_of("yamada") == "", "a removed user's hash is forgotten")
p = run(["users", "list", "--json"])
t.check("yamada" not in p.stdout, "users list leaves removed users out")
p = run(["users", "list", "--json", "--all"])
everyone = {u["name"]: u for u in json.loads(p.stdout)["users"]}
t.check(everyone.get("yamada", {}).get("disabled") is True
        and everyone["yamada"]["disabled_at"] is not None, "--all shows yamada removed")
t.check(everyone["tanaka"]["tokens"][0]["revoked_at"] is not None, "--all shows the revoked token")
p = run(["users", "list", "--lang", "en"])
t.check(p.returncode == 0 and "tanaka  triager" in p.stdout and "products: Infusion Pump"
        in p.stdout, "users list in text")

# 8. The audit trail: one event per change, with its actor, and no secret anywhere.
p = run(["audit", "export", "--since", "2000-01-01", "--json"])
events = [json.loads(line)["event"] for line in p.stdout.splitlines() if line.strip()]
user_events = [e for e in events if e.get("kind") == "user"]
got = [(e["details"]["action"], e["subjects"], e.get("actor")) for e in user_events]
t.check(got == [("add", ["user:suzuki"], "setup"),
                ("add", ["user:tanaka"], "ops-bob"),
                ("add", ["user:yamada"], "alice"),
                ("token-create", ["user:tanaka"], "suzuki"),
                ("set", ["user:yamada"], "suzuki"),
                ("set", ["user:yamada"], "suzuki"),
                ("token-revoke", ["user:tanaka"], "suzuki"),
                ("passwd", ["user:tanaka"], "suzuki"),
                ("remove", ["user:yamada"], "suzuki")], "the user events in order: %s" % got)
for secret in (ADMIN_PW, TRIAGER_PW, TTY_PW, "the new triager password", token, token[3:],
               "first long password"):
    t.check(secret not in p.stdout, "no audit event holds %r…" % secret[:6])
t.check("$argon2id$" not in p.stdout, "no audit event holds a hash")
t.check(run(["audit", "verify"]).returncode == 0, "the audit chain holds")

# 9. No secret in the database file at all.
raw = t.db_raw(db)
for secret in (ADMIN_PW, TRIAGER_PW, TTY_PW, "the new triager password", token):
    t.check(secret.encode("utf-8") not in raw, "the database file does not hold %r…" % secret[:6])
t.finish()
