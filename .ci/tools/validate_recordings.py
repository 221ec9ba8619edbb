#!/usr/bin/env python3
"""Validate spec/recordings against spec/chekt.yaml with a validator nobody
here wrote: openapi-schema-validator's OAS 3.0 validator (pinned in
.ci/tools/requirements.txt), with its OAS 3.0 format checker.

Every exchange's JSON request body and response body, and every webhook
delivery's payload, is validated against the schema the spec gives it (the
operation is the recording's directory, the status picks the response:
exact, then its `NXX` range, then `default`). A response schema that is a
`$ref` to `components/responses` is followed.

Usage: validate_recordings.py [--spec PATH] [--recordings DIR]
Prints one line per failure (`<file>: <where>: <message>`), then a summary.
Exit codes: 0 all valid, 1 a failure, 2 bad input (unreadable file, unknown
operation).
"""
import argparse
import json
import pathlib
import sys

import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker

ROOT = pathlib.Path(__file__).resolve().parents[2]


def escape(token):
    return token.replace("~", "~0").replace("/", "~1")


def follow(spec, pointer):
    """The value at a `#/...` pointer."""
    node = spec
    for token in pointer.lstrip("#/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


class Checker:
    def __init__(self, spec):
        self.spec = spec
        self.operations = {}
        for path, item in spec.get("paths", {}).items():
            for method, op in item.items():
                if isinstance(op, dict) and "operationId" in op:
                    self.operations[op["operationId"]] = f"#/paths/{escape(path)}/{method}"
        self.failures = []
        self.checked = 0

    def validate(self, name, where, schema_pointer, instance):
        # The whole spec is the root document, so `#/components/...` refs
        # resolve; the `$ref` (whose siblings OAS 3.0 ignores) picks the schema.
        root = dict(self.spec)
        root["$ref"] = schema_pointer
        validator = OAS30Validator(root, format_checker=oas30_format_checker)
        self.checked += 1
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.path)):
            at = "/".join(str(p) for p in error.absolute_path) or "(root)"
            self.failures.append(f"{name}: {where} {at}: {error.message}")

    def media_schema(self, pointer):
        """`<pointer>/content/<media>/schema` for the JSON or form media type."""
        node = follow(self.spec, pointer)
        if "$ref" in node:
            pointer = node["$ref"]
            node = follow(self.spec, pointer)
        for media in ("application/json", "application/x-www-form-urlencoded"):
            if media in node.get("content", {}):
                return f"{pointer}/content/{escape(media)}/schema"
        return None

    def exchange(self, name, operation_id, recording):
        op = self.operations.get(operation_id)
        if op is None:
            raise ValueError(f"{name}: no operation `{operation_id}` in the spec")
        request, response = recording["request"], recording["response"]
        if request.get("body") is not None and "requestBody" in follow(self.spec, op):
            schema = self.media_schema(f"{op}/requestBody")
            if schema:
                self.validate(name, "request body", schema, request["body"])
        responses = follow(self.spec, op)["responses"]
        status = str(response["status"])
        key = next((k for k in (status, status[0] + "XX", "default") if k in responses), None)
        if key is None:
            self.failures.append(f"{name}: status {status} is not declared")
            return
        if "body" in response:
            schema = self.media_schema(f"{op}/responses/{escape(key)}")
            if schema:
                self.validate(name, "response body", schema, response["body"])

    def webhook(self, name, event, delivery):
        item = self.spec.get("x-webhooks", {}).get(event)
        if item is None:
            raise ValueError(f"{name}: no x-webhooks entry `{event}` in the spec")
        schema = self.media_schema(f"#/x-webhooks/{escape(event)}/post/requestBody")
        self.validate(name, "payload", schema, delivery["body"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default=ROOT / "spec/chekt.yaml", type=pathlib.Path)
    parser.add_argument("--recordings", default=ROOT / "spec/recordings", type=pathlib.Path)
    args = parser.parse_args()
    try:
        checker = Checker(yaml.safe_load(args.spec.read_text()))
        files = sorted(args.recordings.rglob("*.json"))
        for file in files:
            name = file.relative_to(args.recordings).as_posix()
            recording = json.loads(file.read_text())
            parts = name.split("/")
            if parts[0] == "webhooks":
                checker.webhook(name, parts[1], recording)
            else:
                checker.exchange(name, parts[0], recording)
    except (OSError, ValueError, KeyError, yaml.YAMLError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for failure in checker.failures:
        print(failure)
    print(f"{len(files)} recordings, {checker.checked} bodies checked, {len(checker.failures)} failed")
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main())
