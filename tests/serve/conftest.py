"""A vpcsim serve in this process (uvicorn in a thread, 127.0.0.1, a free port, state in memory)
and boto3 clients for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from vpcsim.serve import BackgroundServer

Client = Callable[..., Any]


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer() as running:
        yield running


@pytest.fixture
def client(server: BackgroundServer) -> Client:
    """``client("ec2", region="eu-west-1", account="111122223333")``; the state is reset first."""
    server.store.reset()

    def make(service: str = "ec2", *, region: str = "us-east-1", account: str = "testing") -> Any:
        return boto3.client(
            service,
            endpoint_url=server.url,
            region_name=region,
            aws_access_key_id=account,
            aws_secret_access_key="secret",
        )

    return make


@pytest.fixture
def ec2(client: Client) -> Any:
    return client("ec2")
