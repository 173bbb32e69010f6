"""Uploads (API.md "Uploads"): one photo per multipart request, its metadata, and its signed image links."""
import marshmallow as ma
from flask import Response, redirect, request
from flask.views import MethodView
from flask_jwt_extended import current_user, get_jwt_identity, verify_jwt_in_request
from flask_smorest import Blueprint
from werkzeug.datastructures import CombinedMultiDict

from reporter.accounts.security import actor, roles_required
from reporter.api_frame import ID, link, links
from reporter.common.jsonbody import JSONParser
from reporter.errors import Unauthorized
from reporter.extensions import limiter
from reporter.media import schemas, services
from reporter.media.settings import setting


class MultipartParser(JSONParser):
    """webargs parser with a `multipart` location: the form fields and the files of one request, together."""

    __location_map__ = dict(multipart="load_multipart", **JSONParser.__location_map__)

    def load_multipart(self, req, schema):
        """Form fields and file parts as one multidict (so one schema documents the whole request body)."""
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


class UploadsBlueprint(Blueprint):
    """A blueprint whose multipart bodies are one schema, documented as one multipart/form-data request body."""

    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "multipart": "multipart/form-data"}


blp = UploadsBlueprint("uploads", __name__, url_prefix="/uploads", description="Photo uploads")
blueprints = [blp]


def _upload_limit() -> str:
    return setting("RATELIMIT_UPLOADS")


def _uploader_key() -> str:
    return f"uploader:{get_jwt_identity()}"  # the view has verified the token already


@blp.route("")
class Uploads(MethodView):
    @roles_required()
    @limiter.limit(_upload_limit, key_func=_uploader_key)
    @blp.arguments(schemas.CoordArgs, location="query")
    @blp.arguments(schemas.UploadIn, location="multipart", unknown=ma.RAISE)
    @blp.doc(**links(201, GetUpload=link("GET", "/api/v1/uploads/{upload_id}", upload_id=ID)))
    @blp.response(201, schemas.UploadOut)
    @blp.alt_response(413, description="The file is too large")
    @blp.alt_response(415, description="Not a JPEG, PNG, WebP or HEIC image")
    def post(self, query, body):
        """Upload one photo (field `file`, optional `purpose`); it stays pending until a report uses it."""
        upload = services.create_upload(actor().id, body["file"].stream, body["purpose"])
        return services.upload_out(upload, query["coord_system"])


@blp.route("/<string:upload_id>")
class UploadItem(MethodView):
    @roles_required()
    @blp.arguments(schemas.CoordArgs, location="query")
    @blp.response(200, schemas.UploadOut)
    def get(self, query, upload_id):
        """An upload's facts and fresh image links (its uploader, or those allowed to see what it is attached to)."""
        viewer = actor()
        return services.upload_out(services.get_upload(viewer, upload_id), query["coord_system"], viewer)


@blp.route("/<string:upload_id>/<any(display, thumbnail):variant>")
class UploadImage(MethodView):
    # Deliberately public: the signature in `sig` is the permission (an <image> tag sends no Authorization header);
    # without one, a bearer token of a user allowed to see the photo works too.
    @blp.arguments(schemas.ImageArgs, location="query")
    @blp.response(200, content_type="image/jpeg")
    @blp.alt_response(302, description="With STORAGE_SERVE=redirect: to a presigned link of the object store that "
                                       "expires no later than this link")
    def get(self, args, upload_id, variant):
        """The image itself (JPEG), for a signed link or an allowed signed-in user."""
        if args.get("sig"):
            upload, data = services.image_by_link(upload_id, variant, args["sig"])
            if isinstance(data, str):
                resp = redirect(data, code=302)
                resp.headers["Cache-Control"] = "no-store"
                resp.headers["Referrer-Policy"] = "no-referrer"
                return resp
        else:
            if not verify_jwt_in_request(optional=True):
                raise Unauthorized("A signed link or a bearer token is required")
            upload, data = services.image_for_user(current_user, upload_id, variant)
        return _image_response(upload.id, upload.sha256, variant, data)


def _image_response(upload_id: str, sha256: str, variant: str, data: bytes) -> Response:
    """JPEG bytes with the type fixed by the server, no sniffing, private caching and a server-made name."""
    resp = Response(data, mimetype="image/jpeg")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = f"private, max-age={int(setting('UPLOAD_URL_MAX_AGE_S'))}"
    resp.headers["Content-Disposition"] = f'inline; filename="{upload_id}-{variant}.jpg"'
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.set_etag(f"{sha256}-{variant}")
    return resp.make_conditional(request)
