"""Packaging: the code, plus the data folders kept at the top of the repository mapped into the wheel.

``rubrics/``, ``knowledge/`` and ``samples/`` become ``voice_interviewer/_data/<name>/`` in the wheel,
which is where :mod:`voice_interviewer.paths` looks when not running from a checkout. The rest of the
metadata is in pyproject.toml.
"""

from setuptools import find_packages, setup

DATA_DIRS = ("rubrics", "knowledge", "samples")

setup(
    packages=[
        *find_packages(include=["voice_interviewer", "voice_interviewer.*"]),
        *(f"voice_interviewer._data.{d}" for d in DATA_DIRS),
    ],
    package_dir={f"voice_interviewer._data.{d}": d for d in DATA_DIRS},
    package_data={
        **{f"voice_interviewer._data.{d}": ["**/*.yaml", "**/*.yml", "**/*.md", "**/*.txt"] for d in DATA_DIRS},
        "voice_interviewer.scoring": ["fitted.json"],  # the fitted score's parameters
    },
    include_package_data=False,
)
