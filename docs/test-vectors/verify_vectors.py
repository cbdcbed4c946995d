#!/usr/bin/env python3
"""Independent check of the LicensePortal license format 3 (host info version 2) test vectors, written from
docs/license-format.md.

Needs Python 3.9+ and the `cryptography` package (Debian: python3-cryptography; 38 or newer) for X25519, HKDF,
AES-GCM and Ed25519 signing. Ed25519 *verification* is implemented here in plain Python, exactly as section 2.3 of
the format document states it (full key validation, S < L, R of prime order, cofactored equation), because OpenSSL
does not validate keys; OpenSSL's (cofactorless) answer is cross-checked on every signature whose R has prime order,
where the two equations must agree. Run from anywhere: python3 verify_vectors.py. Prints one line per failure and a summary; exits 1 on any
mismatch.
"""
import base64
import binascii
import hashlib
import json
import os
import re
import sys
import unicodedata
from datetime import datetime, timedelta, timezone

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HERE = os.path.dirname(os.path.abspath(__file__))
RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw

LICENSE_LABEL = "LICENSEPORTAL LICENSE"
CERT_LABEL = "LICENSEPORTAL SIGNING KEY CERTIFICATE"
ROOT_PUBLIC_LABEL = "LICENSEPORTAL VENDOR ROOT PUBLIC KEY"
LICENSE_DOMAIN = b"licenseportal-license-v2\n"
CERT_DOMAIN = b"licenseportal-signing-key-certificate-v1\n"
HOSTINFO_DOMAIN_V1 = b"licenseportal-hostinfo-v1\n"
HOSTINFO_DOMAIN = b"licenseportal-hostinfo-v2\n"
HOSTKEY_DOMAIN = b"licenseportal-hostkey-v1\n"
KDF_LABEL = b"licenseportal-license-v2"
LICENSE_HEADERS = ["Format", "Root-Key-Id", "Signing-Key-Id", "Host-Key-Fingerprint", "Ephemeral-Key"]
CERT_HEADERS = ["Format", "Root-Key-Id", "Signing-Key-Id", "Signing-Key", "Valid-From", "Valid-Until"]
HOSTINFO_NAMES = ["LicensePortal-HostInfo", "Instance", "MAC", "Serial", "Created",
                  "Host-Signing-Key", "Host-Encryption-Key", "Check-Code"]
CONTENT_EXTRAS = ["issued-at", "revision", "instance", "host-key-fingerprint", "vendor-key-id", "root-key-id"]
LICENSE_FORMAT = "3"
# Section 6.1: the identifier kinds in their canonical order; at most 16 in a file.
ID_KINDS = ["mac", "dmi-serial", "dmi-uuid", "machine-id"]
MAX_IDS = 16

# Section 1.2: Unicode White_Space, listed.
WHITE_SPACE = set(map(chr, [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                            0x2028, 0x2029, 0x202F, 0x205F, 0x3000]))


class Fail(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


# ---------------------------------------------------------------- edwards25519 (section 2.3)
P = 2 ** 255 - 19
L = 2 ** 252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
IDENTITY = (0, 1, 1, 0)


def pt_add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % P
    bb = (y1 + x1) * (y2 + x2) % P
    cc = 2 * D * t1 * t2 % P
    dd = 2 * z1 * z2 % P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return e * f % P, g * h % P, f * g % P, e * h % P


def pt_mul(k, pt):
    result = IDENTITY
    while k > 0:
        if k & 1:
            result = pt_add(result, pt)
        pt = pt_add(pt, pt)
        k >>= 1
    return result


def pt_equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


def pt_decode(enc: bytes):
    """RFC 8032 5.1.3 decoding; None for y >= p, a point off the curve, or x = 0 with the sign bit set."""
    if len(enc) != 32:
        return None
    y = int.from_bytes(enc, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        if sign:
            return None
        return 0, y, 1, 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if (x & 1) != sign:
        x = P - x
    return x, y, 1, x * y % P


BASE = pt_decode(bytes.fromhex("5866666666666666666666666666666666666666666666666666666666666666"))
_valid_cache = {}


def valid_ed25519_key(enc: bytes) -> bool:
    """Section 2.3: canonical, on the curve, of order exactly L ([L]A = identity, A != identity)."""
    if enc not in _valid_cache:
        a = pt_decode(enc)
        _valid_cache[enc] = a is not None and not pt_equal(a, IDENTITY) and pt_equal(pt_mul(L, a), IDENTITY)
    return _valid_cache[enc]


openssl_checks = []


def ed25519_verify(pub: bytes, message: bytes, sig: bytes) -> bool:
    """Section 2.3, the reference rule: key validation, S < L, R of prime order, [8][S]B = [8]R + [8][k]A."""
    if len(pub) != 32 or len(sig) != 64 or not valid_ed25519_key(pub):
        return False
    r_enc, s = sig[:32], int.from_bytes(sig[32:], "little")
    if s >= L:
        return False
    # R must pass the same full validation as a key (canonical, prime order): then cofactored and cofactorless agree.
    if not valid_ed25519_key(r_enc):
        return False
    r = pt_decode(r_enc)
    a = pt_decode(pub)
    k = int.from_bytes(hashlib.sha512(r_enc + pub + message).digest(), "little") % L
    left = pt_mul(8, pt_mul(s, BASE))
    right = pt_mul(8, pt_add(r, pt_mul(k, a)))
    result = pt_equal(left, right)
    # Where R has prime order (honest signatures) cofactored and cofactorless agree: OpenSSL must say the same.
    if pt_equal(pt_mul(L, r), IDENTITY) and not pt_equal(r, IDENTITY):
        try:
            Ed25519PublicKey.from_public_bytes(pub).verify(sig, message)
            openssl = True
        except InvalidSignature:
            openssl = False
        openssl_checks.append((result, openssl))
    return result


# ---------------------------------------------------------------- X25519 (section 2.4)
LOW_ORDER_U = {0, 1, P - 1,
               325606250916557431795983626356110631294008115727848805560023387167927233504,
               39382357235489614581723060781553021112529911719440698176882885853963445705823}


def canonical_x25519(enc: bytes) -> bool:
    return len(enc) == 32 and enc[31] & 0x80 == 0 and int.from_bytes(enc, "little") < P


def low_order_x25519(enc: bytes) -> bool:
    return int.from_bytes(enc, "little") in LOW_ORDER_U


# ---------------------------------------------------------------- text (section 1)
def text_limits(data: str) -> str:
    raw = data.encode("utf-8", "surrogatepass")
    if not raw:
        raise Fail("Empty")
    if len(raw) > 65536:
        raise Fail("TooLarge")
    try:
        data.encode("utf-8")
    except UnicodeEncodeError:
        raise Fail("NotText")
    for i, c in enumerate(data):
        if c == "\n":
            continue
        if c == "\r":
            if i + 1 >= len(data) or data[i + 1] != "\n":
                raise Fail("Malformed")
        elif c == "\ufeff" or unicodedata.category(c) == "Cc":
            raise Fail("NotText")
    crlf = data.count("\r\n")
    if crlf and crlf != data.count("\n"):
        raise Fail("Malformed")
    return data.replace("\r\n", "\n")


def safe_value(value: str, max_units: int) -> bool:
    """Section 1.2: 1..max UTF-16 code units, no Cc / U+FEFF / U+2028 / U+2029, no white space at either end."""
    units = len(value.encode("utf-16-le")) // 2
    if units == 0 or units > max_units:
        return False
    if value[0] in WHITE_SPACE or value[-1] in WHITE_SPACE:
        return False
    return not any(unicodedata.category(c) == "Cc" or c in "\ufeff\u2028\u2029" for c in value)


def lower_hex(value: str, length: int) -> bool:
    return len(value) == length and all(c in "0123456789abcdef" for c in value)


def b64(value: str, length: int) -> bytes:
    """Canonical standard base64 of exactly `length` bytes, else ValueError."""
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ValueError("not base64")
    if len(raw) != length or base64.b64encode(raw).decode() != value:
        raise ValueError("not canonical base64")
    return raw


TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def parse_time(s):
    if not TIME_RE.match(s):
        raise ValueError("not a time")
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def fmt_time(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- armor (section 3)
def armor_write(label, headers, body):
    out = f"-----BEGIN {label}-----\n" + "".join(f"{k}: {v}\n" for k, v in headers) + "\n"
    enc = base64.b64encode(body).decode()
    out += "".join(enc[i:i + 64] + "\n" for i in range(0, len(enc), 64))
    return out + f"-----END {label}-----\n"


def armor_label(line, kind):
    prefix = "-----" + kind
    if not line.startswith(prefix) or not line.endswith("-----") or len(line) <= len(prefix) + 5:
        return None
    label = line[len(prefix):-5]
    return label if all(c == " " or "A" <= c <= "Z" for c in label) else None


def peek_label(text):
    return armor_label(text.split("\n", 1)[0], "BEGIN ")


def armor_read(text):
    """Returns (label, headers, body) or raises Fail('Malformed' | 'Truncated') exactly as section 3.2 says."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines = lines[:-1]
    label = armor_label(lines[0], "BEGIN ") if lines else None
    if label is None:
        raise Fail("Malformed")
    headers, i = [], 1
    while i < len(lines) and lines[i] != "":
        if lines[i].startswith("-----"):
            raise Fail("Malformed")
        colon = lines[i].find(": ")
        if colon <= 0:
            # A file cut inside its last header line is truncated, not malformed (section 3.2, step 3).
            raise Fail("Truncated" if i == len(lines) - 1 and not text.endswith("\n") else "Malformed")
        headers.append((lines[i][:colon], lines[i][colon + 2:]))
        i += 1
    if i >= len(lines):
        raise Fail("Truncated")
    i += 1
    body, ended = "", False
    end_line = f"-----END {label}-----"
    while i < len(lines):
        line = lines[i]
        if line.startswith("-----"):
            if i == len(lines) - 1 and not text.endswith("\n") and len(line) < len(end_line) and end_line.startswith(line):
                raise Fail("Truncated")
            if line != end_line:
                raise Fail("Malformed")
            ended = True
            i += 1
            break
        body += line
        i += 1
    if not ended:
        raise Fail("Truncated")
    if i < len(lines):
        raise Fail("Malformed")
    try:
        raw = base64.b64decode(body, validate=True)
    except binascii.Error:
        raise Fail("Malformed")
    canonical = armor_write(label, headers, raw)
    if text not in (canonical, canonical[:-1]):
        raise Fail("Malformed")
    return label, headers, raw


def header_text(headers):
    return "".join(f"{k}: {v}\n" for k, v in headers)


# ---------------------------------------------------------------- key files and certificates (sections 4, 5)
def read_block(data, expected_label):
    text = text_limits(data)
    label = peek_label(text)
    if label is None or not label.startswith("LICENSEPORTAL "):
        raise Fail("Malformed")
    if label != expected_label:
        raise Fail("WrongKeyType")
    _, headers, body = armor_read(text)
    if not headers or headers[0][0] != "Format" or not headers[0][1].isdigit() or not headers[0][1].isascii():
        raise Fail("Malformed")
    if headers[0][1] != "1":
        raise Fail("UnsupportedVersion")
    return headers, body


def key_id(pub: bytes) -> str:
    return hashlib.sha256(pub).hexdigest()[:16]


def import_root_public(data) -> bytes:
    headers, body = read_block(data, ROOT_PUBLIC_LABEL)
    if len(headers) != 2 or headers[1][0] != "Key-Id":
        raise Fail("Malformed")
    if len(body) != 32 or not valid_ed25519_key(body):
        raise Fail("InvalidKey")
    if headers[1][1] != key_id(body):
        raise Fail("KeyIdMismatch")
    return body


def import_certificate(data):
    headers, body = read_block(data, CERT_LABEL)
    if [k for k, _ in headers] != CERT_HEADERS:
        raise Fail("Malformed")
    values = [v for _, v in headers]
    if not lower_hex(values[1], 16) or not lower_hex(values[2], 16):
        raise Fail("Malformed")
    try:
        signing_key = b64(values[3], 32)
    except ValueError:
        raise Fail("Malformed")
    if not valid_ed25519_key(signing_key):
        raise Fail("InvalidKey")
    if values[2] != key_id(signing_key):
        raise Fail("KeyIdMismatch")
    try:
        valid_from, valid_until = parse_time(values[4]), parse_time(values[5])
    except ValueError:
        raise Fail("Malformed")
    if valid_until < valid_from:
        raise Fail("Malformed")
    if len(body) != 64:
        raise Fail("Malformed")
    return {"root": values[1], "kid": values[2], "key": signing_key, "from": valid_from, "until": valid_until,
            "statement": header_text(headers).encode(), "signature": body}


def certificate_signed_by(cert, root_pub: bytes) -> bool:
    return cert["root"] == key_id(root_pub) and ed25519_verify(root_pub, CERT_DOMAIN + cert["statement"], cert["signature"])


# ---------------------------------------------------------------- MAC and host key fingerprint (sections 2.1, 6)
def normalized_mac(mac):
    return re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", mac) is not None and mac != "00:00:00:00:00:00"


def fingerprint(sign_pub: bytes, enc_pub: bytes) -> str:
    return hashlib.sha256(HOSTKEY_DOMAIN + sign_pub + enc_pub).hexdigest()


# ---------------------------------------------------------------- host identifiers (section 6.1)
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def identifier_value(kind, value):
    """The canonical value of an identifier of this kind read from a host (section 6.1), or None when invalid."""
    if kind == "mac":
        if len(value) != 17 or value[2] not in ":-":
            return None
        sep = value[2]
        if any(value[i] != sep for i in range(2, 17, 3)):
            return None
        pairs = [value[i:i + 2] for i in range(0, 17, 3)]
        if not all(len(x) == 2 and all(c in "0123456789abcdefABCDEF" for c in x) for x in pairs):
            return None
        mac = ":".join(pairs).lower()
        return None if mac == "00:00:00:00:00:00" else mac
    if kind == "dmi-serial":
        return value if safe_value(value, 128) else None
    if kind == "dmi-uuid":
        return value.lower() if UUID_RE.fullmatch(value) else None
    if kind == "machine-id":
        return value.lower() if len(value) == 32 and all(c in "0123456789abcdefABCDEF" for c in value) else None
    return None


def parse_identifier(text):
    """`kind value` in canonical form only (section 6.1); returns (kind, value) or None."""
    kind, sep, value = text.partition(" ")
    if not sep or kind not in ID_KINDS:
        return None
    canonical = identifier_value(kind, value)
    return (kind, value) if canonical == value else None


def serial_identifier(serial):
    """Section 6.1: a serial machine-id:<32 hex> stands for machine-id <hex>, any other serial for dmi-serial <serial>."""
    if serial.startswith("machine-id:"):
        machine_id = identifier_value("machine-id", serial[len("machine-id:"):])
        if machine_id is not None:
            return ("machine-id", machine_id)
    return ("dmi-serial", serial)


def id_order(ident):
    """Canonical order: by kind (mac, dmi-serial, dmi-uuid, machine-id), then by value in UTF-16 code units."""
    return ID_KINDS.index(ident[0]), ident[1].encode("utf-16-be", "surrogatepass")


def canonical_ids(ids) -> bool:
    """1-16 identifiers, in canonical order, no duplicates (strictly increasing)."""
    return 1 <= len(ids) <= MAX_IDS and all(id_order(a) < id_order(b) for a, b in zip(ids, ids[1:]))


# ---------------------------------------------------------------- host info (sections 6.2-6.4)
def parse_hostinfo(data: str):
    """Section 6: version 2 (Host-Id lines after Serial, v2 domain) and version 1 (eight lines, v1 domain)."""
    text = text_limits(data)
    all_lines = text.split("\n")
    if not all_lines[0].startswith("LicensePortal-HostInfo: "):
        raise Fail("Malformed")
    version = all_lines[0][len("LicensePortal-HostInfo: "):]
    if version not in ("1", "2"):
        raise Fail("UnsupportedVersion" if version.isdigit() and version.isascii() else "Malformed")
    # Version 2: the complete lines from the fifth on that start with "Host-Id: " (never the last element of the split).
    n_ids = 0
    if version == "2":
        while 4 + n_ids < len(all_lines) - 1 and all_lines[4 + n_ids].startswith("Host-Id: "):
            n_ids += 1
    lines = all_lines[:4] + all_lines[4 + n_ids:]
    count = len(lines) - (1 if lines[-1] == "" else 0)
    if count > 8:
        raise Fail("Malformed")
    complete = count - 1 if count < 8 and not text.endswith("\n") else count
    values = []
    for idx in range(complete):
        prefix = HOSTINFO_NAMES[idx] + ": "
        if not lines[idx].startswith(prefix):
            raise Fail("Malformed")
        values.append(lines[idx][len(prefix):])
    if count < 8:
        raise Fail("Truncated")
    try:
        sig = b64(values[7], 64)
    except ValueError:
        raise Fail("InvalidField" if text.endswith("\n") else "Truncated")
    if not safe_value(values[1], 64) or not normalized_mac(values[2]) or not safe_value(values[3], 128):
        raise Fail("InvalidField")
    if version == "2":
        ids = [parse_identifier(line[len("Host-Id: "):]) for line in all_lines[4:4 + n_ids]]
        if None in ids or not canonical_ids(ids):
            raise Fail("InvalidField")
    else:
        ids = sorted({("mac", values[2]), serial_identifier(values[3])}, key=id_order)
    try:
        parse_time(values[4])
        sign_pub, enc_pub = b64(values[5], 32), b64(values[6], 32)
    except ValueError:
        raise Fail("InvalidField")
    if not valid_ed25519_key(sign_pub):
        raise Fail("InvalidField")
    if not canonical_x25519(enc_pub) or low_order_x25519(enc_pub):
        raise Fail("InvalidField")
    signed = "".join(line + "\n" for line in all_lines[:7 + n_ids]).encode()
    if not ed25519_verify(sign_pub, (HOSTINFO_DOMAIN if version == "2" else HOSTINFO_DOMAIN_V1) + signed, sig):
        raise Fail("BadCheckCode")
    # After the check code: an edited MAC or serial reads as an edited file.
    if ("mac", values[2]) not in ids or serial_identifier(values[3]) not in ids:
        raise Fail("InvalidField")
    return values, fingerprint(sign_pub, enc_pub), ids


# ---------------------------------------------------------------- license (sections 7, 8)
def canonical_int(s):
    if not s or len(s) > 10 or not (s.isascii() and s.isdigit()) or (len(s) > 1 and s[0] == "0") or int(s) > 2 ** 31 - 1:
        raise ValueError("not a canonical integer")
    return int(s)


def parse_content(plaintext: bytes):
    """Section 7.1; any problem is Malformed (the verifier reports every content problem so)."""
    try:
        text = plaintext.decode("utf-8")
        if "\r" in text:
            raise ValueError("CR")
        text_limits(text)
        if not text.endswith("\n"):
            raise ValueError("no final LF")
        lines = text[:-1].split("\n")
        if not 9 + 6 + 1 + 1 <= len(lines) <= 9 + 6 + 1 + MAX_IDS:
            raise ValueError("line count")
        quotas = [canonical_int(x) for x in lines[:6]]
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", lines[6]):
            raise ValueError("date")
        expires = datetime.strptime(lines[6], "%Y-%m-%d").date()
        extras = {}
        for name, line in zip(CONTENT_EXTRAS, lines[9:]):
            if not line.startswith(name + ": "):
                raise ValueError("extra line")
            extras[name] = line[len(name) + 2:]
        issued = parse_time(extras["issued-at"])
        revision = canonical_int(extras["revision"])
        if revision < 1 or not normalized_mac(lines[7]) or not safe_value(lines[8], 128) or not safe_value(extras["instance"], 64):
            raise ValueError("value")
        if not lower_hex(extras["host-key-fingerprint"], 64) or not lower_hex(extras["vendor-key-id"], 16) or not lower_hex(extras["root-key-id"], 16):
            raise ValueError("ids")
        canonical = "".join(f"{q}\n" for q in quotas) + expires.strftime("%Y-%m-%d") + "\n" + lines[7] + "\n" + lines[8] + "\n"
        canonical += "".join(f"{n}: {v}\n" for n, v in [("issued-at", fmt_time(issued)), ("revision", str(revision))] + [(n, extras[n]) for n in CONTENT_EXTRAS[2:]])
        # Format 3: host-match k, then n host-id lines, canonical order, 1 <= k <= n.
        if not lines[15].startswith("host-match: "):
            raise ValueError("host-match line")
        host_match = canonical_int(lines[15][len("host-match: "):])
        ids = []
        for line in lines[16:]:
            ident = parse_identifier(line[len("host-id: "):]) if line.startswith("host-id: ") else None
            if ident is None:
                raise ValueError("host-id line")
            ids.append(ident)
        if not canonical_ids(ids) or not 1 <= host_match <= len(ids):
            raise ValueError("host identifiers")
        canonical += f"host-match: {host_match}\n" + "".join(f"host-id: {k} {x}\n" for k, x in ids)
        if canonical != text:
            raise ValueError("not canonical")
    except (ValueError, UnicodeDecodeError, Fail):
        raise Fail("Malformed")
    return {"quotas": quotas, "expires": expires, "mac": lines[7], "serial": lines[8], "issued": issued, "revision": revision,
            "instance": extras["instance"], "fp": extras["host-key-fingerprint"], "kid": extras["vendor-key-id"], "root": extras["root-key-id"],
            "host_match": host_match, "host_ids": ids}


def derive_key(shared, pk_e, pk_r, root_kid, kid, fp):
    info = KDF_LABEL + b"\x00" + root_kid.encode() + b"\x00" + kid.encode() + b"\x00" + fp.encode() + b"\x00" + pk_e
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=pk_e + pk_r, info=info).derive(shared), info


def verify_license(data, host_enc_priv: bytes, host_fp: str, root_pub: bytes, mac, serial, identifiers, now, high_water=None):
    """identifiers: every identifier this host presents, `kind value` text; its MAC and serial's identifier are added."""
    # 8.1 steps 1-4: limits, armor, header, certificate form
    text = text_limits(data)
    label = peek_label(text)
    if label != LICENSE_LABEL:
        raise Fail("Malformed")
    end_line = "\n-----END LICENSEPORTAL LICENSE-----\n"
    end = text.find(end_line)
    license_text = text if end < 0 else text[:end + len(end_line)]
    cert_text = "" if end < 0 else text[end + len(end_line):]
    _, headers, body = armor_read(license_text)
    if not headers or headers[0][0] != "Format" or not headers[0][1].isdigit() or not headers[0][1].isascii():
        raise Fail("Malformed")
    if headers[0][1] != LICENSE_FORMAT:
        raise Fail("UnsupportedVersion")
    if [k for k, _ in headers] != LICENSE_HEADERS:
        raise Fail("Malformed")
    root_kid, kid, fp, epk = (v for _, v in headers[1:])
    if not lower_hex(root_kid, 16) or not lower_hex(kid, 16) or not lower_hex(fp, 64):
        raise Fail("Malformed")
    try:
        pk_e = b64(epk, 32)
    except ValueError:
        raise Fail("Malformed")
    if not canonical_x25519(pk_e):
        raise Fail("Malformed")
    if len(body) < 12 + 16 + 64 + 1:
        raise Fail("Truncated")
    if cert_text == "":
        raise Fail("Truncated")
    cert = None
    try:
        cert = import_certificate(cert_text)
    except Fail as e:
        if e.code not in ("InvalidKey", "KeyIdMismatch"):
            raise Fail("Truncated" if e.code == "Truncated" else "Malformed")
    # 8.1 steps 5-: trust, certificate, host, decryption, signature, content, time, revision
    if root_kid != key_id(root_pub):
        raise Fail("UnknownRootKey")
    if cert is None or not certificate_signed_by(cert, root_pub):
        raise Fail("BadCertificate")
    if cert["kid"] != kid:
        raise Fail("BadCertificate")
    if fp != host_fp:
        raise Fail("NotForThisHost")
    priv = X25519PrivateKey.from_private_bytes(host_enc_priv)
    pk_r = priv.public_key().public_bytes(*RAW)
    try:
        shared = priv.exchange(X25519PublicKey.from_public_bytes(pk_e))
    except ValueError:
        raise Fail("NotForThisHost")
    key, _ = derive_key(shared, pk_e, pk_r, root_kid, kid, fp)
    try:
        inner = AESGCM(key).decrypt(body[:12], body[12:], header_text(headers).encode())
    except InvalidTag:
        raise Fail("NotForThisHost")
    plaintext, sig = inner[:-64], inner[-64:]
    if not ed25519_verify(cert["key"], LICENSE_DOMAIN + plaintext, sig):
        raise Fail("BadSignature")
    content = parse_content(plaintext)
    if content["kid"] != kid or content["root"] != root_kid:
        raise Fail("BadSignature")
    if content["fp"] != host_fp:
        raise Fail("NotForThisHost")
    # Step 18: at least host-match of the recorded identifiers are among those the host presents.
    presented = {parse_identifier(i) for i in identifiers} | {("mac", mac), serial_identifier(serial)}
    if None in presented:
        raise ValueError("a presented identifier is not canonical")
    if sum(1 for i in content["host_ids"] if i in presented) < content["host_match"]:
        raise Fail("HostMismatch")
    if not (cert["from"] <= content["issued"] <= cert["until"]):
        raise Fail("CertificateExpired")
    if high_water is not None and now + timedelta(hours=24) < high_water["trusted"]:
        raise Fail("ClockWoundBack")
    if content["issued"] > now + timedelta(minutes=5):
        raise Fail("IssuedInFuture")
    if content["expires"] < now.date():
        raise Fail("Expired")
    if high_water is not None and content["revision"] < high_water["revisions"].get(content["instance"], 0):
        raise Fail("OlderThanInstalled")
    return plaintext


# ---------------------------------------------------------------- main
def main():
    with open(os.path.join(HERE, "vectors.json"), encoding="utf-8") as f:
        v = json.load(f)
    inp, der = v["inputs"], v["derived"]
    h = bytes.fromhex
    failures, checks = [], [0]

    def check(name, actual, expected):
        checks[0] += 1
        if actual != expected:
            failures.append(f"{name}: expected {expected!r}, got {actual!r}")

    def read(name):
        with open(os.path.join(HERE, name), encoding="utf-8", newline="") as fh:
            return fh.read()

    for label_key, hex_key in [("rootSeedLabel", "rootSeedHex"), ("otherRootSeedLabel", "otherRootSeedHex"),
                               ("vendorSeedLabel", "vendorSeedHex"), ("otherVendorSeedLabel", "otherVendorSeedHex"),
                               ("hostSigningSeedLabel", "hostSigningSeedHex"), ("hostEncryptionPrivateLabel", "hostEncryptionPrivateHex"),
                               ("ephemeralPrivateLabel", "ephemeralPrivateHex")]:
        check(hex_key, hashlib.sha256(inp[label_key].encode()).hexdigest(), inp[hex_key])
    check("nonceHex", hashlib.sha256(inp["nonceLabel"].encode()).hexdigest()[:24], inp["nonceHex"])

    def pub_of(seed_hex):
        return Ed25519PrivateKey.from_private_bytes(h(seed_hex)).public_key().public_bytes(*RAW)

    root = Ed25519PrivateKey.from_private_bytes(h(inp["rootSeedHex"]))
    root_pub = pub_of(inp["rootSeedHex"])
    vendor = Ed25519PrivateKey.from_private_bytes(h(inp["vendorSeedHex"]))
    vendor_pub = pub_of(inp["vendorSeedHex"])
    root_kid, kid = key_id(root_pub), key_id(vendor_pub)
    check("rootPublicKeyHex", root_pub.hex(), der["rootPublicKeyHex"])
    check("rootKeyId", root_kid, der["rootKeyId"])
    check("rootFingerprint", hashlib.sha256(root_pub).hexdigest(), der["rootFingerprint"])
    check("otherRootKeyId", key_id(pub_of(inp["otherRootSeedHex"])), der["otherRootKeyId"])
    check("vendorKeyId", kid, der["vendorKeyId"])
    check("otherVendorKeyId", key_id(pub_of(inp["otherVendorSeedHex"])), der["otherVendorKeyId"])
    check("root.pub", armor_write(ROOT_PUBLIC_LABEL, [("Format", "1"), ("Key-Id", root_kid)], root_pub), read("root.pub"))
    check("root.key", armor_write("LICENSEPORTAL VENDOR ROOT PRIVATE KEY", [("Format", "1"), ("Key-Id", root_kid)], h(inp["rootSeedHex"])), read("root.key"))
    check("vendor.pub", armor_write("LICENSEPORTAL VENDOR PUBLIC KEY", [("Format", "1"), ("Key-Id", kid)], vendor_pub), read("vendor.pub"))
    check("vendor.key", armor_write("LICENSEPORTAL VENDOR PRIVATE KEY", [("Format", "1"), ("Key-Id", kid)], h(inp["vendorSeedHex"])), read("vendor.key"))

    # Certificate (section 5): statement, root signature, file.
    cert_headers = [("Format", "1"), ("Root-Key-Id", root_kid), ("Signing-Key-Id", kid),
                    ("Signing-Key", base64.b64encode(vendor_pub).decode()),
                    ("Valid-From", inp["certificateValidFrom"]), ("Valid-Until", inp["certificateValidUntil"])]
    statement = header_text(cert_headers)
    check("certificateStatement", statement, der["certificateStatement"])
    cert_sig = root.sign(CERT_DOMAIN + statement.encode())
    check("certificateSignature", cert_sig.hex(), der["certificateSignatureHex"])
    cert_file = armor_write(CERT_LABEL, cert_headers, cert_sig)
    check("vendor.cert", cert_file, read("vendor.cert"))
    check("vendor.cert verifies under root.pub", certificate_signed_by(import_certificate(cert_file), import_root_public(read("root.pub"))), True)

    # Host keys (section 2.2) and the host files.
    sign_seed = h(inp["hostSigningSeedHex"])
    sign_pub = pub_of(inp["hostSigningSeedHex"])
    enc_priv = h(inp["hostEncryptionPrivateHex"])
    enc_pub = X25519PrivateKey.from_private_bytes(enc_priv).public_key().public_bytes(*RAW)
    fp = fingerprint(sign_pub, enc_pub)
    check("hostSigningPublicHex", sign_pub.hex(), der["hostSigningPublicHex"])
    check("hostEncryptionPublicHex", enc_pub.hex(), der["hostEncryptionPublicHex"])
    check("hostKeyFingerprint", fp, der["hostKeyFingerprint"])
    check("host.pub", armor_write("LICENSEPORTAL HOST PUBLIC KEY", [("Format", "1"), ("Fingerprint", fp)], sign_pub + enc_pub), read("host.pub"))
    check("host.key", armor_write("LICENSEPORTAL HOST PRIVATE KEY", [("Format", "1"), ("Fingerprint", fp)], sign_seed + enc_priv), read("host.key"))
    host_ids = [parse_identifier(i) for i in inp["hostIdentifiers"]]
    check("hostIdentifiers are canonical", None not in host_ids and canonical_ids(host_ids), True)
    check("hostIdentifiers include the MAC and the serial's identifier",
          ("mac", inp["mac"]) in host_ids and serial_identifier(inp["serial"]) in host_ids, True)
    fields = [("LicensePortal-HostInfo", "2"), ("Instance", inp["instance"]), ("MAC", inp["mac"]), ("Serial", inp["serial"])]
    fields += [("Host-Id", i) for i in inp["hostIdentifiers"]]
    fields += [("Created", inp["created"]), ("Host-Signing-Key", base64.b64encode(sign_pub).decode()),
               ("Host-Encryption-Key", base64.b64encode(enc_pub).decode())]
    signed_lines = "".join(f"{n}: {x}\n" for n, x in fields)
    check_code = Ed25519PrivateKey.from_private_bytes(sign_seed).sign(HOSTINFO_DOMAIN + signed_lines.encode())
    check("hostinfo.txt", signed_lines + "Check-Code: " + base64.b64encode(check_code).decode() + "\n", read("hostinfo.txt"))
    check("hostinfo.txt parses with its identifiers", parse_hostinfo(read("hostinfo.txt"))[2], host_ids)

    # License (sections 7, 8): plaintext, signature, sealing, file = license block || certificate.
    plaintext = h(der["licensePlaintextHex"])
    check("license-plaintext.txt", plaintext.decode(), read("license-plaintext.txt"))
    content = parse_content(plaintext)
    check("plaintext key ids", (content["root"], content["kid"], content["fp"]), (root_kid, kid, fp))
    check("plaintext host identifiers", (content["host_match"], content["host_ids"]), (inp["hostMatch"], host_ids))
    signature = vendor.sign(LICENSE_DOMAIN + plaintext)
    check("licenseSignature", signature.hex(), der["licenseSignatureHex"])
    eph = X25519PrivateKey.from_private_bytes(h(inp["ephemeralPrivateHex"]))
    pk_e = eph.public_key().public_bytes(*RAW)
    check("ephemeralPublicHex", pk_e.hex(), der["ephemeralPublicHex"])
    shared = eph.exchange(X25519PublicKey.from_public_bytes(enc_pub))
    check("x25519SharedSecret", shared.hex(), der["x25519SharedSecretHex"])
    check("hkdfSalt", (pk_e + enc_pub).hex(), der["hkdfSaltHex"])
    key, info = derive_key(shared, pk_e, enc_pub, root_kid, kid, fp)
    check("hkdfInfo", info.hex(), der["hkdfInfoHex"])
    check("hkdfInfo length", len(info), 156)
    check("aeadKey", key.hex(), der["aeadKeyHex"])
    headers = [("Format", LICENSE_FORMAT), ("Root-Key-Id", root_kid), ("Signing-Key-Id", kid), ("Host-Key-Fingerprint", fp),
               ("Ephemeral-Key", base64.b64encode(pk_e).decode())]
    check("associatedData", header_text(headers), der["associatedData"])
    nonce = h(inp["nonceHex"])
    sealed = AESGCM(key).encrypt(nonce, plaintext + signature, header_text(headers).encode())
    check("license.lic", armor_write(LICENSE_LABEL, headers, nonce + sealed) + cert_file, read("license.lic"))

    for case in v["signatureCases"]:
        check("signature case " + case["name"], ed25519_verify(h(case["publicKeyHex"]), h(case["messageHex"]), h(case["signatureHex"])), case["valid"])

    for case in v["hostInfoCases"]:
        try:
            parse_hostinfo(case["text"])
            got = "Ok"
        except Fail as e:
            got = e.code
        check("hostinfo case " + case["name"], got, case["expected"])

    trusted_root = import_root_public(read("root.pub"))
    for case in v["keyFileCases"]:
        try:
            if case["kind"] == "rootPublicKey":
                import_root_public(case["text"])
                got = "Ok"
            else:
                got = "Ok" if certificate_signed_by(import_certificate(case["text"]), trusted_root) else "NotSignedByRoot"
        except Fail as e:
            got = e.code
        check(f"key file case {case['name']}", got, case["expected"])

    for case in v["licenseCases"]:
        hw = None
        if "highWater" in case:
            hw = {"trusted": parse_time(case["highWater"]["trustedTime"]), "revisions": case["highWater"]["revisions"]}
        try:
            verify_license(case["text"], enc_priv, fp, trusted_root, case["expectedMac"], case["expectedSerial"],
                           case["expectedIdentifiers"], parse_time(case["now"]), hw)
            got = "None"
        except Fail as e:
            got = e.code
        check("license case " + case["name"], got, case["expected"])

    disagreements = sum(1 for ours, openssl in openssl_checks if ours != openssl)
    check(f"OpenSSL agrees on the {len(openssl_checks)} signatures whose R has prime order", disagreements, 0)

    for line in failures:
        print("FAIL", line)
    print(f"{len(v['signatureCases'])} signature, {len(v['hostInfoCases'])} host info, {len(v['keyFileCases'])} key file and "
          f"{len(v['licenseCases'])} license cases; {len(openssl_checks)} verifications cross-checked with OpenSSL")
    print(f"{checks[0] - len(failures)}/{checks[0]} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
