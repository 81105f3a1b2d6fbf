"""Running a batch of re-scores: here (one process, the speech model using every core) or in a
pool of worker processes with one thread each; :func:`choose_workers` decides, from what
``benchmarks/bench_rescore.py`` measured on a 2-core machine.

The engines come from :mod:`voice_interviewer.engines`: the caller's, one set per track, or in a
worker process its own, built from the picklable :class:`WorkerSpec`.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from typing import Protocol

from voice_interviewer.engines import Engines, Settings
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.paths import DataHome
from voice_interviewer.review.rescore import RescoreOptions, ScoringEngines, TurnJob, rescore_turn
from voice_interviewer.store.rescores import RescoredTurn
from voice_interviewer.stt.placement import probe_device


class Runner(Protocol):
    def run(self, jobs: Sequence[TurnJob], done: Callable[[TurnJob, RescoredTurn], None]) -> list[RescoredTurn]:
        """Re-score every job; results in the order of ``jobs``."""
        ...


class InProcess:
    """One process; the speech model uses every core (``cpu_threads`` = the number of cores)."""

    def __init__(self, engines_for: Callable[[str], ScoringEngines]) -> None:
        self._engines_for = engines_for  # track name -> its engines
        self._engines: dict[str, ScoringEngines] = {}

    def run(self, jobs: Sequence[TurnJob], done: Callable[[TurnJob, RescoredTurn], None]) -> list[RescoredTurn]:
        out = []
        for job in jobs:
            if job.track not in self._engines:
                self._engines[job.track] = self._engines_for(job.track)
            r = rescore_turn(self._engines[job.track], job)
            done(job, r)
            out.append(r)
        return out


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker process needs to build its own engines (picklable): the settings (on the CPU,
    with the worker's threads; the track is each job's) and the data home."""

    settings: Settings
    home: DataHome

    @classmethod
    def for_cpu(cls, stt_model: str, home: DataHome, cpu_threads: int = 1, use_embeddings: bool = True) -> WorkerSpec:
        settings = Settings(stt_model=stt_model, device="cpu", use_embeddings=use_embeddings, cpu_threads=cpu_threads)
        return cls(settings, home)


_WORKER_ENGINES: dict[str, Engines] = {}


def _work(spec: WorkerSpec, job: TurnJob) -> RescoredTurn | tuple[str, int]:
    """In a worker process. A UserError comes back as (message, exit code): it pickles as data."""
    try:
        if job.track not in _WORKER_ENGINES:
            settings = replace(spec.settings, track=job.track)
            _WORKER_ENGINES[job.track] = Engines(settings, notify=lambda m: None, home=spec.home)
        return rescore_turn(_WORKER_ENGINES[job.track], job)
    except UserError as e:
        return e.message, int(e.code)


class ProcessPool:
    """``workers`` processes, each with its own model and ``spec.settings.cpu_threads`` threads."""

    def __init__(self, spec: WorkerSpec, workers: int) -> None:
        self.spec = spec
        self.workers = workers

    def run(self, jobs: Sequence[TurnJob], done: Callable[[TurnJob, RescoredTurn], None]) -> list[RescoredTurn]:
        results: dict[int, RescoredTurn] = {}
        # longest answers first, so that the two workers finish at about the same time
        order = sorted(range(len(jobs)), key=lambda i: -jobs[i].seconds)
        ctx = multiprocessing.get_context("spawn")  # no fork of a process that may hold model threads
        with ProcessPoolExecutor(self.workers, mp_context=ctx) as pool:
            futures = {pool.submit(_work, self.spec, jobs[i]): i for i in order}
            for fut in as_completed(futures):
                r = fut.result()
                if isinstance(r, tuple):
                    for other in futures:
                        other.cancel()
                    raise UserError(r[0], ExitCode(r[1]))
                i = futures[fut]
                results[i] = r
                done(jobs[i], r)
        return [results[i] for i in range(len(jobs))]


POOL_FROM_AUDIO_S = 360.0  # below about six minutes of answers, one process wins (measured, see below)


def choose_workers(answers: int, audio_s: float, cores: int, on_gpu: bool) -> tuple[int, int]:
    """(worker processes, threads each). Pure: the inputs are the batch and the machine.

    Measured with benchmarks/bench_rescore.py (tiny.en, 2 cores, wall time including model load):
    20 x 60 s answers, one process with 2 threads 57.3 s, two single-thread workers 49.8 s;
    20 x 30 s, 32.6 s vs 30.3 s; 8 x 30 s, 14.2 s vs 15.1 s; 4 x 30 s, 8.6 s vs 9.1 s. A worker
    pays about 3 s to start (imports and its own model) and doubles the memory (about 0.5 GB
    each), which only long batches earn back.
    """
    if on_gpu or cores < 2 or answers < 2 or audio_s < POOL_FROM_AUDIO_S:
        return 1, max(cores, 1)
    workers = min(cores, answers)
    return workers, max(1, cores // workers)


def make_runner(
    opts: RescoreOptions,
    device: str,
    jobs: Sequence[TurnJob],
    home: DataHome,
    engines_for: Callable[[str], ScoringEngines],
) -> tuple[Runner, str]:
    """(runner, a one-line description of it for the user). ``device`` as --device: cpu, cuda or auto."""
    on_gpu = probe_device(device)[0] == "cuda"
    workers, threads = choose_workers(len(jobs), sum(j.seconds for j in jobs), os.cpu_count() or 1, on_gpu)
    if workers == 1:
        return InProcess(engines_for), "in this process"
    return ProcessPool(WorkerSpec.for_cpu(opts.stt_model, home, threads), workers), f"{workers} worker processes"
