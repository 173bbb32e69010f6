"""Register endpoints: parse, call a service, dump."""
from flask.views import MethodView
from flask_smorest import Blueprint

from reporter.accounts.security import actor, roles_required
from reporter.cases.scope import CASE_READER_ROLES
from reporter.common.downloads import attachment
from reporter.common.pagination import paginate
from reporter.common.spreadsheets import XLSX
from reporter.extensions import db
from reporter.registers import problem_sheets, problems, schemas

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
