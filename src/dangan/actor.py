"""Who did it: the acting user, device or process that the audit trail names."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ActorKind(StrEnum):
    USER = "user"  # a person: at the command line, or logged in to the web interface
    DEVICE = "device"  # a scanner workstation with an API token
    SYSTEM = "system"  # dangan itself (start-up reconcile, a watched folder)


@dataclass(frozen=True)
class Actor:
    """``Actor("王芳", role="archivist")``; a command-line user has no role (the OS login vouches)."""

    name: str
    role: str | None = None
    kind: ActorKind = ActorKind.USER

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "kind": str(self.kind)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Actor:
        return cls(str(data.get("name", "")), data.get("role"), ActorKind(data.get("kind", "user")))

    def label(self) -> str:
        return f"{self.name}（{self.role}）" if self.role else self.name

    @classmethod
    def local_user(cls) -> Actor:
        """The person at this terminal, by their login name."""
        try:
            name = getpass.getuser()
        except Exception:  # no login name (a container without passwd entry)
            name = "unknown"
        return cls(name=name)


SYSTEM = Actor("dangan", kind=ActorKind.SYSTEM)
