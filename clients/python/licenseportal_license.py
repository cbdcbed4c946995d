#!/usr/bin/env python3
"""LicensePortal license verifier for Python products (license format 3, docs/license-format.md).

One self-contained module on top of the ``cryptography`` package (Debian's python3-cryptography 38 or newer). It
verifies a license file offline for this host, trusting only the vendor root public key the product passes in (a
constant in the product's own source), and keeps the first-generation client's functions::

    import licenseportal_license as lic

    lic.load_license("/var/lib/licenseportal/license.lic", "/var/lib/licenseportal/host.key", VENDOR_ROOT,
                     identifiers=lic.read_host_identifiers())
    if not lic.check_expired_time(): ...
    if not lic.check_max_desktops(41): ...

What it checks is section 8 of the format document without the host's high-water mark (so not
``OlderThanInstalled`` and ``ClockWoundBack``; the agent, or a product that keeps its own mark, does those):
input limits and text rules, canonical armor, format, root key id, certificate form and root signature, key-id
bindings, host key fingerprint, decryption, the signing key's signature, canonical content, the host identifiers
when any are given (step 18: at least ``host-match`` of the license's ``host-id`` identifiers among those the host
presents), issue time inside the certificate's validity, issue time not in the future. Expiry is reported by
``check_expired_time`` (or raised as ``Expired`` with ``reject_expired=True``). Ed25519 signatures are accepted
exactly as section 2.3 says: fully validated public key, S < L, R canonical and of prime order; X25519 keys must
be canonical and not of low order (section 2.4).

Command line: ``python3 licenseportal_license.py verify --license F --host-key K --root R [--mac M] [--serial S]
[--identifier "KIND VALUE"]... [--read-host-identifiers [--system-root DIR]]`` prints the license's first nine lines
and exits 0; a rejected license prints ``license rejected (CODE): message``
to stderr and exits 3; unreadable files or a bad host key or root key file exit 2.
"""

import argparse
import base64
import binascii
import hashlib
import hmac
import os
import re
import sys
import unicodedata
from datetime import date, datetime, timedelta, timezone

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "LicenseError",
    "KeyFileError",
    "License",
    "load_license",
    "verify_license",
    "read_root_public_key",
    "read_host_key",
    "read_host_identifiers",
    "HostKey",
    "check_max_desktops",
    "check_max_images",
    "check_max_users",
    "check_max_vcpu",
    "check_max_vmem",
    "check_max_vdisk",
    "check_expired_time",
    "current_license",
]

MAX_BYTES = 65536
LICENSE_LABEL = "LICENSEPORTAL LICENSE"
CERT_LABEL = "LICENSEPORTAL SIGNING KEY CERTIFICATE"
ROOT_PUBLIC_LABEL = "LICENSEPORTAL VENDOR ROOT PUBLIC KEY"
HOST_PRIVATE_LABEL = "LICENSEPORTAL HOST PRIVATE KEY"
LICENSE_DOMAIN = b"licenseportal-license-v2\n"
CERT_DOMAIN = b"licenseportal-signing-key-certificate-v1\n"
HOSTKEY_DOMAIN = b"licenseportal-hostkey-v1\n"
KDF_LABEL = b"licenseportal-license-v2"
LICENSE_HEADERS = ["Format", "Root-Key-Id", "Signing-Key-Id", "Host-Key-Fingerprint", "Ephemeral-Key"]
CERT_HEADERS = ["Format", "Root-Key-Id", "Signing-Key-Id", "Signing-Key", "Valid-From", "Valid-Until"]
CONTENT_EXTRAS = ["issued-at", "revision", "instance", "host-key-fingerprint", "vendor-key-id", "root-key-id"]
LICENSE_END = "\n-----END LICENSEPORTAL LICENSE-----\n"
LICENSE_FORMAT = "3"
# Section 6.1: the host identifier kinds in their canonical order; at most 16 in a license.
IDENTIFIER_KINDS = ("mac", "dmi-serial", "dmi-uuid", "machine-id")
MAX_IDENTIFIERS = 16
_FIXED_LINES = 9 + 6 + 1
ISSUED_IN_FUTURE_SKEW = timedelta(minutes=5)
MIN_BODY = 12 + 1 + 64 + 16

# Section 1.2: Unicode White_Space, listed (unicodedata has no White_Space property).
_WHITE_SPACE = frozenset(map(chr, [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                                   0x2028, 0x2029, 0x202F, 0x205F, 0x3000]))
_RAW = (serialization.Encoding.Raw, serialization.PublicFormat.Raw)
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MAC_RE = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")
_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX32_RE = re.compile(r"[0-9a-fA-F]{32}")


class LicenseError(Exception):
    """A license (or a key file it needs) was refused. ``code`` is the format's reason code name, for example
    ``UnknownRootKey``, ``BadCertificate``, ``NotForThisHost``, ``Expired``; ``message`` is English."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class KeyFileError(LicenseError):
    """The host private key file or the vendor root public key was refused (section 3.4 codes: ``Empty``,
    ``TooLarge``, ``NotText``, ``Malformed``, ``WrongKeyType``, ``Truncated``, ``UnsupportedVersion``,
    ``InvalidKey``, ``KeyIdMismatch``)."""


class _Fail(Exception):
    def __init__(self, code, message=None):
        super().__init__(code)
        self.code = code
        self.message = message


# ---------------------------------------------------------------- edwards25519 (section 2.3)
_P = 2 ** 255 - 19
_L = 2 ** 252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_IDENTITY = (0, 1, 1, 0)


def _pt_add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % _P
    bb = (y1 + x1) * (y2 + x2) % _P
    cc = 2 * _D * t1 * t2 % _P
    dd = 2 * z1 * z2 % _P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return e * f % _P, g * h % _P, f * g % _P, e * h % _P


def _pt_mul(k, pt):
    result = _IDENTITY
    while k > 0:
        if k & 1:
            result = _pt_add(result, pt)
        pt = _pt_add(pt, pt)
        k >>= 1
    return result


def _pt_is_identity(a):
    return a[0] % _P == 0 and (a[1] - a[2]) % _P == 0


def _pt_decode(enc):
    """RFC 8032 5.1.3; None for y >= p, a point off the curve, or x = 0 with the sign bit set."""
    if len(enc) != 32:
        return None
    y = int.from_bytes(enc, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        if sign:
            return None
        return 0, y, 1, 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x, y, 1, x * y % _P


_valid_points = {}


def _valid_ed25519_point(enc):
    """Full validation (section 2.3): canonical (y < p), on the curve, not the identity, [L]A = identity."""
    enc = bytes(enc)
    if enc not in _valid_points:
        a = _pt_decode(enc)
        ok = a is not None and not _pt_is_identity(a) and _pt_is_identity(_pt_mul(_L, a))
        if len(_valid_points) > 256:
            _valid_points.clear()
        _valid_points[enc] = ok
    return _valid_points[enc]


def _ed25519_verify(public_key, message, signature):
    """Section 2.3: A fully valid, S < L, R fully valid (prime order); then the equation. With A and R of prime
    order the cofactorless equation OpenSSL checks accepts exactly what the cofactored one does."""
    if len(public_key) != 32 or len(signature) != 64 or not _valid_ed25519_point(public_key):
        return False
    if int.from_bytes(signature[32:], "little") >= _L:
        return False
    if not _valid_ed25519_point(signature[:32]):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes(public_key)).verify(bytes(signature), bytes(message))
        return True
    except InvalidSignature:
        return False


# ---------------------------------------------------------------- X25519 (section 2.4)
_LOW_ORDER_U = frozenset([0, 1, _P - 1,
                          325606250916557431795983626356110631294008115727848805560023387167927233504,
                          39382357235489614581723060781553021112529911719440698176882885853963445705823])


def _canonical_x25519(enc):
    return len(enc) == 32 and enc[31] & 0x80 == 0 and int.from_bytes(enc, "little") < _P


def _low_order_x25519(enc):
    return int.from_bytes(enc, "little") in _LOW_ORDER_U


# ---------------------------------------------------------------- text (section 1)
def _text_limits(data):
    """Section 1.1 over bytes (a file as read) or str; returns the LF form."""
    if isinstance(data, str):
        raw = data.encode("utf-8", "surrogatepass")
        if not raw:
            raise _Fail("Empty", "The file is empty.")
        if len(raw) > MAX_BYTES:
            raise _Fail("TooLarge", "The file is larger than 64 KiB.")
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            raise _Fail("NotText", "The file is not valid UTF-8 text.") from None
        text = data
    else:
        raw = bytes(data)
        if not raw:
            raise _Fail("Empty", "The file is empty.")
        if len(raw) > MAX_BYTES:
            raise _Fail("TooLarge", "The file is larger than 64 KiB.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _Fail("NotText", "The file is not valid UTF-8 text.") from None
    for i, c in enumerate(text):
        if c == "\n":
            continue
        if c == "\r":
            if i + 1 >= len(text) or text[i + 1] != "\n":
                raise _Fail("Malformed", "The file has a carriage return that does not end a line.")
        elif c == "\ufeff" or unicodedata.category(c) == "Cc":
            raise _Fail("NotText", "The file contains a control character or a byte order mark.")
    crlf = text.count("\r\n")
    if crlf and crlf != text.count("\n"):
        raise _Fail("Malformed", "The file mixes CRLF and LF line endings.")
    return text.replace("\r\n", "\n") if crlf else text


def _safe_value(value, max_units):
    """Section 1.2: 1..max UTF-16 code units, no Cc / U+FEFF / U+2028 / U+2029, no white space at either end."""
    units = len(value.encode("utf-16-le", "surrogatepass")) // 2
    if units == 0 or units > max_units:
        return False
    if value[0] in _WHITE_SPACE or value[-1] in _WHITE_SPACE:
        return False
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        return False
    return not any(unicodedata.category(c) == "Cc" or c in "\ufeff\u2028\u2029" for c in value)


def _lower_hex(value, length):
    return len(value) == length and all(c in "0123456789abcdef" for c in value)


def _b64(value, length):
    """Canonical standard base64 of exactly `length` bytes, else None."""
    if not value.isascii():
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != length or base64.b64encode(raw).decode("ascii") != value:
        return None
    return raw


def _parse_time(value):
    if not _TIME_RE.fullmatch(value):
        raise ValueError("not a time")
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def _fmt_time(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _key_id(public_key):
    return hashlib.sha256(public_key).hexdigest()[:16]


def _host_fingerprint(sign_public, enc_public):
    return hashlib.sha256(HOSTKEY_DOMAIN + sign_public + enc_public).hexdigest()


# ---------------------------------------------------------------- armor (section 3)
def _armor_write(label, headers, body):
    out = f"-----BEGIN {label}-----\n" + "".join(f"{k}: {v}\n" for k, v in headers) + "\n"
    encoded = base64.b64encode(body).decode("ascii")
    out += "".join(encoded[i:i + 64] + "\n" for i in range(0, len(encoded), 64))
    return out + f"-----END {label}-----\n"


def _begin_label(line):
    prefix = "-----BEGIN "
    if not line.startswith(prefix) or not line.endswith("-----") or len(line) <= len(prefix) + 5:
        return None
    label = line[len(prefix):-5]
    return label if all(c == " " or "A" <= c <= "Z" for c in label) else None


def _header_text(headers):
    return "".join(f"{k}: {v}\n" for k, v in headers)


def _armor_read(text):
    """Section 3.2, exactly; returns (label, headers, body) or raises Malformed / Truncated."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines = lines[:-1]
    label = _begin_label(lines[0]) if lines else None
    if label is None:
        raise _Fail("Malformed", "The file does not start with a BEGIN line.")
    ends_with_lf = text.endswith("\n")
    headers, i = [], 1
    while i < len(lines) and lines[i] != "":
        line = lines[i]
        if line.startswith("-----"):
            raise _Fail("Malformed", "The header is not followed by an empty line.")
        colon = line.find(": ")
        if colon <= 0:
            if i == len(lines) - 1 and not ends_with_lf:
                raise _Fail("Truncated", "The file ends inside a header line.")
            raise _Fail("Malformed", "A header line has no name.")
        headers.append((line[:colon], line[colon + 2:]))
        i += 1
    if i >= len(lines):
        raise _Fail("Truncated", "The file ends before its body.")
    i += 1
    body, ended = [], False
    end_line = f"-----END {label}-----"
    while i < len(lines):
        line = lines[i]
        if line.startswith("-----"):
            if i == len(lines) - 1 and not ends_with_lf and len(line) < len(end_line) and end_line.startswith(line):
                raise _Fail("Truncated", "The file ends inside its END line.")
            if line != end_line:
                raise _Fail("Malformed", "The END line does not match the BEGIN line.")
            ended = True
            i += 1
            break
        body.append(line)
        i += 1
    if not ended:
        raise _Fail("Truncated", "The END line is missing.")
    if i < len(lines):
        raise _Fail("Malformed", "There is text after the END line.")
    joined = "".join(body)
    if not joined.isascii():
        raise _Fail("Malformed", "The body is not base64.")
    try:
        raw = base64.b64decode(joined, validate=True)
    except (binascii.Error, ValueError):
        raise _Fail("Malformed", "The body is not base64.") from None
    canonical = _armor_write(label, headers, raw)
    if text != canonical and text != canonical[:-1]:
        raise _Fail("Malformed", "The file is not in canonical form (spacing, wrapping or padding).")
    return label, headers, raw


def _read_key_block(data, expected_label):
    """Section 3.4 up to Format: 1 (key files and the certificate)."""
    text = _text_limits(data)
    label = _begin_label(text.split("\n", 1)[0])
    if label is None or not label.startswith("LICENSEPORTAL "):
        raise _Fail("Malformed", "Not a LicensePortal key file.")
    if label != expected_label:
        raise _Fail("WrongKeyType", f"Key file of the wrong type: this is a {label}, expected a {expected_label}.")
    _, headers, body = _armor_read(text)
    if not headers or headers[0][0] != "Format" or not (headers[0][1].isascii() and headers[0][1].isdigit()):
        raise _Fail("Malformed", "The first header is not Format.")
    if headers[0][1] != "1":
        raise _Fail("UnsupportedVersion", f"Format {headers[0][1]} is not supported.")
    return headers, body


# ---------------------------------------------------------------- key files
def read_root_public_key(value):
    """The vendor root public key, as the armored vendor-root.pub text (str or bytes), its base64 line (str), or
    the raw 32 bytes. Returns the 32 bytes after full validation (section 2.3); raises KeyFileError."""
    try:
        if isinstance(value, (bytes, bytearray, memoryview)) and len(value) == 32:
            raw = bytes(value)
        elif isinstance(value, str) and not value.startswith("-----"):
            raw = _b64(value.strip(), 32)
            if raw is None:
                raise _Fail("Malformed", "The root public key is neither a vendor-root.pub file nor the base64 of 32 bytes.")
        else:
            if not isinstance(value, (str, bytes, bytearray, memoryview)):
                raise TypeError("root_public_key must be str or bytes")
            headers, raw = _read_key_block(value, ROOT_PUBLIC_LABEL)
            if len(headers) != 2 or headers[1][0] != "Key-Id":
                raise _Fail("Malformed", "A root public key file has exactly the headers Format and Key-Id.")
            if len(raw) != 32 or not _valid_ed25519_point(raw):
                raise _Fail("InvalidKey", "The root public key is not a valid Ed25519 public key.")
            if headers[1][1] != _key_id(raw):
                raise _Fail("KeyIdMismatch", "The Key-Id header does not match the key.")
            return raw
        if not _valid_ed25519_point(raw):
            raise _Fail("InvalidKey", "The root public key is not a valid Ed25519 public key.")
        return raw
    except _Fail as e:
        raise KeyFileError(e.code, "vendor root public key: " + e.message) from None


class HostKey:
    """This host's keys (from the agent's host.key): the X25519 private key and the fingerprint."""

    def __init__(self, ed25519_seed, x25519_private):
        self._x25519 = X25519PrivateKey.from_private_bytes(bytes(x25519_private))
        sign_public = Ed25519PrivateKey.from_private_bytes(bytes(ed25519_seed)).public_key().public_bytes(*_RAW)
        self.encryption_public = self._x25519.public_key().public_bytes(*_RAW)
        self.signing_public = sign_public
        self.fingerprint = _host_fingerprint(sign_public, self.encryption_public)

    def exchange(self, peer_public):
        return self._x25519.exchange(X25519PublicKey.from_public_bytes(bytes(peer_public)))


def read_host_key(data):
    """Parses a ``LICENSEPORTAL HOST PRIVATE KEY`` file (str or bytes: Ed25519 seed || X25519 private, 64 bytes,
    ``Fingerprint`` header checked). Raises KeyFileError."""
    try:
        headers, body = _read_key_block(data, HOST_PRIVATE_LABEL)
        if len(headers) != 2 or headers[1][0] != "Fingerprint":
            raise _Fail("Malformed", "A host private key file has exactly the headers Format and Fingerprint.")
        if len(body) != 64:
            raise _Fail("InvalidKey", "A host private key is 64 bytes.")
        key = HostKey(body[:32], body[32:])
        if not _canonical_x25519(key.encryption_public) or _low_order_x25519(key.encryption_public):
            raise _Fail("InvalidKey", "The host encryption key is not a valid X25519 key.")
        if headers[1][1] != key.fingerprint:
            raise _Fail("KeyIdMismatch", "The Fingerprint header does not match the keys.")
        return key
    except _Fail as e:
        raise KeyFileError(e.code, "host private key: " + e.message) from None


def _read_certificate(text):
    """Section 5.3 (form only); returns a dict or raises _Fail."""
    headers, body = _read_key_block(text, CERT_LABEL)
    if [k for k, _ in headers] != CERT_HEADERS:
        raise _Fail("Malformed", "The certificate does not have exactly its six headers in order.")
    values = [v for _, v in headers]
    if not _lower_hex(values[1], 16) or not _lower_hex(values[2], 16):
        raise _Fail("Malformed", "A certificate key id is not 16 lower-case hex characters.")
    signing_key = _b64(values[3], 32)
    if signing_key is None:
        raise _Fail("Malformed", "The certificate's Signing-Key is not the base64 of 32 bytes.")
    if not _valid_ed25519_point(signing_key):
        raise _Fail("InvalidKey", "The certified signing key is not a valid Ed25519 public key.")
    if values[2] != _key_id(signing_key):
        raise _Fail("KeyIdMismatch", "The certificate's Signing-Key-Id does not match its Signing-Key.")
    try:
        valid_from, valid_until = _parse_time(values[4]), _parse_time(values[5])
    except ValueError:
        raise _Fail("Malformed", "A certificate validity time is not YYYY-MM-DDTHH:MM:SSZ.") from None
    if valid_until < valid_from:
        raise _Fail("Malformed", "The certificate's Valid-Until is before its Valid-From.")
    if len(body) != 64:
        raise _Fail("Malformed", "The certificate's signature is not 64 bytes.")
    return {"root": values[1], "kid": values[2], "key": signing_key, "from": valid_from, "until": valid_until,
            "statement": _header_text(headers).encode("utf-8"), "signature": body}


# ---------------------------------------------------------------- license content (section 7.1)
def _canonical_int(value):
    if (not value or len(value) > 10 or not (value.isascii() and value.isdigit())
            or (len(value) > 1 and value[0] == "0") or int(value) > 2 ** 31 - 1):
        raise ValueError("not a canonical integer")
    return int(value)


def _parse_content(plaintext):
    """Section 7.1 (format 3): the fifteen lines, host-match k, then n host-id lines; any problem is Malformed."""
    try:
        text = plaintext.decode("utf-8")
        if "\r" in text:
            raise ValueError("CR in the plaintext")
        _text_limits(text)
        if not text.endswith("\n"):
            raise ValueError("no final LF")
        lines = text[:-1].split("\n")
        if not _FIXED_LINES + 1 <= len(lines) <= _FIXED_LINES + MAX_IDENTIFIERS:
            raise ValueError(f"{len(lines)} lines, not 17-32")
        quotas = [_canonical_int(x) for x in lines[:6]]
        if not _DATE_RE.fullmatch(lines[6]):
            raise ValueError("expiry date")
        expires = datetime.strptime(lines[6], "%Y-%m-%d").date()
        extras = {}
        for name, line in zip(CONTENT_EXTRAS, lines[9:]):
            if not line.startswith(name + ": "):
                raise ValueError("line " + name)
            extras[name] = line[len(name) + 2:]
        issued = _parse_time(extras["issued-at"])
        revision = _canonical_int(extras["revision"])
        if revision < 1:
            raise ValueError("revision")
        if not (_MAC_RE.fullmatch(lines[7]) and lines[7] != "00:00:00:00:00:00"):
            raise ValueError("mac")
        if not _safe_value(lines[8], 128) or not _safe_value(extras["instance"], 64):
            raise ValueError("serial or instance")
        if (not _lower_hex(extras["host-key-fingerprint"], 64) or not _lower_hex(extras["vendor-key-id"], 16)
                or not _lower_hex(extras["root-key-id"], 16)):
            raise ValueError("key ids")
        if not lines[15].startswith("host-match: "):
            raise ValueError("line host-match")
        host_match = _canonical_int(lines[15][len("host-match: "):])
        identifiers = []
        for line in lines[_FIXED_LINES:]:
            ident = _parse_identifier(line[len("host-id: "):]) if line.startswith("host-id: ") else None
            if ident is None:
                raise ValueError("a host-id line is not a canonical host identifier")
            identifiers.append(ident)
        if not _is_canonical_list(identifiers):
            raise ValueError("the host-id lines are not in canonical order or repeat")
        if not 1 <= host_match <= len(identifiers):
            raise ValueError("host-match is not between 1 and the number of host-id lines")
        canonical = "".join(f"{q}\n" for q in quotas) + expires.strftime("%Y-%m-%d") + "\n"
        canonical += lines[7] + "\n" + lines[8] + "\n"
        canonical += f"issued-at: {_fmt_time(issued)}\nrevision: {revision}\n"
        canonical += "".join(f"{n}: {extras[n]}\n" for n in CONTENT_EXTRAS[2:])
        canonical += f"host-match: {host_match}\n" + "".join(f"host-id: {k} {v}\n" for k, v in identifiers)
        if canonical != text:
            raise ValueError("not in canonical form")
    except (ValueError, UnicodeDecodeError, _Fail) as e:
        raise _Fail("Malformed", f"The signed license content is malformed: {e}") from None
    return text, lines, quotas, expires, issued, revision, extras, host_match, identifiers


# ---------------------------------------------------------------- host identifiers (section 6.1)
def _identifier_value(kind, value):
    """The canonical value of an identifier of this kind as read from a host (a MAC in either notation and case, a
    UUID or machine id in either case), or None when it is not valid for the kind."""
    if not isinstance(value, str):
        return None
    if kind == "mac":
        try:
            return _normalize_mac(value)
        except ValueError:
            return None
    if kind == "dmi-serial":
        return value if _safe_value(value, 128) else None
    if kind == "dmi-uuid":
        return value.lower() if _UUID_RE.fullmatch(value) else None
    if kind == "machine-id":
        return value.lower() if _HEX32_RE.fullmatch(value) else None
    return None


def _parse_identifier(text):
    """``kind value`` in canonical form only (as in files); (kind, value) or None."""
    kind, space, value = text.partition(" ")
    if not space or kind not in IDENTIFIER_KINDS:
        return None
    return (kind, value) if _identifier_value(kind, value) == value else None


def _normalize_identifier(text):
    """``kind value`` as a product reads it (the value normalized, as a writer does); raises ValueError."""
    if not isinstance(text, str):
        raise TypeError("a host identifier is a 'kind value' string")
    kind, space, value = text.partition(" ")
    canonical = _identifier_value(kind, value) if space and kind in IDENTIFIER_KINDS else None
    if canonical is None:
        raise ValueError(f"{text!r} is not a host identifier ('kind value', kind one of {', '.join(IDENTIFIER_KINDS)})")
    return kind, canonical


def _serial_identifier(serial):
    """Section 6.1: a serial machine-id:<32 hex> stands for machine-id <hex>, any other serial for dmi-serial <serial>."""
    if serial.startswith("machine-id:"):
        machine_id = _identifier_value("machine-id", serial[len("machine-id:"):])
        if machine_id is not None:
            return "machine-id", machine_id
    return "dmi-serial", serial


def _identifier_order(ident):
    """Canonical order: by kind (mac, dmi-serial, dmi-uuid, machine-id), then by value in UTF-16 code units."""
    return IDENTIFIER_KINDS.index(ident[0]), ident[1].encode("utf-16-be", "surrogatepass")


def _is_canonical_list(identifiers):
    return (1 <= len(identifiers) <= MAX_IDENTIFIERS
            and all(_identifier_order(a) < _identifier_order(b) for a, b in zip(identifiers, identifiers[1:])))


_VIRTUAL_INTERFACE_PREFIXES = ("docker", "br-", "veth", "virbr", "vnet", "tun", "tap", "cni", "flannel", "kube")
_SERIAL_PLACEHOLDERS = frozenset(p.lower() for p in ["None", "Not Specified", "Not Applicable", "To Be Filled By O.E.M.",
                                                     "Default string", "System Serial Number", "0", "0123456789"])
_WHITE_SPACE_CHARS = "".join(sorted(_WHITE_SPACE))


def _read_small_text(path):
    """The text of a small system file, stripped of white space; None when it cannot be read."""
    try:
        with open(path, "rb") as f:
            raw = f.read(4096)
    except OSError:
        return None
    text = raw.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.strip(_WHITE_SPACE_CHARS)


def read_host_identifiers(root="/"):
    """Every identifier this host presents, read under ``root`` as the host agent reads them, as ``kind value``
    strings in canonical order (pass them as ``identifiers=``):

    - ``mac``: the address of every physical network interface, sys/class/net/NAME with a ``device`` entry, not
      ``lo`` and not named docker*, br-*, veth*, virbr*, vnet*, tun*, tap*, cni*, flannel*, kube*; a valid MAC other
      than 00:00:00:00:00:00, normalized;
    - ``dmi-serial``: sys/class/dmi/id/product_serial, else board_serial, when it is a valid serial (section 1.2)
      and not a placeholder ("None", "Not Specified", "To Be Filled By O.E.M.", "0", ..., case-insensitive);
    - ``dmi-uuid``: sys/class/dmi/id/product_uuid when it is a UUID other than all zeros or all F, lower-cased;
    - ``machine-id``: etc/machine-id when it is 32 hex digits other than all zeros, lower-cased.

    A file that is missing or cannot be read (DMI files are readable by root only) is skipped, so the list may be
    empty; every identifier found is returned."""
    found = set()
    net = os.path.join(root, "sys", "class", "net")
    try:
        names = sorted(os.listdir(net))
    except OSError:
        names = []
    for name in names:
        if name == "lo" or name.startswith(_VIRTUAL_INTERFACE_PREFIXES):
            continue
        if not os.path.exists(os.path.join(net, name, "device")):
            continue
        text = _read_small_text(os.path.join(net, name, "address"))
        mac = _identifier_value("mac", text) if text is not None else None
        if mac is not None:
            found.add(("mac", mac))
    dmi = os.path.join(root, "sys", "class", "dmi", "id")
    for file in ("product_serial", "board_serial"):
        serial = _read_small_text(os.path.join(dmi, file))
        if (serial is not None and _safe_value(serial, 128)
                and not (serial.isascii() and serial.lower() in _SERIAL_PLACEHOLDERS)):
            found.add(("dmi-serial", serial))
            break
    text = _read_small_text(os.path.join(dmi, "product_uuid"))
    uuid = _identifier_value("dmi-uuid", text) if text is not None else None
    if uuid is not None and uuid.replace("-", "") not in ("0" * 32, "f" * 32):
        found.add(("dmi-uuid", uuid))
    text = _read_small_text(os.path.join(root, "etc", "machine-id"))
    machine_id = _identifier_value("machine-id", text) if text is not None else None
    if machine_id is not None and machine_id != "0" * 32:
        found.add(("machine-id", machine_id))
    return [f"{kind} {value}" for kind, value in sorted(found, key=_identifier_order)]


def _presented_identifiers(identifiers, mac, serial):
    """The set this host presents: the given identifiers, its MAC and its serial's identifier; None when none is given."""
    if identifiers is None and mac is None and serial is None:
        return None
    if isinstance(identifiers, (str, bytes)):
        raise TypeError("identifiers must be a list of 'kind value' strings, not one string")
    presented = {_normalize_identifier(i) for i in (identifiers or ())}
    if mac is not None:
        presented.add(("mac", _normalize_mac(mac)))
    if serial is not None:
        presented.add(_serial_identifier(serial))
    return frozenset(presented)


# ---------------------------------------------------------------- the license
class License:
    """A verified license: its values and the first-generation client's checks."""

    def __init__(self, text, lines, quotas, expires, issued, revision, extras, host_match, identifiers):
        self.plaintext = text
        self.lines = lines
        (self.max_desktops, self.max_images, self.max_users,
         self.max_vcpu, self.max_vmem, self.max_vdisk) = quotas
        self.expires_on = expires
        self.mac = lines[7]
        self.serial = lines[8]
        self.issued_at = issued
        self.revision = revision
        self.instance = extras["instance"]
        self.host_key_fingerprint = extras["host-key-fingerprint"]
        self.vendor_key_id = extras["vendor-key-id"]
        self.root_key_id = extras["root-key-id"]
        self.host_match = host_match
        self.host_identifiers = [f"{kind} {value}" for kind, value in identifiers]
        self._identifiers = identifiers

    @property
    def seed_lines(self):
        """The plaintext's first nine lines: desktops, images, users, vCPUs, vmem GiB, vdisk GiB, expiry, MAC, serial."""
        return self.lines[:9]

    @staticmethod
    def _within(used, allowed):
        if isinstance(used, bool) or not isinstance(used, int):
            raise TypeError("usage must be an int")
        if used < 0:
            raise ValueError("usage must not be negative")
        return used <= allowed

    def check_max_desktops(self, n):
        """True when n concurrent desktops are within the license (exceeded only when n > the allowance)."""
        return self._within(n, self.max_desktops)

    def check_max_images(self, n):
        """True when n images are within the license."""
        return self._within(n, self.max_images)

    def check_max_users(self, n):
        """True when n concurrent users are within the license."""
        return self._within(n, self.max_users)

    def check_max_vcpu(self, n):
        """True when n virtual CPUs are within the license."""
        return self._within(n, self.max_vcpu)

    def check_max_vmem(self, n):
        """True when n GiB of virtual memory are within the license."""
        return self._within(n, self.max_vmem)

    def check_max_vdisk(self, n):
        """True when n GiB of virtual disk are within the license."""
        return self._within(n, self.max_vdisk)

    def check_expired_time(self, now=None):
        """True when the license has NOT expired: the expiry date is the last valid day, compared with the UTC date
        of now (default: the current time)."""
        return self.expires_on >= _utc_date(now)

    def __repr__(self):
        return (f"License(instance={self.instance!r}, revision={self.revision}, expires_on={self.expires_on}, "
                f"desktops={self.max_desktops}, images={self.max_images}, users={self.max_users}, "
                f"vcpu={self.max_vcpu}, vmem={self.max_vmem}, vdisk={self.max_vdisk})")


def _utc_now(now):
    if now is None:
        return datetime.now(timezone.utc)
    if not isinstance(now, datetime):
        raise TypeError("now must be a datetime")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    return now.astimezone(timezone.utc)


def _utc_date(now):
    if isinstance(now, date) and not isinstance(now, datetime):
        return now
    return _utc_now(now).date()


def _normalize_mac(mac):
    if not isinstance(mac, str) or len(mac) != 17 or mac[2] not in ":-":
        raise ValueError(f"{mac!r} is not a MAC address (expected six hex pairs like 52:54:00:12:34:56)")
    sep = mac[2]
    out = []
    for i, c in enumerate(mac):
        if i % 3 == 2:
            if c != sep:
                raise ValueError(f"{mac!r} is not a MAC address")
            out.append(":")
        elif c in "0123456789abcdefABCDEF":
            out.append(c.lower())
        else:
            raise ValueError(f"{mac!r} is not a MAC address")
    normalized = "".join(out)
    if normalized == "00:00:00:00:00:00":
        raise ValueError("00:00:00:00:00:00 is not a MAC address")
    return normalized


def _verify(data, host_key, root, presented, now, reject_expired):
    # Steps 1-8: limits, armor, headers, body, certificate form.
    text = _text_limits(data)
    if _begin_label(text.split("\n", 1)[0]) != LICENSE_LABEL:
        raise _Fail("Malformed", "Not a LicensePortal license file.")
    end = text.find(LICENSE_END)
    license_text = text if end < 0 else text[:end + len(LICENSE_END)]
    cert_text = "" if end < 0 else text[end + len(LICENSE_END):]
    _, headers, body = _armor_read(license_text)
    if not headers or headers[0][0] != "Format" or not (headers[0][1].isascii() and headers[0][1].isdigit()):
        raise _Fail("Malformed", "The first header is not Format.")
    if headers[0][1] != LICENSE_FORMAT:
        raise _Fail("UnsupportedVersion", f"License format {headers[0][1]} is not supported (this reader knows format {LICENSE_FORMAT}).")
    if [k for k, _ in headers] != LICENSE_HEADERS:
        raise _Fail("Malformed", "The license does not have exactly its five headers in order.")
    root_kid, kid, fingerprint, ephemeral = (v for _, v in headers[1:])
    if not _lower_hex(root_kid, 16) or not _lower_hex(kid, 16) or not _lower_hex(fingerprint, 64):
        raise _Fail("Malformed", "A key id or the host key fingerprint is not lower-case hex of the right length.")
    pk_e = _b64(ephemeral, 32)
    if pk_e is None or not _canonical_x25519(pk_e):
        raise _Fail("Malformed", "The ephemeral key is not a canonical X25519 key.")
    if len(body) < MIN_BODY:
        raise _Fail("Truncated", "The license body is too short.")
    if cert_text == "":
        raise _Fail("Truncated", "The signing key certificate is missing.")
    cert, cert_problem = None, None
    try:
        cert = _read_certificate(cert_text)
    except _Fail as e:
        if e.code not in ("InvalidKey", "KeyIdMismatch"):
            raise _Fail("Truncated" if e.code == "Truncated" else "Malformed",
                        "The signing key certificate is damaged: " + (e.message or e.code)) from None
        cert_problem = e.message
    # Steps 9-11: trust.
    trusted_kid = _key_id(root)
    if root_kid != trusted_kid:
        raise _Fail("UnknownRootKey",
                    f"The license's signing key is certified by root {root_kid}; only root {trusted_kid} is trusted here.")
    if cert is None:
        raise _Fail("BadCertificate", "The signing key certificate is invalid: " + cert_problem)
    if cert["root"] != trusted_kid or not _ed25519_verify(root, CERT_DOMAIN + cert["statement"], cert["signature"]):
        raise _Fail("BadCertificate", f"The signing key certificate is not signed by the trusted root {trusted_kid}.")
    if cert["kid"] != kid:
        raise _Fail("BadCertificate", f"The license names signing key {kid} but carries the certificate of {cert['kid']}.")
    # Steps 12-13: this host, decryption.
    if not hmac.compare_digest(fingerprint.encode("ascii"), host_key.fingerprint.encode("ascii")):
        raise _Fail("NotForThisHost", "The license was issued for another host key.")
    undecryptable = _Fail("NotForThisHost", "The license cannot be decrypted with this host's key: "
                                            "it was issued for another host or has been damaged.")
    if _low_order_x25519(pk_e):
        raise undecryptable
    try:
        shared = host_key.exchange(pk_e)
    except ValueError:
        raise undecryptable from None
    if shared == bytes(32):
        raise undecryptable
    info = (KDF_LABEL + b"\x00" + root_kid.encode("ascii") + b"\x00" + kid.encode("ascii") + b"\x00"
            + fingerprint.encode("ascii") + b"\x00" + pk_e)
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=pk_e + host_key.encryption_public, info=info).derive(shared)
    try:
        inner = AESGCM(key).decrypt(body[:12], body[12:], _header_text(headers).encode("utf-8"))
    except InvalidTag:
        raise undecryptable from None
    # Steps 14-17: signature, content, bindings.
    plaintext, signature = inner[:-64], inner[-64:]
    if not _ed25519_verify(cert["key"], LICENSE_DOMAIN + plaintext, signature):
        raise _Fail("BadSignature", "The vendor signature does not verify.")
    lic = License(*_parse_content(plaintext))
    if lic.vendor_key_id != kid or lic.root_key_id != root_kid:
        raise _Fail("BadSignature", "The signed content names another signing key or root than the file's header.")
    if lic.host_key_fingerprint != host_key.fingerprint:
        raise _Fail("NotForThisHost", "The signed content names another host key.")
    # Step 18: enough of the recorded host identifiers present, when the product gives what this host presents.
    if presented is not None:
        present = [i for i in lic._identifiers if i in presented]
        if len(present) < lic.host_match:
            missing = ", ".join(f"{k} {v}" for k, v in lic._identifiers if (k, v) not in presented)
            raise _Fail("HostMismatch", f"The license needs {lic.host_match} of its {len(lic._identifiers)} host identifiers "
                                        f"on this host, which presents {len(present)}; missing: {missing}.")
    # Steps 19, 21, 22 (20 and 23 need the high-water mark).
    if not (cert["from"] <= lic.issued_at <= cert["until"]):
        raise _Fail("CertificateExpired", f"The license was issued at {_fmt_time(lic.issued_at)}, outside its signing "
                                          f"key certificate's validity ({_fmt_time(cert['from'])} - {_fmt_time(cert['until'])}).")
    if lic.issued_at > now + ISSUED_IN_FUTURE_SKEW:
        raise _Fail("IssuedInFuture", f"The license was issued at {_fmt_time(lic.issued_at)}, after the current time "
                                      f"{_fmt_time(now)} (is the clock behind?).")
    if reject_expired and not lic.check_expired_time(now):
        raise _Fail("Expired", f"The license expired on {lic.expires_on.isoformat()}.")
    return lic


def verify_license(data, host_key, root_public_key, *, mac=None, serial=None, identifiers=None, now=None,
                   reject_expired=False):
    """Verifies license file contents (bytes as read, or str) for this host and returns a License.

    host_key: a HostKey (read_host_key) or the host private key file's contents. root_public_key: see
    read_root_public_key. identifiers: every identifier this host presents, ``kind value`` strings
    (read_host_identifiers(), or the product's own reading; values are normalized, the order does not matter);
    mac / serial: its primary MAC and serial number, added to them (the serial as its identifier: machine-id:<hex> is
    ``machine-id <hex>``, any other ``dmi-serial <serial>``). When any of the three is given, a license that does not
    find at least its host-match of its host-id identifiers among them is HostMismatch; give everything the host
    presents, since only what is given counts. now: an aware datetime (default: the current UTC time). An expired
    license is returned (check_expired_time says so) unless reject_expired is true. Raises LicenseError
    (KeyFileError for the keys); ValueError or TypeError for an invalid mac, serial or identifier."""
    root = read_root_public_key(root_public_key)
    if not isinstance(host_key, HostKey):
        host_key = read_host_key(host_key)
    if serial is not None and not (isinstance(serial, str) and _safe_value(serial, 128)):
        raise ValueError("The serial number must be 1-128 printable characters without leading or trailing spaces.")
    presented = _presented_identifiers(identifiers, mac, serial)
    try:
        return _verify(data, host_key, root, presented, _utc_now(now), reject_expired)
    except _Fail as e:
        raise LicenseError(e.code, e.message or e.code) from None


_current = None


def load_license(path, host_key_path, root_public_key, *, mac=None, serial=None, identifiers=None, now=None,
                 reject_expired=False):
    """Reads and verifies the license file at path with the host key file at host_key_path, trusting only
    root_public_key (a constant in the product: vendor-root.pub text, its base64 line, or the raw 32 bytes); mac,
    serial and identifiers as for verify_license.
    Returns the License and makes it the one the module-level check_* functions use. Raises LicenseError
    (KeyFileError for the keys), OSError when a file cannot be read."""
    global _current
    with open(path, "rb") as f:
        data = f.read(MAX_BYTES + 1)
    with open(host_key_path, "rb") as f:
        host_key = read_host_key(f.read(MAX_BYTES + 1))
    lic = verify_license(data, host_key, root_public_key, mac=mac, serial=serial, identifiers=identifiers, now=now,
                         reject_expired=reject_expired)
    _current = lic
    return lic


def current_license():
    """The license loaded last by load_license; raises LicenseError("NotLoaded") before the first."""
    if _current is None:
        raise LicenseError("NotLoaded", "No license has been loaded: call load_license first.")
    return _current


def check_max_desktops(n):
    """True when n concurrent desktops are within the license loaded last."""
    return current_license().check_max_desktops(n)


def check_max_images(n):
    """True when n images are within the license loaded last."""
    return current_license().check_max_images(n)


def check_max_users(n):
    """True when n concurrent users are within the license loaded last."""
    return current_license().check_max_users(n)


def check_max_vcpu(n):
    """True when n virtual CPUs are within the license loaded last."""
    return current_license().check_max_vcpu(n)


def check_max_vmem(n):
    """True when n GiB of virtual memory are within the license loaded last."""
    return current_license().check_max_vmem(n)


def check_max_vdisk(n):
    """True when n GiB of virtual disk are within the license loaded last."""
    return current_license().check_max_vdisk(n)


def check_expired_time(now=None):
    """True when the license loaded last has NOT expired (expiry date inclusive, compared with the UTC date)."""
    return current_license().check_expired_time(now)


# ---------------------------------------------------------------- command line
def _main(argv=None):
    parser = argparse.ArgumentParser(prog="licenseportal_license.py", description="LicensePortal license verifier (format 3).")
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="Verify a license file for this host and print its first nine lines.")
    verify.add_argument("--license", required=True, help="the license file")
    verify.add_argument("--host-key", required=True, help="the agent's host private key file (host.key)")
    verify.add_argument("--root", required=True, help="the vendor root public key file (vendor-root.pub)")
    verify.add_argument("--mac", help="this host's primary MAC address (a host identifier it presents)")
    verify.add_argument("--serial", help="this host's serial number (machine-id:<hex> or the DMI serial)")
    verify.add_argument("--identifier", action="append", metavar="'KIND VALUE'",
                        help="an identifier this host presents, for example 'mac 52:54:00:ab:cd:ef' (repeatable)")
    verify.add_argument("--read-host-identifiers", action="store_true",
                        help="read this host's identifiers as the agent does (network cards, DMI serial and UUID, machine id)")
    verify.add_argument("--system-root", default="/", help="where --read-host-identifiers reads sys/ and etc/ (default /)")
    args = parser.parse_args(argv)
    identifiers = list(args.identifier or [])
    if args.read_host_identifiers:
        identifiers += read_host_identifiers(args.system_root)
    elif not identifiers:
        identifiers = None
    try:
        with open(args.root, "rb") as f:
            root = f.read(MAX_BYTES + 1)
        lic = load_license(args.license, args.host_key, root, mac=args.mac, serial=args.serial, identifiers=identifiers,
                           reject_expired=True)
    except KeyFileError as e:
        print(f"error: {e.message} ({e.code})", file=sys.stderr)
        return 2
    except LicenseError as e:
        print(f"license rejected ({e.code}): {e.message}", file=sys.stderr)
        return 3
    except (OSError, ValueError, TypeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
    text = "".join(line + "\n" for line in lic.seed_lines)
    if out is not None:
        sys.stdout.flush()
        out.write(text.encode("utf-8"))
        out.flush()
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
