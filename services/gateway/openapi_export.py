"""Print the gateway's OpenAPI document, or refresh or check the committed copy.

python -m services.gateway.openapi_export              # print it
python -m services.gateway.openapi_export --write      # refresh docs/openapi.json
python -m services.gateway.openapi_export --check      # fail when docs/openapi.json is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from services.gateway.openapi import build_document, render
from services.gateway.service import GatewayService

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def current() -> str:
    return render(build_document(GatewayService))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"write {COMMITTED}")
    action.add_argument("--check", action="store_true", help=f"compare with {COMMITTED}")
    args = parser.parse_args(argv)
    text = current()
    if args.write:
        COMMITTED.write_text(text, encoding="utf-8")
        print(f"wrote {COMMITTED}", file=sys.stderr)
    elif args.check:
        if not COMMITTED.exists() or COMMITTED.read_text(encoding="utf-8") != text:
            print(f"{COMMITTED} is stale; run: python -m {__spec__.name} --write", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
