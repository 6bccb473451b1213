"""Reading a route's query string through its schema, refused the way a body is.

A key given more than once reaches the schema as a list: a list field takes it, any other
field refuses it, so `?service=a&service=b` is an error rather than a silent choice.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields
from werkzeug.datastructures import MultiDict

from services.gateway.body import load_fields


def load_query(args: MultiDict, schema: Schema) -> dict[str, Any]:
    list_keys = {
        field.data_key or name
        for name, field in schema.fields.items()
        if isinstance(field, fields.List)
    }
    data = {
        key: values if key in list_keys or len(values) > 1 else values[0]
        for key, values in args.lists()
    }
    return load_fields(schema, data)
