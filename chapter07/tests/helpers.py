"""What chapter 7's tests share besides fixtures: the registered clients."""

from dataclasses import dataclass

from chapter07.tokendealer.clients import register

CLIENT_ID = "dashboard"
AUDIENCE = "runnerly-data"
SCOPE = "data:read data:write"


@dataclass
class Registered:
    client_id: str
    secret: str
    clients: dict  # what TokenDealer is given: hashes, no secret
    secrets: dict  # client id -> secret, as each client would hold it


def registered_clients() -> Registered:
    main = register(CLIENT_ID, AUDIENCE, SCOPE)
    reader = register("reader", AUDIENCE, "data:read")
    other = register("billing", "runnerly-billing", "data:read")
    clients = {CLIENT_ID: main.entry, "reader": reader.entry, "billing": other.entry}
    secrets = {CLIENT_ID: main.secret, "reader": reader.secret, "billing": other.secret}
    return Registered(CLIENT_ID, main.secret, clients, secrets)
