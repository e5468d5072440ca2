#!/usr/bin/env bash
# Records Dovecot's IMAP answers (ENVELOPE, BODYSTRUCTURE, BODY and the BODY[...] sections of every part) for the
# MIME samples, so ImapDovecotComparisonTests can compare ours with them without Dovecot running.
#
# Usage: tests/Webmail.Core.Tests/Imap/record-dovecot.sh      (from anywhere; needs apt-get the first time)
# Writes tests/Webmail.Core.Tests/Imap/Dovecot/recordings.json. Samples are fed byte for byte (APPEND literal), so
# they must already have CRLF line ends, as SMTP delivers them (Dovecot counts a bare LF as two octets in sizes).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
out="$here/Dovecot/recordings.json"

if ! command -v dovecot >/dev/null || [ ! -x /usr/lib/dovecot/imap ]; then
    as_root=""; [ "$(id -u)" -eq 0 ] || as_root="sudo"
    $as_root apt-get update -q
    DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -q dovecot-imapd
fi

work="$(mktemp -d)"
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
[ -n "${KEEP_LOG:-}" ] && trap 'cat "$work/dovecot.log" >&2; cleanup' EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
mkdir -p "$work/run" "$work/state" "$work/home" "$work/mail"

# Dovecot refuses mail access as UID 0 and its helper services as root: as root, the throwaway mailbox belongs to
# the packaged "dovecot" user; otherwise everything runs as the current user.
if [ "$(id -u)" -eq 0 ]; then
    mail_uid="$(id -u dovecot)"; mail_gid="$(id -g dovecot)"
    chmod 711 "$work"
    chown -R "$mail_uid:$mail_gid" "$work/home" "$work/mail"
    users=""
else
    mail_uid="$(id -u)"; mail_gid="$(id -g)"
    users="default_login_user = $(id -un)
default_internal_user = $(id -un)
default_internal_group = $(id -gn)"
fi

cat > "$work/dovecot.conf" <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $work/run
state_dir = $work/state
log_path = $work/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:$work/mail
first_valid_uid = 1
$users
passdb {
  driver = static
  args = password=recorder
}
userdb {
  driver = static
  args = uid=$mail_uid gid=$mail_gid home=$work/home
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
EOF

dovecot -c "$work/dovecot.conf" -F &
pid=$!
for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
    sleep 0.2
done

python3 - "$port" "$repo" "$out" \
    tests/Webmail.Fuzz/seeds/mime tests/Webmail.Core.Tests/Imap/Samples/python tests/Webmail.Core.Tests/Imap/Samples/edge <<'EOF'
import base64, hashlib, json, os, re, socket, sys

port, repo, out, dirs = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
FIELDS = "FROM TO SUBJECT DATE MESSAGE-ID CONTENT-TYPE"

class Imap:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""
        self.tag = 0
        self.line()

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("server closed")
            self.buf += chunk
        i = self.buf.index(b"\r\n") + 2
        l, self.buf = self.buf[:i], self.buf[i:]
        return l

    def exact(self, n):
        while len(self.buf) < n:
            self.buf += self.sock.recv(65536)
        b, self.buf = self.buf[:n], self.buf[n:]
        return b

    def response(self):
        """One whole response line, literals included (as they came on the wire)."""
        text = b""
        while True:
            l = self.line()
            text += l
            m = re.search(rb"\{(\d+)\}\r\n$", l)
            if not m:
                return text
            text += self.exact(int(m.group(1)))

    def command(self, cmd, literal=None):
        self.tag += 1
        tag = b"R%d" % self.tag
        if literal is None:
            self.sock.sendall(tag + b" " + cmd + b"\r\n")
        else:
            self.sock.sendall(tag + b" " + cmd + b" {%d}\r\n" % len(literal))
            answer = self.line()
            if not answer.startswith(b"+"):
                raise RuntimeError("no continuation: %r" % answer)
            self.sock.sendall(literal + b"\r\n")
        untagged = []
        while True:
            r = self.response()
            if r.startswith(tag + b" "):
                return r, untagged
            untagged.append(r)

def parse(data, i):
    """Parses one IMAP value at data[i:], returns (value, end). Lists are lists, strings bytes, atoms ('atom', text), NIL None."""
    while data[i:i+1] == b" ":
        i += 1
    c = data[i:i+1]
    if c == b"(":
        items, i = [], i + 1
        while True:
            while data[i:i+1] == b" ":
                i += 1
            if data[i:i+1] == b")":
                return items, i + 1
            v, i = parse(data, i)
            items.append(v)
    if c == b'"':
        s, i = bytearray(), i + 1
        while data[i:i+1] != b'"':
            if data[i:i+1] == b"\\":
                i += 1
            s += data[i:i+1]
            i += 1
        return bytes(s), i + 1
    if c == b"~" and data[i+1:i+2] == b"{":
        i += 1  # RFC 3516 literal8
        c = b"{"
    if c == b"{":
        j = data.index(b"}", i)
        n = int(data[i+1:j].rstrip(b"+"))
        start = j + 3
        return data[start:start+n], start + n
    m = re.compile(rb"[^ ()\r\n\[]+(\[[^\]]*\](<\d+>)?)?").match(data, i)
    if m is None:
        raise ValueError("unparsable at %d: %r" % (i, data[max(0, i - 40):i + 40]))
    atom = m.group(0).decode("latin-1")
    if atom.upper() == "NIL":
        return None, m.end()
    return ("atom", atom), m.end()

def fetch(imap, uid, items):
    """FETCH items for a UID: {ITEM: (value, wire text)}; a NO answer gives {"NO": text}."""
    tagged, untagged = imap.command(b"UID FETCH %d (%s)" % (uid, items.encode()))
    if not tagged.split(b" ")[1].startswith(b"OK"):
        return {"NO": tagged.split(b" ", 1)[1].decode("latin-1").strip()}
    result = {}
    for r in untagged:
        m = re.match(rb"\* \d+ FETCH ", r)
        if not m:
            continue
        i = m.end() + 1
        while True:
            while r[i:i+1] == b" ":
                i += 1
            if r[i:i+1] == b")":
                break
            key, i = parse(r, i)
            start = i + 1
            value, i = parse(r, i)
            result[key[1].upper()] = (value, r[start:i])
    return result

def text(b):
    """Section bytes as JSON text: latin-1 maps every byte to one character, so the bytes round-trip exactly."""
    return None if b is None else b.decode("latin-1")

def digest(b):
    return None if b is None else {"size": len(b), "sha256": hashlib.sha256(b).hexdigest()}

def parts(bs, prefix):
    """(path, is_leaf, is_message) for every part of a BODYSTRUCTURE (RFC 9051 §6.4.5 numbering)."""
    if isinstance(bs[0], list):
        n = 0
        for child in bs:
            if not isinstance(child, list):
                break
            n += 1
            yield from parts(child, prefix + [n])
        return
    path = prefix or [1]
    is_message = isinstance(bs[0], bytes) and bs[0].lower() == b"message" and bs[1].lower() in (b"rfc822", b"global") and len(bs) > 8
    yield path, not isinstance(bs[0], list) and not is_message, is_message
    if is_message:
        inner = bs[8]
        if isinstance(inner[0], list):
            yield from parts(inner, path)
        else:
            yield from parts(inner, path + [1])

def connect():
    imap = Imap(port)
    imap.command(b"LOGIN recorder recorder")
    imap.command(b"SELECT INBOX")
    return imap

imap = connect()
recordings = {}
for d in dirs:
    for name in sorted(os.listdir(os.path.join(repo, d))):
        rel = os.path.join(d, name)
        raw = open(os.path.join(repo, rel), "rb").read()
        tagged, _ = imap.command(b"APPEND INBOX", raw)
        uid = int(re.search(rb"APPENDUID \d+ (\d+)", tagged).group(1))
        top = fetch(imap, uid, "ENVELOPE BODYSTRUCTURE BODY RFC822.SIZE")
        sections = fetch(imap, uid, f"BODY.PEEK[HEADER] BODY.PEEK[TEXT] BODY.PEEK[HEADER.FIELDS ({FIELDS})] BODY.PEEK[HEADER.FIELDS.NOT ({FIELDS})]")
        rec = {
            "envelope": text(top["ENVELOPE"][1]),
            "bodystructure": text(top["BODYSTRUCTURE"][1]),
            "body": text(top["BODY"][1]),
            "size": int(top["RFC822.SIZE"][0][1]),
            "header": text(sections["BODY[HEADER]"][0]),
            "text": digest(sections["BODY[TEXT]"][0]),
            "headerFields": text(sections[f"BODY[HEADER.FIELDS ({FIELDS})]"][0]),
            "headerFieldsNot": text(sections[f"BODY[HEADER.FIELDS.NOT ({FIELDS})]"][0]),
            "mime": {}, "content": {}, "binary": {}, "partHeader": {}, "partText": {},
        }
        for path, leaf, is_message in parts(top["BODYSTRUCTURE"][0], []):
            p = ".".join(map(str, path))
            got = fetch(imap, uid, f"BODY.PEEK[{p}.MIME] BODY.PEEK[{p}]")
            rec["mime"][p] = text(got[f"BODY[{p}.MIME]"][0])
            rec["content"][p] = digest(got[f"BODY[{p}]"][0])
            if leaf:
                try:
                    b = fetch(imap, uid, f"BINARY.PEEK[{p}]")
                    rec["binary"][p] = b["NO"] if "NO" in b else digest(b[f"BINARY[{p}]"][0])
                except EOFError:
                    # Dovecot finds broken base64 after it has announced the literal and can only disconnect.
                    rec["binary"][p] = "DISCONNECTED"
                    imap = connect()
            if is_message:
                m = fetch(imap, uid, f"BODY.PEEK[{p}.HEADER] BODY.PEEK[{p}.TEXT]")
                rec["partHeader"][p] = text(m[f"BODY[{p}.HEADER]"][0])
                rec["partText"][p] = digest(m[f"BODY[{p}.TEXT]"][0])
        recordings[rel] = rec
imap.command(b"LOGOUT")

_, version = os.popen("dovecot --version").read(), None
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    json.dump({"dovecot": os.popen("dovecot --version").read().strip(), "fetch": "UID FETCH ENVELOPE BODYSTRUCTURE BODY, BODY.PEEK[...]",
               "headerFields": FIELDS, "messages": recordings}, f, indent=1, sort_keys=True, ensure_ascii=True)
    f.write("\n")
print(f"recorded {len(recordings)} messages into {out}")
EOF
