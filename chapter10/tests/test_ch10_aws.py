"""Book: chapter 11, "Deploying with ECS": the CloudFormation template,
linted by cfn-lint and deployed with ``chapter10.aws.deploy`` against moto's
local server (a fake AWS on a free loopback port)."""

import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import yaml

from chapter10.aws import deploy
from testkit.fixtures import server_fixture
from testkit.ports import LOCALHOST, free_port

TEMPLATE = deploy.TEMPLATE
REGION = "eu-west-1"
PARAMS = [
    "ImageRegistry=123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    "StravaClientId=1",
]
SERVICES = {"dashboard", "dataservice", "stravaworker", "tokendealer"}


# A whole tool's run, as the README's own cfn-lint block is in the fast loop.
@pytest.mark.slow
def test_cfn_lint_passes():
    result = subprocess.run(
        [Path(sys.executable).with_name("cfn-lint"), TEMPLATE],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@server_fixture(scope="module")
def moto_url(tmp_path_factory):
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address=LOCALHOST, port=port, verbose=False)
    server.start()
    yield f"http://{LOCALHOST}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def aws(moto_url, monkeypatch_module):
    """boto3 clients on moto, with fake credentials (never a real account)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch_module.setenv(name, value)
    monkeypatch_module.delenv("AWS_PROFILE", raising=False)
    return lambda service: boto3.client(service, endpoint_url=moto_url)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def stack(aws):
    """The stack, created once for the module: its outputs."""
    return deploy.deploy(
        aws("cloudformation"),
        "runnerly",
        TEMPLATE.read_text(),
        deploy.parameters(PARAMS),
    )


def test_the_stack_is_created_and_its_outputs_read(aws, stack):
    assert stack["Url"].startswith("http://") and ".elb." in stack["Url"]
    assert stack["QueueUrl"].endswith("/runnerly-celery")
    assert stack["LogGroupName"] == "/runnerly/runnerly"
    assert ".rds." in stack["DatabaseEndpoint"]
    status = aws("cloudformation").describe_stacks(StackName="runnerly")["Stacks"][0]
    assert status["StackStatus"] == "CREATE_COMPLETE"


def test_a_second_deploy_changes_nothing(aws, stack):
    again = deploy.deploy(
        aws("cloudformation"),
        "runnerly",
        TEMPLATE.read_text(),
        deploy.parameters(PARAMS),
    )
    assert again == stack


def test_each_service_runs_locked_down(aws, stack):
    ecs = aws("ecs")
    arns = ecs.list_services(cluster=stack["ClusterName"])["serviceArns"]
    services = ecs.describe_services(cluster=stack["ClusterName"], services=arns)
    containers = {}
    for service in services["services"]:
        task = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])
        for container in task["taskDefinition"]["containerDefinitions"]:
            containers[container["name"]] = container
    assert set(containers) == SERVICES
    for container in containers.values():
        assert container["user"] == "10001"
        assert container["readonlyRootFilesystem"] is True
        logs = container["logConfiguration"]["options"]
        assert logs["awslogs-group"] == stack["LogGroupName"]
        # Secrets are references to SSM parameters, never values.
        for secret in container["secrets"]:
            assert secret["valueFrom"].startswith("arn:aws:ssm:")


def template() -> dict:
    return yaml.load(TEMPLATE.read_text(), Loader=_Loader)


def test_every_service_is_on_fargate():
    """Read from the template: moto's ECS keeps no launch type."""
    resources = template()["Resources"].values()
    for resource in resources:
        if resource["Type"] == "AWS::ECS::Service":
            assert resource["Properties"]["LaunchType"] == "FARGATE"
        if resource["Type"] == "AWS::ECS::TaskDefinition":
            assert resource["Properties"]["RequiresCompatibilities"] == ["FARGATE"]


def test_no_secret_value_in_the_template():
    database = template()["Resources"]["Database"]["Properties"]
    assert database["MasterUserPassword"].startswith("{{resolve:ssm-secure:")
    assert (
        database["StorageEncrypted"] is True and database["PubliclyAccessible"] is False
    )


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub...) read as plain."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
