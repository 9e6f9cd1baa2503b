"""Fault specs ("429=0.05,500=0.02,timeout=0.01") and the seeded choice of the fault hitting a request."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["FaultDecider", "FaultKind", "FaultSpec", "FaultSpecError", "parse_fault_spec"]


class FaultKind(StrEnum):
    """Every fault the middleware can inject."""

    HTTP_429 = "429"
    HTTP_500 = "500"
    HTTP_502 = "502"
    HTTP_503 = "503"
    HTTP_504 = "504"
    TIMEOUT = "timeout"
    RESET = "reset"
    TRUNCATE = "truncate"
    INVALID = "invalid"

    @property
    def status_code(self) -> int | None:
        """The HTTP status of a status fault, else None."""
        return int(self.value) if self.value.isdigit() else None


class FaultSpecError(ValueError):
    """A fault spec string that cannot be parsed; the message says which part is wrong."""


@dataclass(frozen=True)
class FaultSpec:
    """Probability per fault kind; the sum is at most 1."""

    rates: dict[FaultKind, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for kind, rate in self.rates.items():
            if not 0.0 <= rate <= 1.0:
                raise FaultSpecError(f"rate of {kind} must be within 0..1, got {rate}")
        if sum(self.rates.values()) > 1.0 + 1e-9:
            raise FaultSpecError("fault rates add up to more than 1")

    @property
    def total(self) -> float:
        """Probability that a request gets any fault."""
        return sum(self.rates.values())

    def format(self) -> str:
        """Return the spec in its string form (parse_fault_spec(spec.format()) == spec)."""
        return ",".join(f"{kind.value}={rate:g}" for kind, rate in self.rates.items() if rate > 0)

    def to_json(self) -> dict[str, float]:
        """Return the rates keyed by kind name."""
        return {kind.value: rate for kind, rate in self.rates.items()}


def parse_fault_spec(text: str) -> FaultSpec:
    """Parse "429=0.05,500=0.02,timeout=0.01"; an empty string means no faults."""
    rates: dict[FaultKind, float] = {}
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        if not sep:
            raise FaultSpecError(f"expected KIND=RATE, got {part!r}")
        try:
            kind = FaultKind(name.strip().lower())
        except ValueError:
            known = ", ".join(k.value for k in FaultKind)
            raise FaultSpecError(f"unknown fault kind {name.strip()!r} (known: {known})") from None
        try:
            rates[kind] = float(value)
        except ValueError:
            raise FaultSpecError(f"rate of {kind} is not a number: {value!r}") from None
    return FaultSpec(rates)


class FaultDecider:
    """Draws one fault kind (or None) per request from a seeded RNG; the spec is replaceable at run time."""

    def __init__(self, spec: FaultSpec | None = None, *, seed: int = 0) -> None:
        self._spec = spec or FaultSpec()
        self._seed = seed
        self._rng = random.Random(seed)
        self.injected: dict[FaultKind, int] = {}

    @property
    def spec(self) -> FaultSpec:
        """The spec in force."""
        return self._spec

    def replace(self, spec: FaultSpec, *, seed: int | None = None) -> None:
        """Swap the spec (and optionally reseed) without restarting the server."""
        self._spec = spec
        if seed is not None:
            self._seed = seed
            self._rng = random.Random(seed)

    def decide(self) -> FaultKind | None:
        """Return the fault for the next request, or None; one RNG draw per request."""
        draw = self._rng.random()
        cumulative = 0.0
        for kind in FaultKind:
            cumulative += self._spec.rates.get(kind, 0.0)
            if draw < cumulative:
                self.injected[kind] = self.injected.get(kind, 0) + 1
                return kind
        return None
