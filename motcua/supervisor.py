"""The process `motcua up` becomes: it supervises the servers for as long as the system runs.

`motcua up` replaces itself with a fresh interpreter running this module (same PID), so the
long-lived supervisor holds only what supervising needs — settings, the runner, an HTTP client —
and none of the catalogue, search or database code the other commands import (~400 MB).
"""

from __future__ import annotations

import logging
import sys

from motcua import rasa_model, runner
from motcua.settings import get_settings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S",
                        force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # health-check polling is noise
    try:
        return runner.run_foreground(get_settings())
    except (runner.StartupError, rasa_model.RasaError) as error:
        print(error, file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
