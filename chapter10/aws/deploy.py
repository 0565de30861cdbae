"""Book: chapter 11, "Provisioning and deployment - CloudFormation and ECS".

``python -m chapter10.aws.deploy STACK --param ImageRegistry=... ...``
creates the stack of ``runnerly.yaml`` (or updates it when it exists),
waits until CloudFormation has finished, and prints its outputs (the URL
among them). boto3 finds the credentials and region as the AWS CLI does;
``--endpoint-url`` points it elsewhere (the tests use moto's local server).

    >>> parameters(["ImageRegistry=example", "ImageTag=1.0.0"])
    [{'ParameterKey': 'ImageRegistry', 'ParameterValue': 'example'}, \
{'ParameterKey': 'ImageTag', 'ParameterValue': '1.0.0'}]
"""

import argparse
import json
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

TEMPLATE = Path(__file__).resolve().parent / "runnerly.yaml"
# IAM roles are created by the template: CloudFormation asks for the ack.
CAPABILITIES = ["CAPABILITY_IAM"]


def parameters(pairs: list[str]) -> list[dict]:
    """``KEY=VALUE`` pairs as CloudFormation's parameter list."""
    result = []
    for pair in pairs:
        key, _, value = pair.partition("=")
        result.append({"ParameterKey": key, "ParameterValue": value})
    return result


def deploy(client, stack: str, template: str, params: list[dict]) -> dict[str, str]:
    """Create or update ``stack``, wait for it; its outputs, by key."""
    options = {
        "StackName": stack,
        "TemplateBody": template,
        "Parameters": params,
        "Capabilities": CAPABILITIES,
    }
    # Poll every 5 s: a stack takes minutes on AWS, moments on moto.
    wait = {"Delay": 5, "MaxAttempts": 360}
    if exists(client, stack):
        try:
            client.update_stack(**options)
        except ClientError as error:
            if "No updates are to be performed" not in str(error):
                raise
        else:
            client.get_waiter("stack_update_complete").wait(
                StackName=stack, WaiterConfig=wait
            )
    else:
        client.create_stack(**options, OnFailure="DELETE")
        client.get_waiter("stack_create_complete").wait(
            StackName=stack, WaiterConfig=wait
        )
    return outputs(client, stack)


def exists(client, stack: str) -> bool:
    try:
        client.describe_stacks(StackName=stack)
    except ClientError as error:
        if "does not exist" in str(error):
            return False
        raise
    return True


def outputs(client, stack: str) -> dict[str, str]:
    description = client.describe_stacks(StackName=stack)["Stacks"][0]
    return {
        out["OutputKey"]: out["OutputValue"] for out in description.get("Outputs", [])
    }


def main() -> None:
    parse = argparse.ArgumentParser(prog="python -m chapter10.aws.deploy")
    parse.add_argument("stack", help="the stack's name, e.g. runnerly")
    parse.add_argument("--param", action="append", default=[], help="KEY=VALUE")
    parse.add_argument("--template", type=Path, default=TEMPLATE)
    parse.add_argument("--endpoint-url", help="another endpoint (moto's server)")
    parse.add_argument("--region", help="default: the AWS CLI's")
    args = parse.parse_args()
    client = boto3.client(
        "cloudformation", endpoint_url=args.endpoint_url, region_name=args.region
    )
    result = deploy(
        client, args.stack, args.template.read_text(), parameters(args.param)
    )
    print(json.dumps(result, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
