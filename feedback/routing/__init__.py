"""Choosing the responsible unit for a petition, learning from officers' corrections, finding duplicates."""

from feedback.routing.router import ProcedureHint, Router, RoutingDecision

__all__ = ["ProcedureHint", "Router", "RoutingDecision"]
