"""`flask users create|set-password|check-scope`."""
import click

from reporter.accounts import services
from reporter.accounts.roles import ALL_ROLES
from reporter.accounts.scope import accounts_breaking_scope
from reporter.common.cli import AppGroup
from reporter.errors import AppError

users_cli = AppGroup("users", help="Staff accounts.")
commands = [users_cli]


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ALL_ROLES))
@click.option("--unit", "unit_code", default=None, help="unit code, e.g. city.forestry")
@click.option("--display-name", default=None)
@click.password_option("--password", envvar="REPORTER_NEW_PASSWORD")
def create(username, roles, unit_code, display_name, password):
    """Create a staff user with one or more roles."""
    try:
        user = services.create_user(username, password, list(roles), unit_code=unit_code, display_name=display_name)
    except AppError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"created user {user.id} {user.username} roles={','.join(user.roles)}")


@users_cli.command("set-password")
@click.option("--username", required=True)
@click.password_option("--password", envvar="REPORTER_NEW_PASSWORD")
def set_password(username, password):
    """Set a user's password (unlocks the account, ends its sessions)."""
    try:
        services.set_password(username, password)
    except AppError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"password set for {username}")


@users_cli.command("check-scope")
def check_scope():
    """List active staff accounts whose roles and unit break the scope rule (exit status 1 when there are any)."""
    broken = accounts_breaking_scope()
    for user, problem in broken:
        unit = user.unit.code if user.unit else "-"
        click.echo(f"user {user.id} {user.username} roles={','.join(user.roles)} unit={unit}: {problem}")
    if broken:
        raise click.ClickException(f"{len(broken)} account(s) break the scope rule; give each a fitting unit "
                                   "(PATCH /api/v1/admin/users/{id}) or disable it")
    click.echo("every active staff account has a fitting unit")
