"""gopluginemu: open Go plugins on any OS and any CPU."""

__version__ = "0.1.0"
