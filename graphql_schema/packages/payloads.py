"""Shaping a placed order (fresh or replayed, B-8) as the OrderPayload."""

from app.domain.packages.commands import Placed
from graphql_schema.orders.types import OrderPayload, order_of
from graphql_schema.packages.types import package_of


def order_payload(placed: Placed) -> OrderPayload:
    return OrderPayload(order=order_of(placed.order), package=package_of(placed.package) if placed.package else None)
