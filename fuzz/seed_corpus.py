#!/usr/bin/env python3
"""Writes the seed corpora (fuzz/corpus/<target>/seed-*) from the known-answer
vectors in crates/azure_communication_common/tests/data.

Run from anywhere: python3 fuzz/seed_corpus.py. It only (re)writes seed-*
files, so a working corpus next to them is left alone.
"""
import hashlib
import json
import pathlib

FUZZ = pathlib.Path(__file__).resolve().parent
VECTORS = FUZZ.parent / "crates" / "azure_communication_common" / "tests" / "data"
KEY = "c2VjcmV0LWtleS1ieXRlcy1mb3ItdGhlLWZ1enplcg=="
ENDPOINT = "https://contoso.communication.azure.com/"


def load(name):
    return json.loads((VECTORS / name).read_text())


def write(target, blobs):
    out = FUZZ / "corpus" / target
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("seed-*"):
        old.unlink()
    seen = set()
    for blob in blobs:
        if isinstance(blob, str):
            blob = blob.encode()
        digest = hashlib.sha1(blob).hexdigest()[:16]
        if digest in seen:
            continue
        seen.add(digest)
        (out / f"seed-{digest}").write_bytes(blob)
    print(f"{target}: {len(seen)} seeds")


raw = load("raw_ids.json")
write("raw_id", [c["rawId"] for c in raw["cases"]] +
      [c["expectedRawId"] for c in raw["format_cases"] if c.get("expectedRawId")])

ser = load("serializer.json")
models = [json.dumps(c["wire"]) for c in ser["deserialize"] + ser["deserialize_errors"]]
models += [json.dumps(c["expected"]["ok"]) for c in ser["serialize"] if "ok" in c["expected"]]
write("identifier_model", models)

tok = load("tokens.json")
tokens = [c["token"] for k in ("valid", "invalid", "derived_parser_edge_cases")
          for c in tok[k] if isinstance(c.get("token"), str)]
tokens += ["Bearer " + tokens[0], '{"token":"%s"}' % tokens[0], ' "%s"\n' % tokens[0]]
# parse_token reads an `Input` with `arbitrary`: four zero bytes pick
# `Input::Raw`, and the rest is the string.
write("parse_token", [b"\0\0\0\0" + t.encode() for t in tokens])

write("connection_string", [
    f"endpoint={ENDPOINT};accesskey={KEY}",
    f"accesskey={KEY};endpoint={ENDPOINT}",
    f" AccessKey = {KEY} ; Endpoint = http://127.0.0.1:8080 ;",
    f"foo=bar;endpoint={ENDPOINT};x=;accesskey={KEY};other=a=b=c",
    f"endpoint=https://user:{KEY}@contoso.communication.azure.com/;accesskey={KEY}",
    f"endpoint={ENDPOINT}?q={KEY};accesskey={KEY}",
    f"endpoint={ENDPOINT};accesskey={KEY};AccessKey={KEY}",
    f"endpoint={ENDPOINT};garbage;accesskey={KEY}",
    f"endpoint={ENDPOINT};accesskey=pw-_",
    f"endpoint={ENDPOINT};accesskey=p w==",
])
