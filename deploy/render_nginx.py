"""Fill deploy/nginx.conf for N poolviz replicas (standard library only).

Usage::

    python deploy/render_nginx.py --listen 127.0.0.1:8080 \\
        --replica 127.0.0.1:8501 --replica 127.0.0.1:8502 --replica 127.0.0.1:8503 \\
        --prefix /var/lib/poolviz-nginx > /etc/poolviz/nginx.conf

``--prefix`` is where nginx writes its pid, logs and temp files (it must exist and be
writable by nginx). ``benchmarks/replicas.py`` renders into a temp dir the same way.

Examples
--------
>>> conf = render(["127.0.0.1:8501", "127.0.0.1:8502"], "127.0.0.1:8080", "/tmp/x")
>>> re.findall(r"@@[A-Z_]+@@", conf)  # every marker filled
[]
>>> "server 127.0.0.1:8502 backup;" in conf and "listen 127.0.0.1:8080;" in conf
True
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf")
_ADDRESS = re.compile(r"^[A-Za-z0-9.\-]+:\d{1,5}$")


def _check(address: str, what: str) -> str:
    if not _ADDRESS.match(address):
        raise ValueError(f"`{what}` must be host:port; got {address!r}")
    return address


def split_lines(n: int) -> list[str]:
    """``split_clients`` lines giving each of ``n`` replicas an equal share.

    >>> split_lines(3)
    ['        33.33% 0;', '        33.33% 1;', '        * 2;']
    """
    share = f"{100 / n:.2f}".rstrip("0").rstrip(".")
    return [f"        {share}% {k};" for k in range(n - 1)] + [f"        * {n - 1};"]


def render(replicas: list[str], listen: str, prefix: str, template: str | None = None) -> str:
    """The nginx config for ``replicas`` (host:port each, in order), as text.

    Replica ``k`` is cookie value ``k``; its upstream group ``poolviz_r<k>`` backs up to
    replica ``k + 1`` (mod N).
    """
    if not replicas:
        raise ValueError("`replicas` must name at least one host:port")
    replicas = [_check(r, "replica") for r in replicas]
    listen = listen if listen.isdigit() else _check(listen, "listen")
    if not prefix or any(c in prefix for c in ";{}\n\"' "):
        raise ValueError(f"`prefix` must be a plain directory path; got {prefix!r}")
    n = len(replicas)
    text = TEMPLATE.read_text(encoding="utf-8") if template is None else template
    upstreams = []
    for k, address in enumerate(replicas):
        lines = [
            f"    upstream poolviz_r{k} {{",
            f"        server {address} max_fails=1 fail_timeout=5s;",
        ]
        if n > 1:
            lines.append(f"        server {replicas[(k + 1) % n]} backup;")
        upstreams.append("\n".join(lines + ["    }"]))
    served = [f"        ~(^|\\s){re.escape(address)}$ {k};" for k, address in enumerate(replicas)]
    fills = {
        "@@PREFIX@@": prefix.rstrip("/"),
        "@@LISTEN@@": listen,
        "@@SPLIT@@": "\n".join(split_lines(n)),
        "@@COOKIE_MAP@@": "\n".join(f'        "{k}" {k};' for k in range(n)),
        "@@UPSTREAM_MAP@@": "\n".join(
            [f"        {k} poolviz_r{k};" for k in range(n)] + ["        default poolviz_r0;"]
        ),
        "@@SERVED_MAP@@": "\n".join(served),
        "@@UPSTREAMS@@": "\n".join(upstreams),
    }
    for marker, value in fills.items():
        text = text.replace(marker, value)
    left = re.findall(r"@@[A-Z_]+@@", text)
    if left:
        raise ValueError(f"template markers left unfilled: {sorted(set(left))}")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="127.0.0.1:8080", help="host:port or port")
    parser.add_argument("--replica", action="append", required=True, help="host:port, repeat")
    parser.add_argument("--prefix", required=True, help="dir for pid, logs, temp files")
    args = parser.parse_args(argv)
    sys.stdout.write(render(args.replica, args.listen, args.prefix))
    return 0


if __name__ == "__main__":
    sys.exit(main())
