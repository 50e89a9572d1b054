"""Rasa's own command line (`python -m motcua.rasa_server run …`, in Rasa's Python 3.10
environment), with the check of the action server's answers done once instead of at every turn.

Rasa 3.6 checks each answer of the action server with ``jsonschema.validate``, which first checks
the *schema* against the JSON Schema meta-schema, then the answer. With the jsonschema Rasa pins
(4.17), the meta-schema check alone took 53 ms of a procedure turn's 81 ms (profiled in process,
docs/benchmarks.md): more than Rasa's NLU and policies together, and repeated for a schema that
never changes. Here the schema is checked once and its validator kept; answers are checked as
before, with the same error (the best match, with Rasa's explanation added).

Only the standard library and Rasa's own dependencies: this runs in Rasa's environment.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _answer_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the validator built once."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_answer_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Replace Rasa's per-turn check of action answers with the cached one."""
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result


def skip_jax() -> None:
    """TensorFlow 2.12 imports jax (~65 MB in this process) only for TFLite's JAX converter, which
    Rasa never runs, and expects it may be missing (``except ImportError``); a name bound to None
    in ``sys.modules`` makes its import fail (docs.python.org/3/reference/import.html, "The module
    cache")."""
    sys.modules.setdefault("jax", None)  # type: ignore[arg-type]


def main() -> None:
    skip_jax()
    install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
