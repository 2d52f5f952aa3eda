"""``python -m patdemo``: the stand-in on loopback (``OIDC_DEMO_RP_PORT``), plain http, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType

from werkzeug.serving import make_server

from patdemo.app import create_app
from patdemo.config import ConfigurationError, from_env


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s patdemo %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not every refresh of the signed-in page
    try:
        settings = from_env()
    except ConfigurationError as exc:
        print(f"Portal de Atendimento (demonstração): {exc}", file=sys.stderr)
        return 2
    server = make_server(settings.host, settings.port, create_app(settings), threaded=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to return: from another thread, never from the loop's own.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"Portal de Atendimento (demonstração) em {settings.base_url}/ (emissor {settings.issuer})", flush=True)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
