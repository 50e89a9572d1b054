import socket

import pytest

from bot.runner import StartupError, check_ports, plan_services, port_is_free
from bot.settings import Settings
from tests.conftest import free_port


def test_a_taken_port_is_refused_with_the_setting_that_moves_it(tmp_path, rasa_venv) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        settings = Settings(
            web_port=taken, rasa_port=free_port(), action_port=free_port(), data_dir=tmp_path, rasa_venv=rasa_venv
        )
        assert not port_is_free("127.0.0.1", taken)
        with pytest.raises(StartupError, match=f"Cổng {taken}.*MOTCUA_WEB_PORT"):
            check_ports(settings, plan_services(settings, tmp_path / "model.tar.gz"))


def test_every_service_binds_loopback_on_its_configured_port(tmp_path, rasa_venv) -> None:
    settings = Settings(rasa_port=6005, action_port=6055, web_port=6080, data_dir=tmp_path, rasa_venv=rasa_venv)
    services = {s.name: s for s in plan_services(settings, tmp_path / "m.tar.gz")}
    assert services["rasa"].command[services["rasa"].command.index("--port") + 1] == "6005"
    assert services["actions"].env["SANIC_HOST"] == "127.0.0.1"
    assert "6055" in services["actions"].command
    assert services["web"].health_url == "http://127.0.0.1:6080/healthz"
