"""gunicorn 27's control socket: off unless the deploy names one in its runtime directory, never under $HOME (shared by
every instance on a host, and read-only under the unit's ProtectHome=true)."""
import stat

from tests.faults.servers import Gunicorn


def _serve(tmp_path, **env):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return Gunicorn(tmp_path, f"sqlite:///{tmp_path / 'reporter.db'}", workers=1,
                    env={"HOME": str(home), "XDG_RUNTIME_DIR": "", **env})


def test_no_control_socket_under_home_by_default(tmp_path):
    with _serve(tmp_path) as server:
        assert server.process.poll() is None
    assert not (tmp_path / "home" / ".gunicorn").exists()
    assert "control" not in server.log_path.read_text().lower()


def test_control_socket_goes_where_the_deploy_says(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    with _serve(tmp_path, GUNICORN_CONTROL_SOCKET=str(run / "gunicorn.ctl")):
        assert stat.S_ISSOCK((run / "gunicorn.ctl").stat().st_mode)
    assert not (tmp_path / "home" / ".gunicorn").exists()
