"""Book: chapter 10, "Running Flask in Docker" (and 11): the chapter in one command.

``python -m chapter10`` builds the data service's image from chapter 09's
wheel with podman, offline (:mod:`.machinery.podman`: the local base image,
made the first time with ``mmdebstrap``, about 40 s; the wheels from this
environment; ``podman build --network none``, whose layers are cached for
the next run), then runs it as the tests do: read-only, as user 10001, on
the host's loopback at port BASE+1 (``--port-base`` or
``RUNNERLY_PORT_BASE``; without either, 5001 when free, else a free port).
It prints each step while it builds, then where to look. Ctrl-C or SIGTERM
stops the container (gunicorn, its PID 1, stops on SIGTERM) and removes it.

Where podman is missing (or with ``--aws``), it deploys chapter 11's
CloudFormation stack (:mod:`.aws.deploy`) on moto's local AWS instead, and
keeps moto serving until Ctrl-C.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from chapter06.machinery.launcher import (
    HOST,
    Launcher,
    Service,
    StartError,
    pick_ports,
    python,
    serve,
)

from .machinery.podman import (
    BASE_IMAGE,
    CONTAINERS_CONF,
    HERE,
    Missing,
    Podman,
    build_context,
)

SERVICE = "dataservice"
VERSION = "1.0.0"
IMAGE = f"localhost/runnerly-{SERVICE}:{VERSION}"
# A container alone: its database on its tmpfs; no TokenDealer, so every
# call but /health and /ready needs a token it cannot have (chapter 7).
SETTINGS = {
    "FLASK_SQLALCHEMY_DATABASE_URI": "sqlite:////tmp/runnerly.db",
    "FLASK_TOKEN_ISSUER": "http://127.0.0.1:9",
}
REGION = "eu-west-1"
AWS_PARAMS = [
    "ImageRegistry=123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    "StravaClientId=1",
]


def say(line: str) -> None:
    print(f"chapter10: {line}", flush=True)


class ImageDemo(Launcher):
    """Build the image (printing its steps), then run it as a service."""

    port_hint = "set --port-base"

    def __init__(self, podman: Podman, base: int | None = None, **options):
        self.podman = podman
        (self.port,) = pick_ports(base, 1)
        self.name = f"runnerly-demo-{self.port}"
        super().__init__([], environ=podman.env, **options)

    def start(self) -> "ImageDemo":
        try:
            self.build()
        except (RuntimeError, LookupError, subprocess.SubprocessError) as error:
            # serve() says so in one line, and exits 1: no traceback.
            raise StartError(SERVICE, "could not be built", str(error)) from None
        self.services = [
            Service(
                SERVICE,
                [
                    self.podman.binary, "run", "--rm", "--name", self.name,
                    "--network=host", "--read-only", "--tmpfs=/tmp:size=64m",
                    # PORT: where its HEALTHCHECK asks.
                    f"--env=PORT={self.port}",
                    *[f"--env={k}={v}" for k, v in SETTINGS.items()],
                    IMAGE, "serve", f"--bind={HOST}:{self.port}", "--workers=2",
                ],
                port=self.port,
                health="/health",
            )
        ]  # fmt: skip
        # One left by a run that was killed (kill -9) would hold the name.
        self.podman.run("rm", "--force", "--ignore", self.name, check=False)
        super().start()
        return self

    def build(self) -> None:
        from chapter09.build import build  # chapter 9 makes the wheel

        started = time.monotonic()
        say(f"building {IMAGE} with {self.podman.binary}, offline")
        podman = self.podman
        if not podman.image_exists(BASE_IMAGE):
            say("making the base image with mmdebstrap (once per machine, ~40 s)")
        base = podman.base_image()
        python_version = podman.python_version(base)
        say(f"base image {base} (Python {python_version})")
        with tempfile.TemporaryDirectory(prefix="chapter10-demo-") as folder:
            workdir = Path(folder)
            wheels = build(SERVICE, workdir / "dist", wheel_only=True)
            say(f"chapter 09's wheel: {wheels[0].name}")
            context = build_context(workdir, wheels, python=python_version)
            count = len(list((context / "wheels").glob("*.whl")))
            say(f"{count} wheels in the build context, from this environment")
            say(f"podman build {IMAGE} (no network; cached layers are reused)")
            podman.build(
                IMAGE,
                HERE / f"{SERVICE}.Dockerfile",
                context,
                {"BASE_IMAGE": base},
                progress=lambda line: print(f"  build | {line}", flush=True),
            )
        size = podman.image_size(IMAGE) / 1e6
        say(f"built {IMAGE}, {size:.0f} MB, in {time.monotonic() - started:.1f} s")

    def stop(self) -> None:
        try:
            super().stop()
        finally:  # gone with --rm, unless podman run was killed first
            self.podman.run("rm", "--force", "--ignore", self.name, check=False)

    def banner(self) -> str:
        url = f"http://{HOST}:{self.port}"
        conf = ""
        if self.podman.conf is not None:
            conf = f"  export CONTAINERS_CONF={self.podman.conf}  # this machine's"
        return "\n".join(
            [
                "",
                "Chapter 10 is up: the data service's image, in a container.",
                f"  image      {IMAGE}  (chapter 09's wheel, no pip, no compiler)",
                f"  container  {self.name}: read-only, user 10001, {url}",
                "",
                "Try:",
                f"  curl -s {url}/health",
                f"  curl -s {url}/users  # 401: it wants a token (chapter 7)",
                *([conf] if conf else []),
                "  podman ps",
                f"  podman healthcheck run {self.name} && echo healthy",
                f"  podman exec {self.name} id -u",
                f"  podman exec {self.name} touch /opt/x  # a read-only filesystem",
                f"  podman image history {IMAGE}",
                "",
                "Ctrl-C stops everything: SIGTERM to the container, then removed.",
                "",
            ]
        )


class AwsDemo(Launcher):
    """moto's local AWS, and chapter 11's stack deployed on it."""

    port_hint = "set --port-base"

    def __init__(self, base: int | None = None, **options):
        (self.port,) = pick_ports(base, 1)
        self.url = f"http://{HOST}:{self.port}"
        self.outputs: dict[str, str] = {}
        command = [*python("moto.server"), "--host", HOST, "--port", str(self.port)]
        moto = Service("moto", command, port=self.port, health="/moto-api/")
        super().__init__(
            [moto], environ={**os.environ, **self.credentials()}, **options
        )

    @staticmethod
    def credentials() -> dict[str, str]:
        """Fake ones: never a real account."""
        return {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }

    def start(self) -> "AwsDemo":
        super().start()
        import boto3

        from .aws import deploy

        say("deploying aws/runnerly.yaml (CloudFormation: ECS Fargate, ...) on moto")
        client = boto3.client(
            "cloudformation",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        self.outputs = deploy.deploy(
            client,
            "runnerly",
            deploy.TEMPLATE.read_text(),
            deploy.parameters(AWS_PARAMS),
        )
        return self

    def banner(self) -> str:
        outputs = [
            f"  {key:<16} {value}" for key, value in sorted(self.outputs.items())
        ]
        env = " ".join(f"{k}={v}" for k, v in self.credentials().items())
        return "\n".join(
            [
                "",
                "Chapter 11's stack is deployed, on moto's local AWS:",
                *outputs,
                "",
                "Try:",
                f"  {self.url}/moto-api/  (moto's dashboard, in a browser)",
                f"  export {env}",
                "  python -m chapter10.aws.deploy runnerly \\",
                f"    --endpoint-url {self.url} \\",
                *[f"    --param {param} \\" for param in AWS_PARAMS],
                f"    --region {REGION}",
                "  (a second deploy: CloudFormation finds nothing to change)",
                "",
                "Ctrl-C stops everything.",
                "",
            ]
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m chapter10",
        description=__doc__.split("\n\n")[0],
    )
    base = os.environ.get("RUNNERLY_PORT_BASE")
    parser.add_argument(
        "--port-base",
        type=int,
        default=int(base) if base else None,
        help="the port is BASE+1 (default: 5001 when free, else a free port)",
    )
    parser.add_argument(
        "--aws",
        action="store_true",
        help="deploy chapter 11's stack on moto instead of building an image",
    )
    args = parser.parse_args(argv)
    demo: Launcher
    if args.aws:
        demo = AwsDemo(args.port_base)
    else:
        # This machine's settings unless the reader has their own.
        conf = None if "CONTAINERS_CONF" in os.environ else CONTAINERS_CONF
        try:
            podman = Podman.found(conf)
            podman.can_make()  # the base image, or what makes it
            demo = ImageDemo(podman, args.port_base)
        except Missing as error:
            say(f"{error}; deploying on moto's local AWS instead")
            demo = AwsDemo(args.port_base)
    try:
        return serve(demo, "chapter10")
    except KeyboardInterrupt:  # pressed again while stopping: already stopped
        return 0


if __name__ == "__main__":
    sys.exit(main())
