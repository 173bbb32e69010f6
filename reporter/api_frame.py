"""flask-smorest's Api with the project's error shape and error schema in the OpenAPI document."""
import marshmallow as ma
from apispec import BasePlugin
from flask_smorest import Api, Blueprint
from flask_smorest.spec.plugins import integerconverter2paramschema, unicodeconverter2paramschema
from werkzeug.routing import IntegerConverter, UnicodeConverter

from reporter.common.input_guard import TEXT_PATTERN
from reporter.common.schemas import MAX_DB_INTEGER


class IdConverter(IntegerConverter):
    """`<int:…>` path segments bounded by MAX_DB_INTEGER: a larger number matches no route (404) instead of
    overflowing the database driver (500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_DB_INTEGER)
        super().__init__(url_map, *args, **kwargs)


def _states_the_text_rule(schema: dict) -> dict:
    """`schema` of a free text (no enum or format) with the characters every text refuses
    (reporter/common/input_guard.py) stated as its pattern (beside a pattern of its own), so clients and the fuzzer
    know the rule."""
    types = schema.get("type")
    if "string" not in (types if isinstance(types, list) else [types]) or {"enum", "format", "const"} & set(schema):
        return schema
    if "pattern" in schema:  # a pattern of its own (e.g. "not blank"): the text rule joins it, both must hold
        if schema["pattern"] == TEXT_PATTERN:
            return schema
        return {**schema, "allOf": [*schema.get("allOf", []), {"pattern": TEXT_PATTERN}]}
    return {**schema, "pattern": TEXT_PATTERN}


def _text_field(self, field, ret, **kwargs) -> dict:
    """apispec attribute function: every marshmallow text field states the text rule."""
    return _states_the_text_rule(ret) if isinstance(field, ma.fields.String) and not field.dump_only else {}


def _text_segment(converter) -> dict:
    """A `<string:…>` path segment states the text rule too."""
    return _states_the_text_rule(unicodeconverter2paramschema(converter))


_SCALAR = {"type": ["string", "number", "boolean", "null"], "pattern": TEXT_PATTERN}


class TextRulePlugin(BasePlugin):
    """Objects that take fields the document does not name (`unknown = INCLUDE`: a case action's own fields) state
    the text rule for those fields' names and values: text, numbers, yes/no, or lists of them."""

    def schema_helper(self, name, definition, **kwargs):
        if definition.get("additionalProperties") is True:
            return {"propertyNames": {"pattern": TEXT_PATTERN},
                    "additionalProperties": {**_SCALAR, "type": [*_SCALAR["type"], "array"], "items": _SCALAR}}
        return None


class ErrorSchema(ma.Schema):
    """The one error shape of API.md (documentation)."""

    code = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    error = ma.fields.String(required=True, metadata={"description": "stable machine code"})
    message = ma.fields.String(required=True)
    errors = ma.fields.Dict(metadata={"description": "field errors by location"})


def _property_names(_converter, field, **_kwargs) -> dict:
    """A dict field's `metadata={"propertyNames": {...}}` in the document (apispec passes only its own list), so
    generators and clients know which keys it takes."""
    names = field.metadata.get("propertyNames")
    return {"propertyNames": names} if names else {}


class ReporterApi(Api):
    """Api whose HTTP errors use the project's shape."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, *args, **kwargs):
        spec_kwargs = kwargs.setdefault("spec_kwargs", {})
        spec_kwargs["extra_plugins"] = [*spec_kwargs.get("extra_plugins", ()), TextRulePlugin()]
        super().__init__(*args, **kwargs)

    def init_app(self, app, *args, **kwargs):
        """Bounded integer path segments (documented with their maximum); query strings as strict as their schemas."""
        app.url_map.converters["int"] = IdConverter
        super().init_app(app, *args, **kwargs)
        self.register_converter(IdConverter, integerconverter2paramschema)
        self.register_converter(UnicodeConverter, _text_segment)
        self.ma_plugin.converter.add_attribute_function(_text_field)
        self.ma_plugin.converter.add_attribute_function(_property_names)
        # webargs ignores unknown query parameters by default; let each schema's `unknown` decide (StrictSchema: 422)
        parser = Blueprint.ARGUMENTS_PARSER
        parser.DEFAULT_UNKNOWN_BY_LOCATION = {**parser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}

    def handle_http_exception(self, error):
        from reporter.errors import http_exception_response

        return http_exception_response(error)


def link(method: str, path: str, **parameters: str) -> dict:
    """An OpenAPI link to the operation `method path`, its parameters filled from the response, e.g.
    `report_id="$response.body#/id"`: clients and schemathesis's state machine follow it."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {"operationRef": f"#/paths/{pointer}/{method.lower()}", "parameters": parameters}


def links(status: int, **named: dict) -> dict:
    """`@blp.doc(**links(201, GetReport=link(...), …))`: what a client can do next with what it just got.
    (The status is an int, as flask-smorest keys responses: a "201" string would be a second, clashing entry.)"""
    return {"responses": {status: {"links": named}}}


ID = "$response.body#/id"  # the created object's id, as links pass it on
