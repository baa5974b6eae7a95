"""AWS in tests: a moto server (``moto.server.ThreadedMotoServer``) with SNS topics and SQS queues, and the
harness provider that creates a program's ``aws.sns.Topic`` resources in it."""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3

from pulumi_iotcomms.testing.harness import ForeignProvider
from pulumi_iotcomms.testing.harness.host import ReadOutcome
from pulumi_iotcomms.testing.harness.props import PropertyMap

__all__ = ["REGION", "Aws", "MotoSnsTopics", "moto_server"]

REGION = "eu-north-1"
_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


@dataclass
class Aws:
    """Clients of one moto server (``url``)."""

    url: str

    def __post_init__(self) -> None:
        self.sns = boto3.client("sns", endpoint_url=self.url, region_name=REGION)
        self.sqs = boto3.client("sqs", endpoint_url=self.url, region_name=REGION)

    def topic(self, name: str) -> str:
        """Create (or find) the topic ``name``; its ARN."""
        return str(self.sns.create_topic(Name=name)["TopicArn"])

    def topic_arns(self) -> list[str]:
        """Every topic's ARN."""
        return [t["TopicArn"] for t in self.sns.list_topics()["Topics"]]

    def subscribed_queue(self, topic_arn: str, name: str) -> str:
        """A new SQS queue subscribed to ``topic_arn``; its URL."""
        url = str(self.sqs.create_queue(QueueName=name)["QueueUrl"])
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
        return url

    def messages(self, queue_url: str, *, expect: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The event bodies published to the queue's topic (SNS envelopes unwrapped, each deleted once read):
        waits until ``expect`` arrived or ``timeout`` passed (``expect=0``: one short wait)."""
        out: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while True:
            answer = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for message in answer.get("Messages", []):
                out.append(json.loads(json.loads(message["Body"])["Message"]))
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            if (expect and len(out) >= expect) or time.monotonic() >= deadline or not expect:
                return out


@contextmanager
def moto_server() -> Iterator[Aws]:
    """A moto server on a free loopback port, with test credentials in the environment (boto3 needs some,
    moto accepts any) for as long as it runs."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per AWS call otherwise
    saved = {k: os.environ.get(k) for k in _CREDENTIALS}
    os.environ.update(_CREDENTIALS)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield Aws(f"http://{host}:{port}")
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class MotoSnsTopics(ForeignProvider):
    """``aws:sns/topic:Topic`` of a harness program, created in moto: id and ``arn`` the topic's ARN, ``name``
    the given one or, like the AWS provider's auto-naming, the resource name and 7 random hex digits. Any
    input change replaces the topic (the inputs tests use are all create-only)."""

    def __init__(self, aws: Aws) -> None:
        self.aws = aws

    def create(self, urn: str, inputs: PropertyMap) -> tuple[str, PropertyMap]:
        """``CreateTopic``."""
        resource_name, typ = self.name_and_type(urn)
        if typ != "aws:sns/topic:Topic":
            raise NotImplementedError(f"only aws:sns/topic:Topic is served, not {typ}")
        name = inputs.get("name") or f"{resource_name}-{secrets.token_hex(4)[:7]}"
        arn = self.aws.topic(str(name))
        return arn, {**inputs, "name": name, "arn": arn, "id": arn}

    def delete(self, urn: str, id_: str, inputs: PropertyMap, outputs: PropertyMap) -> None:
        """``DeleteTopic``."""
        self.aws.sns.delete_topic(TopicArn=id_)

    def read(self, urn: str, id_: str, inputs: PropertyMap, outputs: PropertyMap) -> ReadOutcome:
        """Gone when the topic is no longer listed."""
        if id_ not in self.aws.topic_arns():
            return ReadOutcome(id="", outputs={}, inputs=None)
        return ReadOutcome(id=id_, outputs=dict(outputs), inputs=dict(inputs))
