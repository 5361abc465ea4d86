"""Process-wide setup, done by the entry points (the CLI, the server) and nowhere else.

Library code never sets environment variables, thread counts or log levels: these are the choices
of the process that runs it.
"""

from __future__ import annotations

import logging
import os

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def configure(verbose: int = 0) -> None:
    """Logging, and the environment the libraries read when they load."""
    logging.basicConfig(level=[logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)], format=LOG_FORMAT)
    # pypdf warns about every odd byte of a PDF it can still read.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    # Nothing is fetched at run time: models come from installed packages, and no library phones home.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    # libgomp reads this when llama.cpp loads: idle OpenMP workers sleep instead of spinning.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def configure_torch(threads: int | None) -> None:
    """Thread count and quiet logging for torch and transformers, before a model loads."""
    import torch
    import transformers

    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    if threads:
        torch.set_num_threads(threads)
