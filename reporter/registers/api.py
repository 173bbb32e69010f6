"""Register endpoints: parse, call a service, dump."""
from flask.views import MethodView
from flask_smorest import Blueprint

from reporter.accounts.security import actor, roles_required
from reporter.api_frame import ID, link, links
from reporter.cases.scope import CASE_READER_ROLES, READ_ALL_ROLES
from reporter.common.concurrency import IF_MATCH, etag_of, expected_version
from reporter.common.downloads import attachment
from reporter.common.pagination import paginate
from reporter.common.schemas import PageArgs
from reporter.common.spreadsheets import XLSX
from reporter.common.timeutil import cst_date, utcnow
from reporter.extensions import db
from reporter.geo.schemas import CoordSystemArgs
from reporter.media.services import register_visibility
from reporter.registers import (
    campaigns,
    kinds,
    problem_sheets,
    problems,
    reactions,
    rechecks,
    schemas,
    site_sheets,
    sites,
    undercover,
)
from reporter.registers import links as site_links
from reporter.registers.scope import SITE_READER_ROLES

problems_blp = Blueprint("problem_register", __name__, url_prefix="/registers/problems",
                         description="The problem register (问题台账): every problem whatever its source, the year "
                                     "register, and feedback items entered from a spreadsheet")
blueprints = [problems_blp]


@problems_blp.route("")
class ProblemRegister(MethodView):
    @roles_required(*CASE_READER_ROLES)
    @problems_blp.arguments(schemas.RegisterArgs, location="query")
    @problems_blp.response(200, schemas.ProblemPage)
    def get(self, args):
        """The register in the caller's scope: the case list's filters, and `year` for the year register."""
        page = paginate(problems.register_query(actor(), args), args["page"], args["page_size"])
        page["items"] = problems.register_rows(page["items"], (args["page"] - 1) * args["page_size"] + 1)
        return page


@problems_blp.route("/export")
class ProblemRegisterExport(MethodView):
    @roles_required(*CASE_READER_ROLES)
    @problems_blp.arguments(schemas.RegisterExportArgs, location="query")
    @problems_blp.response(200, description="the register as an XLSX workbook (序号 … 销号时间, 案件编号)",
                           content_type=XLSX)
    def get(self, args):
        """Download the register (or the year register 《突出问题{year}年台账》) as officials keep it."""
        found = list(db.session.execute(problems.register_query(actor(), args)).scalars())
        body = problem_sheets.export_xlsx(problems.register_rows(found), args.get("year"))
        return attachment(body, XLSX, f"problem-register-{args['year']}.xlsx" if args.get("year")
                         else "problem-register.xlsx")


@problems_blp.route("/template")
class ProblemImportTemplate(MethodView):
    @roles_required("supervisor")
    @problems_blp.response(200, description="an empty feedback-item sheet with the values each column takes",
                           content_type=XLSX)
    def get(self):
        """Download the sheet that `POST /registers/problems/import` reads."""
        return attachment(problem_sheets.template_xlsx(), XLSX, "problem-import-template.xlsx")


@problems_blp.route("/import")
class ProblemImport(MethodView):
    @roles_required("supervisor")
    @problems_blp.arguments(schemas.DryRunArgs, location="query")
    @problems_blp.arguments(schemas.FileIn, location="files")
    @problems_blp.response(200, schemas.ProblemImportOut)
    def post(self, args, files):
        """Open one case per row of a sheet of feedback items (中央/省级反馈问题, 审计查出问题 …), all or none: a bad
        row answers 422 with `errors.file[row][header]` for every problem; `?dry_run=true` writes nothing."""
        return problem_sheets.import_feedback(files["file"].read(), actor(), dry_run=args["dry_run"])


kinds_blp = Blueprint("site_kinds", __name__, url_prefix="/registers/site-kinds",
                      description="Kinds of regulated site (小水电站, 矿山, 尾矿库, 农家乐, 排污口, 景区建筑 …): "
                                  "fields, states, category; each kind's register as XLSX")
sites_blp = Blueprint("sites", __name__, url_prefix="/registers/sites",
                      description="Registers of regulated sites: place, state with its history, documents (一站一书), "
                                  "cases")
blueprints += [kinds_blp, sites_blp]
SITE_ETAG = {"ETag": {"schema": {"type": "string"}}}


def _site_response(site, coord_system: str, status: int = 200):
    body = {**sites.site_out(site, coord_system), "units": sites.site_units(site)}
    return body, status, {"ETag": etag_of("site", site.id, site.version)}


@kinds_blp.route("")
class Kinds(MethodView):
    @roles_required(*SITE_READER_ROLES, "admin")
    @kinds_blp.response(200, schemas.KindOut(many=True))
    def get(self):
        """Every kind of site with its fields, states and category."""
        return kinds.all_kinds()

    @roles_required("admin")
    @kinds_blp.arguments(schemas.KindIn)
    @kinds_blp.response(201, schemas.KindOut)
    @kinds_blp.doc(**links(201, GetTemplate=link("GET", "/api/v1/registers/site-kinds/{kind}/template",
                                                 kind="$response.body#/code")))
    def post(self, data):
        """Add a kind of site without a release (admins): its fields, states and responsibility-list category."""
        return kinds.save_kind(data)


@kinds_blp.route("/<kind>")
class Kind(MethodView):
    @roles_required(*SITE_READER_ROLES, "admin")
    @kinds_blp.response(200, schemas.KindOut)
    def get(self, kind):
        """One kind of site."""
        return kinds.get_kind(kind)

    @roles_required("admin")
    @kinds_blp.arguments(schemas.KindUpdateIn)
    @kinds_blp.response(200, schemas.KindOut)
    def put(self, data, kind):
        """Change a kind's name, category, fields and states (a state sites are in cannot be dropped: 409)."""
        return kinds.save_kind(data, code=kind)


@kinds_blp.route("/<kind>/export")
class KindExport(MethodView):
    @roles_required(*SITE_READER_ROLES)
    @kinds_blp.response(200, description="the kind's register in the caller's scope, one row per site",
                        content_type=XLSX)
    def get(self, kind):
        """Download a kind's register as XLSX (Chinese headers; what `import` reads back)."""
        found = kinds.get_kind(kind)
        rows = list(db.session.execute(sites.list_sites(actor(), {"kind": found.code})).scalars())
        return attachment(site_sheets.export_xlsx(found, rows), XLSX, f"sites-{found.code}.xlsx")


@kinds_blp.route("/<kind>/template")
class KindTemplate(MethodView):
    @roles_required(*SITE_READER_ROLES)
    @kinds_blp.response(200, description="an empty sheet of the kind, with the values each column takes",
                        content_type=XLSX)
    def get(self, kind):
        """Download the kind's import template."""
        found = kinds.get_kind(kind)
        return attachment(site_sheets.template_xlsx(found), XLSX, f"sites-{found.code}-template.xlsx")


@kinds_blp.route("/<kind>/import")
class KindImport(MethodView):
    @roles_required("supervisor")
    @kinds_blp.arguments(schemas.DryRunArgs, location="query")
    @kinds_blp.arguments(schemas.FileIn, location="files")
    @kinds_blp.response(200, schemas.SiteImportOut)
    def post(self, args, files, kind):
        """Upsert a kind's sites by code from a sheet, all or nothing: any bad row answers 422 with
        `errors.file[row][header]` for every problem; `?dry_run=true` writes nothing."""
        found = kinds.get_kind(kind)
        upload = files["file"]
        return site_sheets.import_sites(found, upload.read(), actor(), dry_run=args["dry_run"],
                                        source=(upload.filename or "upload")[:100])


@sites_blp.route("")
class Sites(MethodView):
    @roles_required(*SITE_READER_ROLES)
    @sites_blp.arguments(schemas.SiteListArgs, location="query")
    @sites_blp.response(200, schemas.SitePage)
    def get(self, args):
        """Sites in the caller's scope, by kind, county, zone, state or words."""
        page = paginate(sites.list_sites(actor(), args), args["page"], args["page_size"])
        page["items"] = [sites.site_out(site, args["coord_system"]) for site in page["items"]]
        return page

    @roles_required("supervisor")
    @sites_blp.arguments(schemas.SiteIn)
    @sites_blp.response(201, schemas.SiteDetailOut, headers=SITE_ETAG)
    @sites_blp.doc(**links(201, GetSite=link("GET", "/api/v1/registers/sites/{site_id}", site_id=ID),
                           ChangeState=link("POST", "/api/v1/registers/sites/{site_id}/state", site_id=ID),
                           History=link("GET", "/api/v1/registers/sites/{site_id}/history", site_id=ID),
                           AddDocument=link("POST", "/api/v1/registers/sites/{site_id}/documents", site_id=ID)))
    def post(self, data):
        """Register a site (supervisors of its county): county, zone and grid come from the geometry."""
        return _site_response(sites.register_site(actor(), data), data["coord_system"], 201)


@sites_blp.route("/<int:site_id>")
class SiteDetail(MethodView):
    @roles_required(*SITE_READER_ROLES)
    @sites_blp.arguments(CoordSystemArgs, location="query")
    @sites_blp.response(200, schemas.SiteDetailOut, headers=SITE_ETAG)
    def get(self, args, site_id):
        """A site with its units (from the responsibility list)."""
        return _site_response(sites.get_site(site_id, actor()), args["coord_system"])

    @roles_required("supervisor")
    @sites_blp.arguments(schemas.SiteEditIn)
    @sites_blp.response(200, schemas.SiteDetailOut, headers=SITE_ETAG)
    @sites_blp.doc(**IF_MATCH)
    def patch(self, data, site_id):
        """Change a site's code, name, operator, place or fields (If-Match); the history records what changed."""
        site = sites.edit_site(site_id, actor(), data, expected_version=expected_version("site", site_id))
        return _site_response(site, data["coord_system"])


@sites_blp.route("/<int:site_id>/state")
class SiteState(MethodView):
    @roles_required("supervisor", "officer")
    @sites_blp.arguments(schemas.StateIn)
    @sites_blp.response(200, schemas.SiteDetailOut, headers=SITE_ETAG)
    @sites_blp.doc(**IF_MATCH)
    def post(self, data, site_id):
        """Move the site to another state of its kind with the reason and evidence (If-Match); a state that closes
        it off (销号) answers 409 `open_cases` while a case of the site is open."""
        site = sites.change_state(site_id, actor(), data, expected_version=expected_version("site", site_id))
        return _site_response(site, "wgs84")


@sites_blp.route("/<int:site_id>/history")
class SiteHistory(MethodView):
    @roles_required(*SITE_READER_ROLES)
    @sites_blp.response(200, schemas.SiteHistoryOut)
    def get(self, site_id):
        """The site's history (who, when, why, evidence) and its cases."""
        site = sites.get_site(site_id, actor())
        cases = sites.cases_of_site(site.id)
        return {"events": sites.site_events(site.id), "cases": cases, "recurrences": sites.recurrences_of_site(cases)}


@sites_blp.route("/<int:site_id>/documents")
class SiteDocuments(MethodView):
    @roles_required(*SITE_READER_ROLES)
    @sites_blp.response(200, schemas.DocumentOut(many=True))
    def get(self, site_id):
        """The site's file (一站一书)."""
        return sites.documents_of(sites.get_site(site_id, actor()).id)

    @roles_required("supervisor", "officer")
    @sites_blp.arguments(schemas.DocumentArgs, location="query")
    @sites_blp.arguments(schemas.DocumentIn, location="files")
    @sites_blp.response(201, schemas.DocumentOut)
    @sites_blp.doc(**links(201, Download=link("GET", "/api/v1/registers/sites/{site_id}/documents/{document_id}",
                                              site_id="$response.body#/site_id", document_id=ID)))
    def post(self, args, files, site_id):
        """Add a PDF or photo to the site's file: type from its bytes (415 otherwise), size-limited (413)."""
        upload = files["file"]
        return sites.add_document(site_id, actor(), upload.stream, upload.filename or "", args.get("title")), 201


@sites_blp.route("/<int:site_id>/documents/<int:document_id>")
class SiteDocumentFile(MethodView):
    @roles_required(*SITE_READER_ROLES)
    @sites_blp.response(200, description="the document as a download (never rendered)",
                        content_type="application/octet-stream")
    def get(self, site_id, document_id):
        """Download a document of the site under its safe name."""
        document, body = sites.document_file(site_id, document_id, actor())
        return attachment(body, document.content_type, document.filename)


links_blp = Blueprint("site_links", __name__, url_prefix="/registers/site-links",
                      description="Cases near several sites of their kind: a supervisor confirms which they belong to")
blueprints.append(links_blp)
reactions.wire()


@links_blp.route("")
class SiteLinks(MethodView):
    @roles_required("supervisor")
    @links_blp.response(200, schemas.PendingLinkOut(many=True))
    def get(self):
        """Cases in the caller's area near more than one site of their kind, with the candidate sites."""
        return site_links.pending_links(actor())

    @roles_required("supervisor")
    @links_blp.arguments(schemas.LinkIn)
    @links_blp.response(200, schemas.LinkOut)
    def post(self, data):
        """Link a case to one of its candidate sites (or to none): 409 when no choice is waiting."""
        return site_links.confirm_link(data["case_id"], data["site_id"], actor())


campaigns_blp = Blueprint("campaigns", __name__, url_prefix="/registers/campaigns",
                          description="Campaigns (专项整治行动): 排查 → 整改 → 验收 → 销号 per site, milestones by "
                                      "zone, targets, progress as of any day, overdue steps and 督办")
undercover_blp = Blueprint("undercover", __name__, url_prefix="/registers/undercover-checks",
                           description="Undercover checks (暗访) per county; coverage of the Qinling counties")
blueprints += [campaigns_blp, undercover_blp]
register_visibility("campaign_step", campaigns.can_see_step_photos)


@campaigns_blp.route("")
class Campaigns(MethodView):
    @roles_required(*SITE_READER_ROLES)
    @campaigns_blp.arguments(PageArgs, location="query")
    @campaigns_blp.response(200, schemas.CampaignPage)
    def get(self, args):
        """Every campaign, newest first."""
        page = paginate(campaigns.campaigns_query(), args["page"], args["page_size"])
        page["items"] = [campaigns.campaign_out(c) for c in page["items"]]
        return page

    @roles_required("supervisor")
    @campaigns_blp.arguments(schemas.CampaignIn)
    @campaigns_blp.response(201, schemas.CampaignOut)
    @campaigns_blp.doc(**links(201, Progress=link("GET", "/api/v1/registers/campaigns/{campaign_id}/progress",
                                                  campaign_id=ID),
                               Overdue=link("GET", "/api/v1/registers/campaigns/{campaign_id}/overdue",
                                            campaign_id=ID)))
    def post(self, data):
        """Start a campaign (city office: any area; a county's supervisors: their county)."""
        return campaigns.campaign_out(campaigns.create_campaign(actor(), data))


@campaigns_blp.route("/<int:campaign_id>")
class CampaignDetail(MethodView):
    @roles_required(*SITE_READER_ROLES)
    @campaigns_blp.response(200, schemas.CampaignOut)
    def get(self, campaign_id):
        """A campaign with its milestones and targets."""
        return campaigns.campaign_out(campaigns.get_campaign(campaign_id))


@campaigns_blp.route("/<int:campaign_id>/sites/<int:site_id>/steps")
class CampaignSiteSteps(MethodView):
    @roles_required(*SITE_READER_ROLES)
    @campaigns_blp.response(200, schemas.StepOut(many=True))
    def get(self, campaign_id, site_id):
        """A site's steps in the campaign, in order."""
        return campaigns.site_steps(campaign_id, site_id, actor())


@campaigns_blp.route("/<int:campaign_id>/sites/<int:site_id>/steps/<any(survey,rectify,accept,close):step>")
class CampaignSiteStep(MethodView):
    @roles_required("supervisor", "officer", "inspector")
    @campaigns_blp.arguments(schemas.StepIn)
    @campaigns_blp.response(201, schemas.StepOut)
    def post(self, data, campaign_id, site_id, step):
        """Record 排查 (survey), 整改 (rectify: measures, deadline), 验收 (accept: on site by the grid's inspector or a
        supervisor, not the rectifying unit, with photos) or 销号 (close: not while a case of the site is open); each
        once, in order (409 otherwise)."""
        return campaigns.record_step(campaign_id, site_id, step, actor(), data)


@campaigns_blp.route("/<int:campaign_id>/progress")
class CampaignProgress(MethodView):
    @roles_required(*SITE_READER_ROLES)
    @campaigns_blp.arguments(schemas.ProgressArgs, location="query")
    @campaigns_blp.response(200, schemas.ProgressOut)
    def get(self, args, campaign_id):
        """Progress in the caller's scope as of the end of a CST day: per county and lead unit, each milestone, each
        target (reproducible for any past day)."""
        return campaigns.progress(campaign_id, args.get("as_of") or cst_date(utcnow()), actor=actor(),
                                  county=args.get("county"))


@campaigns_blp.route("/<int:campaign_id>/overdue")
class CampaignOverdueList(MethodView):
    @roles_required(*SITE_READER_ROLES)
    @campaigns_blp.arguments(PageArgs, location="query")
    @campaigns_blp.response(200, schemas.OverduePage)
    def get(self, args, campaign_id):
        """Steps the sweep found past their deadline, in the caller's scope, with their 督办."""
        return paginate(campaigns.overdue_query(campaign_id, actor()), args["page"], args["page_size"])


@campaigns_blp.route("/<int:campaign_id>/overdue/<int:overdue_id>/supervise")
class CampaignOverdueSupervise(MethodView):
    @roles_required("supervisor")
    @campaigns_blp.arguments(schemas.SuperviseIn)
    @campaigns_blp.response(200, schemas.OverdueOut)
    def post(self, data, campaign_id, overdue_id):
        """督办 an overdue step (city or county level, by when)."""
        return campaigns.supervise_overdue(campaign_id, overdue_id, actor(), data)


@undercover_blp.route("")
class UndercoverChecks(MethodView):
    @roles_required("supervisor", *READ_ALL_ROLES)
    @undercover_blp.arguments(schemas.UndercoverArgs, location="query")
    @undercover_blp.response(200, schemas.UndercoverPage)
    def get(self, args):
        """Checks recorded (a county's supervisors: their county's)."""
        return paginate(undercover.checks_query(actor(), args), args["page"], args["page_size"])

    @roles_required("supervisor")
    @undercover_blp.arguments(schemas.UndercoverIn)
    @undercover_blp.response(201, schemas.UndercoverOut)
    def post(self, data):
        """Record an undercover check in a county."""
        return undercover.record_check(actor(), data)


@undercover_blp.route("/coverage")
class UndercoverCoverage(MethodView):
    @roles_required("supervisor", *READ_ALL_ROLES)
    @undercover_blp.arguments(schemas.CoverageArgs, location="query")
    @undercover_blp.response(200, schemas.CoverageOut)
    def get(self, args):
        """Per Qinling county, the checks of the period; `all_covered` is 暗访全覆盖."""
        return undercover.coverage(args["since"], args["until"])


rechecks_blp = Blueprint("rechecks", __name__, url_prefix="/registers/rechecks",
                         description="回头看: re-checks of closed problems; a failed one reopens its case")
blueprints.append(rechecks_blp)
register_visibility("recheck_item", rechecks.can_see_photos)


@rechecks_blp.route("")
class Rechecks(MethodView):
    @roles_required("supervisor", *READ_ALL_ROLES)
    @rechecks_blp.arguments(PageArgs, location="query")
    @rechecks_blp.response(200, schemas.RecheckPage)
    def get(self, args):
        """回头看 batches with problems in the caller's scope."""
        return paginate(rechecks.batches_query(actor()), args["page"], args["page_size"])

    @roles_required("supervisor")
    @rechecks_blp.arguments(schemas.RecheckIn)
    @rechecks_blp.response(201, schemas.RecheckDetailOut)
    @rechecks_blp.doc(**links(201, GetRecheck=link("GET", "/api/v1/registers/rechecks/{batch_id}", batch_id=ID)))
    def post(self, data):
        """Schedule a 回头看 of the closed problems in the caller's scope (all, or a random sample)."""
        batch = rechecks.schedule(actor(), data)
        _batch, items = rechecks.batch_items(batch.id, actor())
        return {**{c.key: getattr(batch, c.key) for c in batch.__table__.columns}, "items": items}


@rechecks_blp.route("/<int:batch_id>")
class RecheckDetail(MethodView):
    @roles_required("supervisor", "inspector", "officer", *READ_ALL_ROLES)
    @rechecks_blp.response(200, schemas.RecheckDetailOut)
    def get(self, batch_id):
        """A 回头看 with its items the caller may read."""
        batch, items = rechecks.batch_items(batch_id, actor())
        return {**{c.key: getattr(batch, c.key) for c in batch.__table__.columns}, "items": items}


@rechecks_blp.route("/tasks")
class RecheckTasks(MethodView):
    @roles_required("inspector")
    @rechecks_blp.arguments(PageArgs, location="query")
    @rechecks_blp.response(200, schemas.RecheckItemPage)
    def get(self, args):
        """Problems waiting for the inspector's 回头看 in their grids."""
        return paginate(rechecks.tasks_query(actor()), args["page"], args["page_size"])


@rechecks_blp.route("/items/<int:item_id>")
class RecheckResult(MethodView):
    @roles_required("inspector", "supervisor")
    @rechecks_blp.arguments(schemas.RecheckResultIn)
    @rechecks_blp.response(200, schemas.RecheckItemOut)
    def post(self, data, item_id):
        """Record the on-site finding (the grid's inspector or a supervisor): failed reopens the case."""
        return rechecks.record_result(item_id, actor(), data)
