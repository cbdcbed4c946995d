#!/usr/bin/env python3
"""Independent check of the LicensePortal v1 test vectors, written from docs/license-format.md.

Needs the `cryptography` package. Run from anywhere: python3 verify_vectors.py
Exits 0 when every derived value and every expected case result matches.
"""
import base64
import binascii
import hashlib
import json
import os
import sys
from datetime import datetime, timedelta, timezone

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HERE = os.path.dirname(os.path.abspath(__file__))
RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


class Fail(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def text_limits(data: str) -> str:
    raw = data.encode("utf-8", "surrogatepass")
    if not raw:
        raise Fail("Empty")
    if len(raw) > 65536:
        raise Fail("TooLarge")
    for i, c in enumerate(data):
        if c == "\r":
            if i + 1 >= len(data) or data[i + 1] != "\n":
                raise Fail("Malformed")
        elif c == "\ufeff" or (c != "\n" and (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F)):
            raise Fail("NotText")
    crlf = data.count("\r\n")
    if crlf and crlf != data.count("\n"):
        raise Fail("Malformed")
    return data.replace("\r\n", "\n")


def b64(value: str, length: int) -> bytes:
    raw = base64.b64decode(value, validate=True)
    if len(raw) != length or base64.b64encode(raw).decode() != value:
        raise ValueError("not canonical base64")
    return raw


def armor_write(label, headers, body):
    out = f"-----BEGIN {label}-----\n" + "".join(f"{k}: {v}\n" for k, v in headers) + "\n"
    enc = base64.b64encode(body).decode()
    out += "".join(enc[i:i + 64] + "\n" for i in range(0, len(enc), 64))
    return out + f"-----END {label}-----\n"


def armor_read(text):
    lines = text.split("\n")
    if lines[-1] == "":
        lines = lines[:-1]
    if not lines or not lines[0].startswith("-----BEGIN ") or not lines[0].endswith("-----"):
        raise Fail("Malformed")
    label = lines[0][11:-5]
    headers, i = [], 1
    while i < len(lines) and lines[i] != "":
        if ": " not in lines[i] or lines[i].startswith("-----"):
            raise Fail("Malformed")
        k, v = lines[i].split(": ", 1)
        headers.append((k, v))
        i += 1
    if i >= len(lines):
        raise Fail("Truncated")
    end = f"-----END {label}-----"
    if end not in lines[i + 1:]:
        raise Fail("Truncated")
    j = lines.index(end, i + 1)
    try:
        body = base64.b64decode("".join(lines[i + 1:j]), validate=True)
    except binascii.Error:
        raise Fail("Malformed")
    canonical = armor_write(label, headers, body)
    if text not in (canonical, canonical[:-1]):
        raise Fail("Malformed")
    return label, headers, body


def fingerprint(sign_pub: bytes, enc_pub: bytes) -> str:
    return hashlib.sha256(b"licenseportal-hostkey-v1\n" + sign_pub + enc_pub).hexdigest()


def key_id(pub: bytes) -> str:
    return hashlib.sha256(pub).hexdigest()[:16]


HOSTINFO_NAMES = ["LicensePortal-HostInfo", "Instance", "MAC", "Serial", "Created",
                  "Host-Signing-Key", "Host-Encryption-Key", "Check-Code"]


def parse_hostinfo(data: str):
    text = text_limits(data)
    lines = text.split("\n")
    count = len(lines) - (1 if lines[-1] == "" else 0)
    first = lines[0]
    if not first.startswith("LicensePortal-HostInfo: "):
        raise Fail("Malformed")
    version = first[len("LicensePortal-HostInfo: "):]
    if version != "1":
        raise Fail("UnsupportedVersion" if version.isdigit() else "Malformed")
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
        sign_pub, enc_pub = b64(values[5], 32), b64(values[6], 32)
    except (ValueError, binascii.Error):
        raise Fail("InvalidField" if text.endswith("\n") else "Truncated")
    signed = "".join(line + "\n" for line in lines[:7]).encode()
    try:
        Ed25519PublicKey.from_public_bytes(sign_pub).verify(sig, b"licenseportal-hostinfo-v1\n" + signed)
    except InvalidSignature:
        raise Fail("BadCheckCode")
    return values, fingerprint(sign_pub, enc_pub)


def parse_time(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def verify_license(data, host_enc_priv: bytes, host_fp: str, trusted: dict, mac, serial, now, installed=None):
    text = text_limits(data)
    label, headers, body = armor_read(text)
    if label != "LICENSEPORTAL LICENSE":
        raise Fail("Malformed")
    if not headers or headers[0][0] != "Format" or not headers[0][1].isdigit():
        raise Fail("Malformed")
    if headers[0][1] != "1":
        raise Fail("UnsupportedVersion")
    if [k for k, _ in headers] != ["Format", "Vendor-Key-Id", "Host-Key-Fingerprint", "Ephemeral-Key"]:
        raise Fail("Malformed")
    kid, fp, epk_b64 = headers[1][1], headers[2][1], headers[3][1]
    try:
        pk_e = b64(epk_b64, 32)
    except (ValueError, binascii.Error):
        raise Fail("Malformed")
    if len(body) < 12 + 16 + 64 + 1:
        raise Fail("Truncated")
    if kid not in trusted:
        raise Fail("UnknownVendorKey")
    if fp != host_fp:
        raise Fail("NotForThisHost")
    priv = X25519PrivateKey.from_private_bytes(host_enc_priv)
    pk_r = priv.public_key().public_bytes(*RAW)
    shared = priv.exchange(X25519PublicKey.from_public_bytes(pk_e))
    info = b"licenseportal-license-v1\x00" + kid.encode() + b"\x00" + fp.encode() + b"\x00" + pk_e
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=pk_e + pk_r, info=info).derive(shared)
    aad = "".join(f"{k}: {v}\n" for k, v in headers).encode()
    try:
        inner = AESGCM(key).decrypt(body[:12], body[12:], aad)
    except InvalidTag:
        raise Fail("NotForThisHost")
    plaintext, sig = inner[:-64], inner[-64:]
    try:
        trusted[kid].verify(sig, b"licenseportal-license-v1\n" + plaintext)
    except InvalidSignature:
        raise Fail("BadSignature")
    lines = plaintext.decode().split("\n")[:-1]
    extras = dict(line.split(": ", 1) for line in lines[9:])
    if extras["vendor-key-id"] != kid:
        raise Fail("BadSignature")
    if extras["host-key-fingerprint"] != host_fp:
        raise Fail("NotForThisHost")
    if lines[7] != mac or lines[8] != serial:
        raise Fail("HostMismatch")
    issued = parse_time(extras["issued-at"])
    if issued > now + timedelta(minutes=5):
        raise Fail("IssuedInFuture")
    if lines[6] < now.strftime("%Y-%m-%d"):
        raise Fail("Expired")
    if installed is not None:
        inst_rev, inst_text, inst_issued = installed
        rev = int(extras["revision"])
        if rev < inst_rev or (rev == inst_rev and plaintext != inst_text and issued < inst_issued):
            raise Fail("OlderThanInstalled")
    return plaintext


def main():
    with open(os.path.join(HERE, "vectors.json"), encoding="utf-8") as f:
        v = json.load(f)
    inp, der = v["inputs"], v["derived"]
    h = bytes.fromhex
    vendor = Ed25519PrivateKey.from_private_bytes(h(inp["vendorSeedHex"]))
    vendor_pub = vendor.public_key().public_bytes(*RAW)
    sign_pub = Ed25519PrivateKey.from_private_bytes(h(inp["hostSigningSeedHex"])).public_key().public_bytes(*RAW)
    enc_priv = h(inp["hostEncryptionPrivateHex"])
    enc_pub = X25519PrivateKey.from_private_bytes(enc_priv).public_key().public_bytes(*RAW)
    fp = fingerprint(sign_pub, enc_pub)
    failures = []

    def check(name, actual, expected):
        if actual != expected:
            failures.append(f"{name}: expected {expected!r}, got {actual!r}")

    check("vendorKeyId", key_id(vendor_pub), der["vendorKeyId"])
    check("hostKeyFingerprint", fp, der["hostKeyFingerprint"])
    plaintext = h(der["licensePlaintextHex"])
    check("licenseSignature", vendor.sign(b"licenseportal-license-v1\n" + plaintext).hex(), der["licenseSignatureHex"])
    eph = X25519PrivateKey.from_private_bytes(h(inp["ephemeralPrivateHex"]))
    pk_e = eph.public_key().public_bytes(*RAW)
    shared = eph.exchange(X25519PublicKey.from_public_bytes(enc_pub))
    check("x25519SharedSecret", shared.hex(), der["x25519SharedSecretHex"])
    info = b"licenseportal-license-v1\x00" + der["vendorKeyId"].encode() + b"\x00" + fp.encode() + b"\x00" + pk_e
    check("hkdfInfo", info.hex(), der["hkdfInfoHex"])
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=pk_e + enc_pub, info=info).derive(shared)
    check("aeadKey", key.hex(), der["aeadKeyHex"])

    # Re-seal with the fixed nonce: must reproduce license.lic exactly.
    nonce = h(inp["nonceHex"])
    headers = [("Format", "1"), ("Vendor-Key-Id", der["vendorKeyId"]), ("Host-Key-Fingerprint", fp),
               ("Ephemeral-Key", base64.b64encode(pk_e).decode())]
    check("associatedData", "".join(f"{k}: {v}\n" for k, v in headers), der["associatedData"])
    sealed = AESGCM(key).encrypt(nonce, plaintext + h(der["licenseSignatureHex"]), der["associatedData"].encode())
    with open(os.path.join(HERE, "license.lic"), encoding="utf-8") as f:
        check("license.lic", armor_write("LICENSEPORTAL LICENSE", headers, nonce + sealed), f.read())

    for case in v["hostInfoCases"]:
        try:
            parse_hostinfo(case["text"])
            got = "Ok"
        except Fail as e:
            got = e.code
        check("hostinfo case " + case["name"], got, case["expected"])

    trusted_all = {der["vendorKeyId"]: vendor.public_key()}
    for case in v["licenseCases"]:
        trusted = {k: trusted_all[k] for k in case["trustedVendorKeyIds"] if k in trusted_all}
        installed = None
        if "installedRevision" in case:
            rev = case["installedRevision"]
            text = plaintext.decode().replace("revision: 2\n", f"revision: {rev}\n").encode()
            installed = (rev, text, parse_time(inp["created"]))
        try:
            verify_license(case["text"], enc_priv, fp, trusted, case["expectedMac"], case["expectedSerial"],
                           parse_time(case["now"]), installed)
            got = "None"
        except Fail as e:
            got = e.code
        check("license case " + case["name"], got, case["expected"])

    for line in failures:
        print("FAIL", line)
    total = 8 + len(v["hostInfoCases"]) + len(v["licenseCases"])
    print(f"{total - len(failures)}/{total} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
