"""A nameko timer whose interval is read from the configuration when the service starts.

@every(interval=lambda: settings().sweep_interval)   # a keyword: nameko takes a lone
def sweep(self): ...                                 # callable for the decorated method
"""

from __future__ import annotations

from collections.abc import Callable

from nameko.timer import Timer


class ConfiguredTimer(Timer):
    def __init__(self, interval: Callable[[], float], **kwargs) -> None:
        self.read_interval = interval
        super().__init__(interval=0, **kwargs)

    def setup(self) -> None:
        self.interval = float(self.read_interval())
        super().setup()


every = ConfiguredTimer.decorator
