"""flask-smorest's Api with the project's error shape and error schema in the OpenAPI document."""
import marshmallow as ma
from flask_smorest import Api


class ErrorSchema(ma.Schema):
    """The one error shape of API.md (documentation)."""

    code = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    error = ma.fields.String(required=True, metadata={"description": "stable machine code"})
    message = ma.fields.String(required=True)
    errors = ma.fields.Dict(metadata={"description": "field errors by location"})


class ReporterApi(Api):
    """Api whose HTTP errors use the project's shape."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        from reporter.errors import http_exception_response

        return http_exception_response(error)
