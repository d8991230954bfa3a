"""Layer 5 (below the front ends): one run of sync -> build -> plan -> apply.

The command line, the scheduler, the preview and the Nextcloud app call `run_pipeline`; targets
are chosen by kind from one registry (`targets.TARGET_KINDS`); progress and warnings go to an
`Events` object the front end supplies, so nothing here prints.
"""

from sitegen.run.events import Events, QuietEvents
from sitegen.run.pipeline import RunSettings, run_pipeline
from sitegen.run.state import default_state_dir, signing_key_path
from sitegen.run.targets import (
    TARGET_KINDS,
    TargetKind,
    TargetSettings,
    load_deploy_file,
    open_target,
    resolve_target,
    run_lock,
    target_label,
)

__all__ = [
    "TARGET_KINDS",
    "Events",
    "QuietEvents",
    "RunSettings",
    "TargetKind",
    "TargetSettings",
    "default_state_dir",
    "load_deploy_file",
    "open_target",
    "resolve_target",
    "run_lock",
    "run_pipeline",
    "signing_key_path",
    "target_label",
]
