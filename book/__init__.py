"""Shared code of the course "Why Sigmoid Is Avoided in LLMs".

Each module is explained in the chapter its docstring names. ``COURSE`` marks this package
as the course's (a notebook's first cell checks for it before installing the course), and
``__version__`` is the distribution's version.
"""

COURSE = "why-sigmoid-in-llms"
__version__ = "0.2.0"
