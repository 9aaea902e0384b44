"""
Write default.vcl pointed at a fixed backend address instead of the compose service `web`.

docker-compose.yml mounts default.vcl as it is: its backend block finds every `web` replica
through vmod_dynamic, which the official varnish image ships. Outside Docker (the benchmark, the
tests, Debian's varnish package, which has no vmod_dynamic) the app is one gunicorn on a known
address, so this swaps that block, and only that block, for a plain backend with the same
/healthz/ probe:

    python deploy/varnish/render.py --backend 127.0.0.1:8001 > /tmp/kb.vcl
    varnishd -F -n /tmp/kb-varnish -a 127.0.0.1:8080 -f /tmp/kb.vcl
"""

import argparse
import re
import sys
from pathlib import Path

DEFAULT_VCL = Path(__file__).resolve().parent / "default.vcl"

BACKEND_BLOCK = re.compile(r"^# >>> backend.*?^# <<< backend\n", re.MULTILINE | re.DOTALL)

STATIC_BACKEND = """\
# >>> backend: rendered by deploy/varnish/render.py for a single app server.
backend web {{
    .host = "{host}";
    .port = "{port}";
    .probe = healthz;
}}

sub kb_backend {{
    set req.backend_hint = web;
}}
# <<< backend
"""


def render(host, port, source=DEFAULT_VCL):
    """default.vcl's text with its backend block replaced by a plain backend at host:port."""
    vcl = Path(source).read_text()
    if len(BACKEND_BLOCK.findall(vcl)) != 1:
        raise ValueError(
            f"{source} must hold exactly one '# >>> backend' ... '# <<< backend' block"
        )
    block = STATIC_BACKEND.format(host=host, port=int(port))
    return BACKEND_BLOCK.sub(lambda _match: block, vcl)


def parse_address(value):
    host, separator, port = value.rpartition(":")
    if not separator or not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, e.g. 127.0.0.1:8001, not {value!r}")
    return host.strip("[]"), int(port)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument(
        "--backend",
        type=parse_address,
        required=True,
        metavar="HOST:PORT",
        help="where the app (gunicorn) listens, e.g. 127.0.0.1:8001",
    )
    parser.add_argument(
        "--output", "-o", type=Path, help="write the VCL here instead of to standard output"
    )
    args = parser.parse_args(argv)
    vcl = render(*args.backend)
    if args.output:
        args.output.write_text(vcl)
    else:
        sys.stdout.write(vcl)


if __name__ == "__main__":
    main()
