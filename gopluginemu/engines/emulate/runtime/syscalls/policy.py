"""What a plugin may do to the host: the one seam every system call passes through.

The default policy lets nothing reach the host: files, network and processes are refused
with the errno Go expects, the clock is virtual, and output to stdout/stderr is captured.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EACCES = 13
ENOSYS = 38
EPERM = 1

# 2026-01-01T00:00:00Z: where the default virtual wall clock starts
DEFAULT_EPOCH_NS = 1_767_225_600 * 1_000_000_000


@dataclass
class Policy:
    """The decisions a sandboxed plugin's system calls get.

    ``env``: the environment Go's ``os.Getenv`` sees ("K=V" strings); ``epoch_ns``: the virtual
    wall clock's start; ``clock_step_ns``: how far each clock read advances it (so time moves,
    deterministically); ``random_seed``: what ``getrandom`` derives its bytes from;
    ``deny_errno``: the errno refused file/network/process calls return (``refuse`` may
    choose per call).
    """

    env: list[str] = field(default_factory=list)
    epoch_ns: int = DEFAULT_EPOCH_NS
    clock_step_ns: int = 1_000
    random_seed: int = 0
    deny_errno: int = EACCES

    def refuse(self, family: str, name: str, args: list[int]) -> int:
        """The errno a call that would act on the host gets (this emulator never performs
        one: a sandbox that passes chosen calls through is a later step)."""
        return self.deny_errno


DEFAULT_POLICY = Policy()
